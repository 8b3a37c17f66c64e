"""The unit of work and the read scope: what a read sees while others commit."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Date, literal, select, text
from sqlalchemy.exc import OperationalError

from slackapp.store import db as db_module
from slackapp.store.db import SQLITE_CACHE_KIB, Database, month_start
from slackapp.store.models import Team
from tests.support.databases import prepared_statements, write_lock_held
from tests.support.factories import add_team


def _goal(db: Database, team_id: str) -> int:
    with db.read_scope() as session:
        return session.scalars(select(Team.daily_goal).where(Team.team_id == team_id)).one()


def test_a_read_scope_sees_one_moment_whatever_commits_while_it_reads(db: Database) -> None:
    # Readers check the settings a team's kept figures follow, then read the figures: a save
    # committed between the two statements must not give them one of each.
    with db.session_scope() as session:
        add_team(session, team_id="T1", daily_goal=10)
    with db.read_scope() as reader:
        goal = select(Team.daily_goal).where(Team.team_id == "T1")
        before = reader.scalars(goal).one()
        with db.session_scope() as writer:
            team = writer.get(Team, "T1")
            assert team is not None
            team.daily_goal = 3
        after = reader.execute(goal.execution_options(populate_existing=True)).scalar_one()
    assert (before, after) == (10, 10)
    # The next read scope sees the save.
    assert _goal(db, "T1") == 3


def test_the_unit_of_work_after_a_read_scope_writes_as_before(db: Database) -> None:
    # The read scope's snapshot and read-only mode stay with it, not with the pooled connection.
    with db.session_scope() as session:
        add_team(session, team_id="T1", daily_goal=10)
    assert _goal(db, "T1") == 10
    for goal in (4, 5):
        with db.session_scope() as session:
            team = session.get(Team, "T1")
            assert team is not None
            team.daily_goal = goal
        assert _goal(db, "T1") == goal


def test_each_sqlite_connection_keeps_a_page_cache_of_the_set_size(db: Database) -> None:
    if db.backend != "sqlite":
        pytest.skip("the page cache setting is SQLite's")
    for _ in range(2):  # a fresh connection, and the pooled one again
        with db.engine.connect() as connection:
            kept = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        assert kept == -SQLITE_CACHE_KIB


def _backend_pid(db: Database) -> int:
    with db.read_scope() as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _drop_on_the_server(db: Database, pid: int) -> None:
    killer = Database(db.url)
    try:
        with killer.engine.connect() as connection:
            assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        killer.dispose()


def test_a_postgres_connection_dropped_while_idle_is_replaced_before_use(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.backend != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_S", 0.3)
    dropped = _backend_pid(db)
    _drop_on_the_server(db, dropped)
    time.sleep(0.4)  # idle long enough to be pinged: replaced, and the read never sees it
    assert _backend_pid(db) != dropped


def test_a_postgres_connection_used_moments_ago_is_not_pinged(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.backend != "postgresql":
        pytest.skip("only PostgreSQL connections are pinged")
    # Wide enough that back-to-back scopes stay under it on a loaded runner.
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_S", 1.0)
    pings: list[object] = []
    ping = db.engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return bool(ping(dbapi_connection))

    monkeypatch.setattr(db.engine.dialect, "do_ping", counted)
    _backend_pid(db)
    used = len(pings)
    for _ in range(3):
        _backend_pid(db)
    assert len(pings) == used  # back to back: no round trip before each
    time.sleep(1.1)
    _backend_pid(db)
    assert len(pings) == used + 1
    # The trade: a connection the server drops between two uses that close is handed out,
    # its statement fails, and the pool is renewed for the next one. (However slow the drop,
    # the connection is still "just used".)
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_S", 60)
    dropped = _backend_pid(db)
    _drop_on_the_server(db, dropped)
    with pytest.raises(OperationalError):
        _backend_pid(db)
    assert db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert _backend_pid(db) != dropped


@contextmanager
def _goal_prepared(db: Database) -> Iterator[Database]:
    """A database of one pooled connection on which the read of a team's goal is prepared."""
    if db.backend != "postgresql":
        pytest.skip("prepared statements are psycopg's")
    held = Database(db.url, pool_size=1, max_overflow=0)  # everything on one connection
    try:
        with held.session_scope() as session:
            add_team(session, team_id="T1", daily_goal=10)
        for _ in range(8):  # psycopg prepares a statement on its sixth run on a connection
            assert _goal(held, "T1") == 10
        yield held
    finally:
        held.dispose()


