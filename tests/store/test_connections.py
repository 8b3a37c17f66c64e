"""Logging in the database: the unique keys that stop duplicates, ownership, events."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from slackapp.domain.entries import (
    ChangeStatus,
    Draft,
    LogResult,
    LogStatus,
)
from slackapp.domain.vocabulary import Principle
from slackapp.store.connections import (
    _repeat_status,
    delete_connection,
    log_connection,
    redate,
    team_and_member,
    update_connection,
)
from slackapp.store.db import Database
from slackapp.store.events import claim_event, forget_events
from slackapp.store.models import Connection, ProcessedEvent
from slackapp.store.tallies import mismatches, take_member_turn
from tests.support.databases import patient_gates, waiting_for_a_lock
from tests.support.factories import add_connection, add_member, add_team

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)


def draft(**changes: object) -> Draft:
    base: dict[str, object] = {"principle": Principle.SOLVE, "local_date": TODAY}
    base.update(changes)
    return Draft(**base)  # type: ignore[arg-type]


def log(
    db: Database, *, user_id: str = "U1", cap: int = 50, token: str | None = None, **changes: object
) -> LogResult:
    with db.session_scope() as session:
        return log_connection(
            session,
            team_id="T1",
            user_id=user_id,
            draft=draft(**changes),
            now=NOW,
            daily_goal=10,
            daily_cap=cap,
            client_token=token,
        )


def count(db: Database) -> int:
    with db.session_scope() as session:
        return session.scalar(select(func.count()).select_from(Connection)) or 0


def test_saving_counts_the_members_day(db: Database) -> None:
    first = log(db)
    second = log(db, principle=Principle.CARE)
    assert (first.status, first.day_count) == (LogStatus.SAVED, 1)
    assert (second.status, second.day_count, second.daily_goal) == (LogStatus.SAVED, 2, 10)


def test_same_link_same_day_is_a_duplicate_but_another_day_is_not(db: Database) -> None:
    link = "https://x.com/jane/status/1"
    assert log(db, link=link).status is LogStatus.SAVED
    again = log(db, link=link, note="again")
    assert again.status is LogStatus.DUPLICATE_LINK
    assert again.connection is not None and again.connection.note == ""
    assert log(db, link=link, local_date=TODAY - timedelta(days=1)).status is LogStatus.SAVED
    assert log(db, link=link, user_id="U2").status is LogStatus.SAVED
    assert count(db) == 3


def test_a_repeated_request_token_saves_once(db: Database) -> None:
    assert log(db, token="view:V1").status is LogStatus.SAVED
    repeat = log(db, token="view:V1")
    assert repeat.status is LogStatus.ALREADY_SAVED
    assert repeat.day_count == 1
    assert count(db) == 1


def test_the_daily_cap_stops_saving(db: Database) -> None:
    for _ in range(3):
        log(db, cap=3)
    capped = log(db, cap=3)
    assert capped.status is LogStatus.CAP_REACHED
    assert capped.connection is None
    assert count(db) == 3
    # The cap is per day: yesterday still has room.
    assert log(db, cap=3, local_date=TODAY - timedelta(days=1)).status is LogStatus.SAVED


def test_only_the_owner_may_change_or_delete(db: Database) -> None:
    saved = log(db).connection
    assert saved is not None
    with db.session_scope() as session:
        refused = update_connection(
            session,
            team_id="T1",
            user_id="U2",
            connection_id=saved.id,
            draft=draft(note="mine now"),
            now=NOW,
        )
        assert refused.status is ChangeStatus.NOT_YOURS
        other_team = delete_connection(session, team_id="T9", user_id="U1", connection_id=saved.id)
        assert other_team.status is ChangeStatus.NOT_FOUND
        assert (
            delete_connection(session, team_id="T1", user_id="U2", connection_id=saved.id).status
            is ChangeStatus.NOT_YOURS
        )
    assert count(db) == 1
    with db.session_scope() as session:
        done = update_connection(
            session,
            team_id="T1",
            user_id="U1",
            connection_id=saved.id,
            draft=draft(note="edited"),
            now=NOW,
        )
        assert done.status is ChangeStatus.DONE
        assert done.connection is not None and done.connection.note == "edited"
        assert (
            delete_connection(session, team_id="T1", user_id="U1", connection_id=saved.id).status
            is ChangeStatus.DONE
        )
    assert count(db) == 0


def test_an_edit_cannot_duplicate_another_entrys_link(db: Database) -> None:
    log(db, link="https://x.com/a")
    other = log(db, link="https://x.com/b").connection
    assert other is not None
    with db.session_scope() as session:
        result = update_connection(
            session,
            team_id="T1",
            user_id="U1",
            connection_id=other.id,
            draft=draft(link="https://x.com/a"),
            now=NOW,
        )
    assert result.status is ChangeStatus.DUPLICATE_LINK


def test_event_ids_are_claimed_once_and_forgotten_later(db: Database) -> None:
    with db.session_scope() as session:
        assert claim_event(session, event_id="Ev1", team_id="T1", now=NOW) is True
        assert claim_event(session, event_id="Ev1", team_id="T1", now=NOW) is False
        claim_event(session, event_id="Ev2", team_id="T1", now=NOW + timedelta(days=2))
    with db.session_scope() as session:
        assert forget_events(session, before=NOW + timedelta(days=1)) == 1
        remaining = session.scalars(select(ProcessedEvent.event_id)).all()
    assert remaining == ["Ev2"]


@pytest.mark.parametrize(
    ("stored", "incoming", "status"),
    [
        ("view:V1", "view:V1", LogStatus.ALREADY_SAVED),
        ("view:V1", "view:V2", LogStatus.DUPLICATE_LINK),
        (None, "view:V1", LogStatus.DUPLICATE_LINK),
        ("view:V1", None, LogStatus.DUPLICATE_LINK),
    ],
)
def test_a_link_clash_with_the_same_request_is_that_request_saved_already(
    stored: str | None, incoming: str | None, status: LogStatus
) -> None:
    # A repeat of one request can commit between our token check and our link check.
    existing = Connection(client_token=stored)
    assert _repeat_status(existing, incoming) is status


@pytest.mark.parametrize(
    ("team_row", "member_row"), [(True, True), (True, False), (False, True), (False, False)]
)
def test_team_and_member_read_together(
    db: Database, captured_sql: list[tuple[str, Any]], team_row: bool, member_row: bool
) -> None:
    with db.session_scope() as session:
        if team_row:
            add_team(session, daily_goal=7, timezone="Asia/Tokyo")
        if member_row:
            add_member(session, user_id="U1")
        add_member(session, user_id="U2")  # a teammate's row is not theirs
    captured_sql.clear()
    with db.read_scope() as session:
        team, member = team_and_member(
            session, team_id="T1", user_id="U1", now=NOW, timezone="UTC", daily_goal=10
        )
        # The row as it is, or one with the defaults, never saved by a read.
        assert (team.team_id, team.daily_goal, team.timezone) == (
            ("T1", 7, "Asia/Tokyo") if team_row else ("T1", 10, "UTC")
        )
        assert (member.user_id if member else None) == ("U1" if member_row else None)
    selects = [sql for sql, _ in captured_sql if sql.lstrip().upper().startswith("SELECT")]
    # One round trip where the team has a row (the usual case).
    assert len(selects) == (1 if team_row else 2)


def test_a_date_fix_waits_for_the_members_turn_before_it_takes_the_entry(db: Database) -> None:
    # The after-ack date fix (redate) and an Undo of the same entry: the Undo takes the
    # member's turn and then deletes the row. Had the fix taken the row first, each would
    # wait for the other. It takes the turn first, and then finds the entry gone.
    if db.backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing meets")
    with db.session_scope() as session:
        add_team(session)
        entry = add_connection(session, local_date=date(2026, 3, 4))
        entry_id = entry.id
    answers: list[bool] = []
    failures: list[BaseException] = []

    def fix_the_date() -> None:
        try:
            with db.session_scope() as session:
                answers.append(redate(session, connection_id=entry_id, day=date(2026, 3, 5)))
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    thread = threading.Thread(target=fix_the_date)
    with patient_gates(db), db.session_scope() as session:
        take_member_turn(session, team_id="T1", user_id="U1")  # the Undo's turn
        thread.start()
        deadline = time.monotonic() + 10
        while not waiting_for_a_lock(db):
            assert time.monotonic() < deadline, "the date fix never waited"
            time.sleep(0.02)
        result = delete_connection(session, team_id="T1", user_id="U1", connection_id=entry_id)
        assert result.status is ChangeStatus.DONE
    thread.join(30)
    assert failures == []
    assert answers == [False]
    with db.read_scope() as session:
        assert mismatches(session) == []
