"""People in the store: found or created with each entry, per workspace; merges that undo;
the teammate hint's window; migration 0005's back-fill of existing entries.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from slackapp.domain.entries import Draft
from slackapp.domain.vocabulary import Platform, Principle
from slackapp.store import connections
from slackapp.store import people as store
from slackapp.store.db import Database
from slackapp.store.migrate import upgrade
from slackapp.store.models import Connection, Person

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)


def log(
    session: Session,
    *,
    who: str | None,
    platform: Platform | None = Platform.TWITTER,
    team_id: str = "T1",
    user_id: str = "U1",
    now: datetime = NOW,
) -> int:
    result = connections.log_connection(
        session,
        team_id=team_id,
        user_id=user_id,
        draft=Draft(principle=Principle.SOLVE, local_date=now.date(), platform=platform, who=who),
        now=now,
        daily_goal=10,
        daily_cap=100,
    )
    assert result.connection is not None
    return result.connection.id


def person_of(session: Session, connection_id: int) -> Person:
    row = session.get(Connection, connection_id)
    assert row is not None and row.person_id is not None
    person = session.get(Person, row.person_id)
    assert person is not None
    return person


def test_entries_meet_on_one_person_per_workspace(db: Database) -> None:
    with db.session_scope() as session:
        a = log(session, who="@Jane")
        b = log(session, who="x.com/jane", platform=None, user_id="U2")
        c = log(session, who="@jane", team_id="T2")
        d = log(session, who=None)
        assert person_of(session, a).id == person_of(session, b).id
        assert person_of(session, c).id != person_of(session, a).id
        assert person_of(session, c).team_id == "T2"
        assert session.get(Connection, d).person_id is None  # type: ignore[union-attr]


def test_an_edit_moves_the_entry_to_its_new_person(db: Database) -> None:
    with db.session_scope() as session:
        entry = log(session, who="@jane")
        connections.update_connection(
            session,
            team_id="T1",
            user_id="U1",
            connection_id=entry,
            draft=Draft(
                principle=Principle.CARE,
                local_date=TODAY,
                platform=Platform.LINKEDIN,
                who="linkedin.com/in/sam",
            ),
            now=NOW,
        )
        moved = person_of(session, entry)
        assert (moved.platform, moved.handle_key) == ("linkedin", "sam")


def test_the_hint_is_another_members_touch_within_the_window(db: Database) -> None:
    with db.session_scope() as session:
        mine = log(session, who="@jane")
        person = person_of(session, mine).id
        since = NOW - timedelta(days=14)
        assert (
            store.teammate_touch(session, team_id="T1", person_id=person, user_id="U1", since=since)
            is None
        )
        log(session, who="@jane", user_id="U2", now=NOW - timedelta(days=15))
        assert (
            store.teammate_touch(session, team_id="T1", person_id=person, user_id="U1", since=since)
            is None
        )
        log(session, who="@jane", user_id="U2", now=NOW - timedelta(days=3))
        log(session, who="@jane", user_id="U9", team_id="T2")
        hint = store.teammate_touch(
            session, team_id="T1", person_id=person, user_id="U1", since=since
        )
        assert hint is not None
        assert (hint.user_id, hint.local_date) == ("U2", (NOW - timedelta(days=3)).date())


def test_merges_chain_onto_one_root_and_each_undo_restores_its_own(db: Database) -> None:
    with db.session_scope() as session:
        a = person_of(session, log(session, who="@jane", platform=Platform.TWITTER)).id
        b = person_of(session, log(session, who="@jane", platform=Platform.LINKEDIN)).id
        c = person_of(session, log(session, who="@jane", platform=Platform.INSTAGRAM)).id
        first = store.merge_people(session, team_id="T1", source_id=a, target_id=b)
        second = store.merge_people(session, team_id="T1", source_id=b, target_id=c)
        assert first is not None and second is not None
        assert second.moved == (b, a)
        assert {p.id: p.merged_into for p in session.scalars(select(Person))} == {
            a: c,
            b: c,
            c: None,
        }
        page = store.person_page(session, team_id="T1", person_id=a, limit=10)
        assert page is not None and page.total == 3 and page.person.id == c
        assert store.merge_people(session, team_id="T1", source_id=a, target_id=c) is None
        assert store.merge_people(session, team_id="T2", source_id=a, target_id=b) is None
        store.unmerge_people(session, team_id="T1", source_id=b, moved=second.moved)
        assert {p.id: p.merged_into for p in session.scalars(select(Person))} == {
            a: b,
            b: None,
            c: None,
        }
        assert store.unmerge_people(session, team_id="T1", source_id=c, moved=()) is None


def test_migration_0005_brings_existing_entries_in(database_url: str) -> None:
    db = Database(database_url)
    try:
        upgrade(db, revision="0004")
        rows = [
            ("T1", "U1", "twitter", "@Jane"),
            ("T1", "U2", None, "https://x.com/jane/status/1"),
            ("T1", "U2", "linkedin", "@jane"),
            ("T1", "U1", "twitter", "<@U7>"),
            ("T2", "U1", "twitter", "@jane"),
            ("T1", "U1", "twitter", None),
        ]
        with db.engine.begin() as connection:
            for team, user, platform, who in rows:
                connection.execute(
                    text(
                        "INSERT INTO connections (team_id, user_id, principle, platform, who, "
                        "note, local_date, created_at, source) VALUES (:t, :u, 'solve', :p, :w, "
                        "'', :d, :c, 'command')"
                    ),
                    {"t": team, "u": user, "p": platform, "w": who, "d": TODAY, "c": NOW},
                )
        upgrade(db)
        with db.session_scope() as session:
            found = {(p.team_id, p.platform, p.handle_key) for p in session.scalars(select(Person))}
            assert found == {
                ("T1", "twitter", "jane"),
                ("T1", "linkedin", "jane"),
                ("T1", "slack", "U7"),
                ("T2", "twitter", "jane"),
            }
            entries = list(session.scalars(select(Connection).order_by(Connection.id)))
            assert entries[0].person_id == entries[1].person_id is not None
            assert entries[5].person_id is None
            assert len({e.person_id for e in entries[:5]}) == 4
    finally:
        db.dispose()


def test_recent_people_count_merged_handles_under_the_person_they_became(db: Database) -> None:
    with db.session_scope() as session:
        jane = log(session, who="@jane", now=NOW - timedelta(hours=3))
        log(session, who="@sam", now=NOW - timedelta(hours=2))
        janie = log(session, who="@janie_codes", now=NOW - timedelta(hours=1))
        log(session, who=None, now=NOW)  # names nobody: not a touch
        log(session, who="@other", user_id="U2", now=NOW)  # someone else's
        log(session, who="@jane", team_id="T2", now=NOW)  # another workspace's
        jane_id, janie_id = person_of(session, jane).id, person_of(session, janie).id
        assert store.merge_people(session, team_id="T1", source_id=janie_id, target_id=jane_id)

    with db.read_scope() as session:
        recent = store.recent_people(session, team_id="T1", user_id="U1", limit=5)

    # Newest first; the merged handle's touch counts for Jane, at its own (newest) date.
    assert [(p.person.key.handle, p.touches) for p in recent] == [("jane", 2), ("sam", 1)]
    assert recent[0].person.id == jane_id
    assert recent[0].last_touch == TODAY


def test_recent_people_stop_at_the_limit_and_the_scan(db: Database) -> None:
    with db.session_scope() as session:
        for n in range(6):
            log(session, who=f"@p{n}", now=NOW - timedelta(minutes=10 - n))
    with db.read_scope() as session:
        two = store.recent_people(session, team_id="T1", user_id="U1", limit=2)
        scanned = store.recent_people(session, team_id="T1", user_id="U1", limit=5, scan=3)
    assert [p.person.key.handle for p in two] == ["p5", "p4"]
    assert [p.person.key.handle for p in scanned] == ["p5", "p4", "p3"]


def test_recent_people_read_only_the_entries_that_name_someone_on_sqlite(
    db: Database, captured_sql: list[tuple[str, Any]]
) -> None:
    if db.backend != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    with db.session_scope() as session:
        log(session, who="@jane")
    captured_sql.clear()
    with db.read_scope() as session:
        store.recent_people(session, team_id="T1", user_id="U1", limit=5)
    ((sql, params),) = [(sql, params) for sql, params in captured_sql if "connections" in sql]
    with db.engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
    details = " | ".join(str(row[-1]) for row in plan)
    # Newest first straight from the partial index: no scan of the member's history, no sort.
    assert "ix_connections_member_people" in details, details
    assert "TEMP B-TREE" not in details, details
