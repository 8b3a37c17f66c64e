"""A database that hangs must not hang the app: timeouts, a bounded health check, and recovery."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from slackapp.config import ConfigError, load_settings
from slackapp.runtime.database import open_database
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.store.db import Database, Timeouts
from tests.runtime.fakes import HangingProxy, SilentServer
from tests.support.driver import FakeClock, SlackDriver, serve_app

on_postgres = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)"
)


def health(driver: SlackDriver) -> tuple[int, dict[str, object], float]:
    url = driver.url.replace("/slack/events", "/healthz")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    return status, json.loads(body), time.monotonic() - started


@contextmanager
def served(standin: SlackEmulator, db: Database, clock: FakeClock) -> Iterator[SlackDriver]:
    app = serve_app(standin=standin, db=db, clock=clock)
    try:
        yield app.driver
    finally:
        app.server.shutdown()
        app.server.server_close()
        db.dispose()


def test_health_is_503_within_seconds_when_postgres_accepts_but_never_answers(
    standin: SlackEmulator, clock: FakeClock
) -> None:
    with SilentServer() as silent:
        db = Database(silent.url(), timeouts=Timeouts(connect=2, pool=1, statement=2))
        with served(standin, db, clock) as slack:
            status, body, elapsed = health(slack)
            assert (status, body) == (503, {"ok": False, "database": "down"})
            assert elapsed < 10  # the deadline is 3 s; a hung check would take 30
            # Slack's requests still get their answer rather than hanging with the database.
            started = time.monotonic()
            reply = slack.command("help")
            assert reply.status == 200
            assert time.monotonic() - started < 8


def test_health_check_gives_up_on_a_pooled_connection_that_froze(
    standin: SlackEmulator, db: Database, clock: FakeClock
) -> None:
    # A query on an open connection has no client-side limit: the health check's own deadline
    # is what answers. Simulated by a database whose every query outlasts the deadline.
    slow = Database(db.url, timeouts=Timeouts(connect=2, pool=1, statement=None))

    def frozen(*_: object) -> None:
        if threading.current_thread().name == "db-ping":  # the health check's query alone
            time.sleep(30)

    with served(standin, slow, clock) as slack:
        event.listen(slow.engine, "before_cursor_execute", frozen)
        status, _, elapsed = health(slack)
        assert status == 503
        assert elapsed < 10  # the deadline is 3 s; a hung check would take 30


@on_postgres
def test_health_recovers_without_a_restart_when_postgres_comes_back(
    standin: SlackEmulator, db: Database, clock: FakeClock
) -> None:
    real = make_url(db.url)
    with HangingProxy((real.host or "127.0.0.1", real.port or 5432)) as proxy:
        via_proxy = real.set(host="127.0.0.1", port=proxy.port)
        proxied = Database(
            via_proxy.render_as_string(hide_password=False),
            timeouts=Timeouts(connect=2, pool=1, statement=2),
        )
        with served(standin, proxied, clock) as slack:
            assert health(slack)[:2] == (200, {"ok": True, "database": "up"})
            proxy.hang()
            status, _, elapsed = health(slack)
            assert status == 503
            assert elapsed < 10  # the deadline is 3 s; a hung check would take 30
            proxy.recover()
            deadline = time.monotonic() + 15
            while health(slack)[0] != 200:
                assert time.monotonic() < deadline, "the pool never recovered"
                time.sleep(0.2)
            reply = slack.command("solve answered a question")
            assert reply.status == 200
            assert "Saved" in slack.response_to(reply, timeout=10)["text"]


@on_postgres
def test_postgres_statements_are_cut_off_and_the_url_keeps_its_own_options(
    database_url: str,
) -> None:
    # `database_url` on PostgreSQL is a schema of its own, chosen with `options=-csearch_path`.
    limited = Database(database_url, timeouts=Timeouts(statement=1))
    try:
        with limited.engine.connect() as connection:
            assert connection.scalar(text("SHOW statement_timeout")) == "1s"
            # The test fixture's URL sets search_path through the same `options`: still there.
            assert "t_" in str(connection.scalar(text("SHOW search_path")))
        started = time.monotonic()
        with pytest.raises(OperationalError), limited.engine.connect() as connection:
            connection.execute(text("SELECT pg_sleep(5)"))
        assert time.monotonic() - started < 4
    finally:
        limited.dispose()


def test_a_locked_sqlite_database_fails_a_write_after_the_statement_timeout(
    tmp_path: Path,
) -> None:
    path = tmp_path / "locked.db"
    db = Database(f"sqlite:///{path}", timeouts=Timeouts(statement=1))
    with db.session_scope() as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="locked"), db.session_scope() as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
        assert 0.8 < time.monotonic() - started < 4
    finally:
        holder.rollback()
        holder.close()
        db.dispose()


def test_a_busy_pool_gives_up_after_the_pool_timeout(database_url: str) -> None:
    db = Database(database_url, timeouts=Timeouts(pool=0.5))
    held = []
    try:
        with pytest.raises(PoolTimeout):  # fill the pool, then ask for one more
            for _ in range(100):
                started = time.monotonic()
                held.append(db.engine.connect())
        assert time.monotonic() - started < 3
    finally:
        for connection in held:
            connection.close()
        db.dispose()


def test_the_served_pool_holds_a_connection_per_thread_and_lends_the_listeners_more(
    database_url: str,
) -> None:
    settings = load_settings(
        {"DATABASE_URL": database_url, "WEB_THREADS": "3", "LISTENER_WORKERS": "2"},
        dotenv_path=None,
    )
    db = open_database(settings)
    held = []
    try:
        # WEB_THREADS kept, LISTENER_WORKERS + 2 more at busy moments, then the pool timeout.
        with pytest.raises(PoolTimeout):
            for _ in range(20):
                held.append(db.engine.connect())
        assert len(held) == 3 + 2 + 2
    finally:
        for connection in held:
            connection.close()
        db.dispose()


def test_database_timeouts_are_settings_with_sane_defaults() -> None:
    settings = load_settings({}, dotenv_path=None)
    assert (settings.db_connect_timeout, settings.db_pool_timeout) == (3, 2)
    assert settings.db_statement_timeout == 5
    tuned = load_settings(
        {"DB_CONNECT_TIMEOUT": "10", "DB_POOL_TIMEOUT": "0.5", "DB_STATEMENT_TIMEOUT": "30"},
        dotenv_path=None,
    )
    assert (tuned.db_connect_timeout, tuned.db_pool_timeout, tuned.db_statement_timeout) == (
        10,
        0.5,
        30,
    )
    with pytest.raises(ConfigError) as refused:
        load_settings(
            {"DB_CONNECT_TIMEOUT": "soon", "DB_STATEMENT_TIMEOUT": "0", "DB_POOL_TIMEOUT": "nan"},
            dotenv_path=None,
        )
    for name in ("DB_CONNECT_TIMEOUT", "DB_STATEMENT_TIMEOUT", "DB_POOL_TIMEOUT"):
        assert name in str(refused.value)


def test_env_example_documents_every_database_setting() -> None:
    example = (Path(__file__).parents[2] / ".env.example").read_text()
    for name in ("DB_CONNECT_TIMEOUT=3", "DB_POOL_TIMEOUT=2", "DB_STATEMENT_TIMEOUT=5"):
        assert name in example


@on_postgres
def test_a_command_answers_while_a_pooled_connection_hangs_mid_query(
    standin: SlackEmulator, db: Database, clock: FakeClock
) -> None:
    # The connection is open and pooled when the server stops answering: no connect or
    # statement timeout can fire (the server never says anything), only TCP's own limit.
    real = make_url(db.url)
    with HangingProxy((real.host or "127.0.0.1", real.port or 5432)) as proxy:
        via_proxy = real.set(host="127.0.0.1", port=proxy.port)
        proxied = Database(
            via_proxy.render_as_string(hide_password=False),
            timeouts=Timeouts(connect=2, pool=1, statement=2),
        )
        with served(standin, proxied, clock) as slack:
            first = slack.command("solve answered a question")
            assert "Saved" in first.json()["text"]
            proxy.hang()
            reply = slack.command("care thanked @sam for the post")  # the driver waits 10 s
            assert reply.status == 200
            assert "nothing was saved" in reply.json()["text"]