def test_postgres_read_scopes_keep_the_prepared_statements(db: Database) -> None:
    with _goal_prepared(db) as held:
        # psycopg forgets them at every ROLLBACK: a read scope that ended with one would
        # leave none, and every statement would be parsed and planned on every run.
        assert prepared_statements(held, like="%daily_goal%") == 1


def test_the_health_check_answers_while_a_writer_holds_the_write_lock(db: Database) -> None:
    # /healthz must not take SQLite's write lock: it queued behind every writer and, past its
    # timeout, said the database was down while it was only busy.
    with write_lock_held(db):
        assert db.ping(timeout=5)


def test_the_health_check_keeps_the_prepared_statements(db: Database) -> None:
    with _goal_prepared(db) as held:
        assert held.ping(timeout=5)
        # A check that ended with ROLLBACK would have dropped it.
        assert prepared_statements(held, like="%daily_goal%") == 1


def test_a_read_scope_never_writes_what_it_changed(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session, team_id="T1", daily_goal=10)
    with db.read_scope() as session:
        team = session.get(Team, "T1")
        assert team is not None
        team.daily_goal = 3  # a slip: changing a loaded object while reading
    assert _goal(db, "T1") == 10


def test_one_postgres_connection_found_dropped_renews_the_whole_pool(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.backend != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_S", 0.3)
    held = [db.engine.connect() for _ in range(3)]
    pids = [int(c.execute(text("SELECT pg_backend_pid()")).scalar_one()) for c in held]
    for connection in held:
        connection.close()
    for pid in pids:  # a restart drops every connection at once
        _drop_on_the_server(db, pid)
    failed: list[BaseException] = []
    ping = db.engine.dialect.do_ping

    def watched(dbapi_connection: Any) -> bool:
        try:
            return bool(ping(dbapi_connection))
        except BaseException as error:
            failed.append(error)
            raise

    monkeypatch.setattr(db.engine.dialect, "do_ping", watched)
    time.sleep(0.4)
    for _ in range(3):  # each pooled connection in turn
        assert _backend_pid(db) not in pids
    assert len(failed) == 1  # the first one found dropped renewed the others unasked


@pytest.mark.parametrize(
    "day", [date(1994, 12, 31), date(2026, 1, 1), date(2026, 2, 28), date(2028, 2, 29)]
)
def test_month_start_is_the_first_of_the_month_whatever_the_session_zone(
    db: Database, day: date
) -> None:
    with db.engine.connect() as connection:
        if db.backend == "postgresql":
            # Kiribati skipped 31 December 1994: through timestamptz, that day's month is off.
            connection.execute(text("SET TimeZone = 'Pacific/Kiritimati'"))
        found = connection.execute(select(month_start(literal(day, Date)))).scalar_one()
        connection.rollback()
    assert found == day.replace(day=1)


def test_postgres_writes_plan_each_statement_and_reads_keep_their_plans(db: Database) -> None:
    if db.backend != "postgresql":
        pytest.skip("plan_cache_mode is PostgreSQL's")
    show = text("SHOW plan_cache_mode")
    with db.session_scope() as session:
        # A generic plan made when a table was small stays until the next ANALYZE.
        assert session.execute(show).scalar() == "force_custom_plan"
    with db.read_scope() as session:
        assert session.execute(show).scalar() == "auto"
    # SET LOCAL ends with its transaction: the pooled connection reads with kept plans again.
    with db.session_scope() as session:
        session.execute(text("SELECT 1"))
    with db.read_scope() as session:
        assert session.execute(show).scalar() == "auto"
