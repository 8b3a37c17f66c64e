"""The maintained counts agree with the rows after any mix of logs, edits, undos and re-dates,
forget-me and purges: per member and day (each principle and in all); per member, month and
principle; per member all-time."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from slackapp.domain.entries import ChangeResult, ChangeStatus, Draft, LogStatus
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, Platform, Principle
from slackapp.store import connections as store
from slackapp.store.db import Database
from slackapp.store.models import (
    Connection,
    MemberDay,
    MemberMonth,
    MemberTotal,
    Person,
)
from slackapp.store.people import merge_people
from slackapp.store.purge import purge_team
from slackapp.store.rights import forget_member
from slackapp.store.tallies import mismatches, rebuild
from tests.support.factories import add_team

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tallies_follow_every_change(db: Database, seed: int) -> None:
    rng = random.Random(seed)
    members = ["U1", "U2", "U3"]
    for step in range(60):
        with db.session_scope() as session:
            ids = list(session.scalars(select(Connection.id)))
            action = rng.choice(["log", "log", "log", "delete", "update", "redate"])
            user = rng.choice(members)
            if action == "log" or not ids:
                draft = Draft(
                    principle=rng.choice(PRINCIPLE_ORDER),
                    local_date=TODAY - timedelta(days=rng.randrange(10)),
                    link=rng.choice([None, f"https://x.com/{rng.randrange(5)}"]),
                    note=f"step {step}",
                    # A few people named again and again: their first and latest days move.
                    **_someone(rng),
                )
                result = store.log_connection(
                    session,
                    team_id="T1",
                    user_id=user,
                    draft=draft,
                    now=NOW,
                    daily_goal=10,
                    daily_cap=50,
                )
                assert result.status in {LogStatus.SAVED, LogStatus.DUPLICATE_LINK}
                continue
            row = session.get(Connection, rng.choice(ids))
            assert row is not None
            if action == "delete":
                store.delete_connection(
                    session, team_id="T1", user_id=row.user_id, connection_id=row.id
                )
            elif action == "update":
                draft = Draft(
                    principle=rng.choice(PRINCIPLE_ORDER),
                    local_date=TODAY - timedelta(days=rng.randrange(10)),
                    note="edited",
                    link=row.link,
                    **_someone(rng),
                )
                store.update_connection(
                    session,
                    team_id="T1",
                    user_id=row.user_id,
                    connection_id=row.id,
                    draft=draft,
                    now=NOW,
                )
            else:
                store.redate(
                    session, connection_id=row.id, day=TODAY - timedelta(days=rng.randrange(10))
                )
    with db.read_scope() as session:
        assert session.scalar(select(Connection.id).limit(1)) is not None
        assert mismatches(session) == []


def _someone(rng: random.Random) -> dict[str, Any]:
    """Who an entry names: one of four people, or nobody."""
    n = rng.randrange(5)
    return {} if n == 4 else {"who": f"@friend{n}", "platform": Platform.TWITTER}


def _random_draft(rng: random.Random, step: int) -> Draft:
    return Draft(
        principle=rng.choice(PRINCIPLE_ORDER),
        local_date=TODAY - timedelta(days=rng.randrange(6)),
        link=rng.choice([None, None, f"https://x.com/{rng.randrange(5)}"]),
        note=f"step {step}",
        **_someone(rng),
    )


@pytest.mark.parametrize("seed", [11, 12])
def test_member_days_follow_every_change_forget_me_and_purge_included(
    db: Database, seed: int
) -> None:
    rng = random.Random(seed)
    teams, members = ["T1", "T2"], ["U1", "U2", "U3"]
    actions = ["log"] * 6 + ["delete", "update", "redate", "forget", "purge"]
    done: set[str] = set()
    for step in range(80):
        action = rng.choice(actions)
        team, user = rng.choice(teams), rng.choice(members)
        if action == "purge":
            purge_team(db, team_id=team)
            done.add(action)  # then a log in the emptied team
        with db.session_scope() as session:
            ids = list(session.scalars(select(Connection.id).where(Connection.team_id == team)))
            if action == "forget":
                forget_member(session, team_id=team, user_id=user)
            elif action in {"log", "purge"} or not ids:
                store.log_connection(
                    session,
                    team_id=team,
                    user_id=user,
                    draft=_random_draft(rng, step),
                    now=NOW,
                    daily_goal=10,
                    daily_cap=50,
                )
                action = "log"
            else:
                row = session.get(Connection, rng.choice(ids))
                assert row is not None
                if action == "delete":
                    store.delete_connection(
                        session, team_id=team, user_id=row.user_id, connection_id=row.id
                    )
                elif action == "update":
                    store.update_connection(
                        session,
                        team_id=team,
                        user_id=row.user_id,
                        connection_id=row.id,
                        draft=_random_draft(rng, step),
                        now=NOW,
                    )
                else:
                    store.redate(
                        session, connection_id=row.id, day=TODAY - timedelta(days=rng.randrange(6))
                    )
        done.add(action)
        with db.read_scope() as session:
            assert mismatches(session) == [], f"after step {step}: {action}"
    assert done >= {"log", "delete", "update", "redate", "forget", "purge"}, done


@pytest.mark.every_team  # a rebuild of every team's tallies
def test_rebuild_recomputes_tallies_from_the_rows(db: Database) -> None:
    with db.session_scope() as session:
        for n in range(5):
            # Over a month's end: the last day of the month before, and today.
            day = TODAY if n % 2 else TODAY.replace(day=1) - timedelta(days=1)
            store.log_connection(
                session,
                team_id="T1",
                user_id="U1",
                draft=Draft(principle=PRINCIPLE_ORDER[n % 4], local_date=day, note=str(n)),
                now=NOW,
                daily_goal=10,
                daily_cap=50,
            )
        session.execute(delete(MemberDay))
    with db.read_scope() as session:
        # The check can fail, for each kind of count.
        assert [line.split(" at ")[0] for line in mismatches(session)] == ["member days differ"]
    with db.session_scope() as session:
        session.execute(update(MemberMonth).values(month=TODAY.replace(day=1)))
    with db.read_scope() as session:
        # A month's count kept under the wrong month.
        assert "member months differ" in [line.split(" at ")[0] for line in mismatches(session)]
    with db.session_scope() as session:
        session.execute(delete(MemberTotal))
    with db.read_scope() as session:
        assert len(mismatches(session)) == 3
    with db.session_scope() as session:
        rebuild(session)
    with db.read_scope() as session:
        assert mismatches(session) == []
    with db.session_scope() as session:
        # One entry counted under another principle: the day's total is still right.
        session.execute(
            update(MemberDay)
            .where(MemberDay.solve > 0)
            .values(solve=MemberDay.solve - 1, care=MemberDay.care + 1)
        )
    with db.read_scope() as session:
        assert [line.split(" at ")[0] for line in mismatches(session)] == ["member days differ"]


def test_the_migration_counts_existing_entries_in(database_url: str) -> None:
    from slackapp.store.migrate import upgrade

    database = Database(database_url)
    try:
        upgrade(database, revision="0003")
        with database.engine.begin() as connection:
            connection.execute(
                insert(Connection),
                [
                    {
                        "team_id": "T1",
                        "user_id": f"U{n % 3}",
                        "principle": PRINCIPLE_ORDER[n % 4],
                        "note": "",
                        # Five days over five weeks: two months at least.
                        "local_date": TODAY - timedelta(days=9 * (n % 5)),
                        "created_at": NOW,
                        "source": "command",
                    }
                    for n in range(40)
                ],
            )
        upgrade(database)
        with database.read_scope() as session:
            assert session.scalar(select(MemberDay.count).limit(1)) is not None
            # Each principle's count came across (0017), as mismatches() below checks too.
            assert session.scalar(select(func.sum(MemberDay.opportunity))) == 10
            months = session.scalars(select(MemberMonth.month).distinct()).all()
            assert len(months) >= 2
            assert mismatches(session) == []
    finally:
        database.dispose()


def _named_draft(rng: random.Random, step: int) -> Draft:
    return Draft(
        principle=rng.choice(PRINCIPLE_ORDER),
        local_date=TODAY - timedelta(days=rng.randrange(12)),
        who=rng.choice([None, "@ana", "@ben", "@cy", "@dee"]),
        platform=Platform.TWITTER,
        note=f"step {step}",
    )


@pytest.mark.parametrize("seed", [41, 42, 43])
def test_first_days_of_people_follow_every_change(db: Database, seed: int) -> None:
    rng = random.Random(seed)
    actions = ["log"] * 5 + ["delete", "update", "redate", "forget", "merge"]
    done: set[str] = set()
    for step in range(90):
        action = rng.choice(actions)
        user = rng.choice(["U1", "U2", "U3"])
        with db.session_scope() as session:
            ids = list(session.scalars(select(Connection.id)))
            people = list(session.scalars(select(Person.id).where(Person.merged_into.is_(None))))
            if action == "forget":
                forget_member(session, team_id="T1", user_id=user)
            elif action == "merge" and len(people) > 1:
                source, target = rng.sample(people, 2)
                merge_people(session, team_id="T1", source_id=source, target_id=target)
            elif action in {"log", "merge"} or not ids:
                store.log_connection(
                    session,
                    team_id="T1",
                    user_id=user,
                    draft=_named_draft(rng, step),
                    now=NOW,
                    daily_goal=10,
                    daily_cap=50,
                )
                action = "log"
            else:
                row = session.get(Connection, rng.choice(ids))
                assert row is not None
                if action == "delete":
                    store.delete_connection(
                        session, team_id="T1", user_id=row.user_id, connection_id=row.id
                    )
                elif action == "update":
                    store.update_connection(
                        session,
                        team_id="T1",
                        user_id=row.user_id,
                        connection_id=row.id,
                        draft=_named_draft(rng, step),
                        now=NOW,
                    )
                else:
                    store.redate(
                        session, connection_id=row.id, day=TODAY - timedelta(days=rng.randrange(12))
                    )
        done.add(action)
        with db.read_scope() as session:
            assert mismatches(session) == [], f"after step {step}: {action}"
    assert done >= {"log", "delete", "update", "redate", "forget", "merge"}, done


def _log_naming_pat(session: Session, *, user_id: str, day: date) -> int:
    result = store.log_connection(
        session,
        team_id="T1",
        user_id=user_id,
        draft=Draft(
            principle=Principle.SOLVE, local_date=day, who="@pat", platform=Platform.TWITTER
        ),
        now=NOW,
        daily_goal=10,
        daily_cap=50,
    )
    assert result.connection is not None
    return result.connection.id


def _until_waiting_on_a_lock(db: Database) -> None:
    deadline = time.monotonic() + 10
    query = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
    while True:
        with db.engine.connect() as connection:
            if connection.execute(query).scalar_one():
                return
        assert time.monotonic() < deadline, "nobody ever waited for the person's row"
        time.sleep(0.01)


def _meet(
    db: Database, first: Callable[[Session], object], then: Callable[[Session], object]
) -> None:
    """`first` in a transaction held open until `then`, in its own, waits on a lock; then
    both commit, `first` before `then`."""
    written, release = threading.Event(), threading.Event()

    def holder() -> None:
        with db.session_scope() as session:
            first(session)
            written.set()
            release.wait(10)  # uncommitted until released

    def waiter() -> None:
        with db.session_scope() as session:
            then(session)

    first_writer = threading.Thread(target=holder)
    first_writer.start()
    assert written.wait(10)
    second_writer = threading.Thread(target=waiter)
    second_writer.start()
    _until_waiting_on_a_lock(db)
    release.set()
    first_writer.join(10)
    second_writer.join(10)


@pytest.mark.parametrize("first", ["log", "undo"])
def test_a_persons_days_stay_right_when_an_undo_and_another_change_meet(
    db: Database, first: str
) -> None:
    # On PostgreSQL an undo recomputing a person's days may wait for another entry's writer;
    # what that writer committed must be in the days it writes afterwards.
    if db.backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing meets")
    day = TODAY - timedelta(days=7)
    with db.session_scope() as session:
        older = _log_naming_pat(session, user_id="U1", day=day)
        undone = _log_naming_pat(session, user_id="U2", day=day + timedelta(days=1))

    def holder(session: Session) -> None:
        # Ben holds the person's row, uncommitted, until released: a new entry, or an undo.
        if first == "log":
            _log_naming_pat(session, user_id="U2", day=day + timedelta(days=5))
        else:
            store.delete_connection(session, team_id="T1", user_id="U2", connection_id=undone)

    def undo(session: Session) -> None:
        # Meanwhile Ana undoes her older entry naming the same person.
        store.delete_connection(session, team_id="T1", user_id="U1", connection_id=older)

    _meet(db, holder, undo)
    with db.read_scope() as session:
        assert mismatches(session) == []


@pytest.mark.parametrize("team_row", [True, False])
@pytest.mark.parametrize("change", ["delete", "edit"])
def test_one_entry_changed_twice_at_once_is_counted_off_once(
    db: Database, change: str, team_row: bool
) -> None:
    # A double click on Delete (or two edits of one entry): on PostgreSQL both requests read
    # the entry before either commits, and each used to take it off the tallies.
    if db.backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing meets")
    with db.session_scope() as session:
        if team_row:
            add_team(session)
        entry = store.log_connection(
            session,
            team_id="T1",
            user_id="U1",
            draft=Draft(principle=Principle.CARE, local_date=TODAY, note="once"),
            now=NOW,
            daily_goal=10,
            daily_cap=50,
        ).connection
        assert entry is not None
    results: list[ChangeResult] = []

    def apply(session: Session) -> None:
        if change == "delete":
            result = store.delete_connection(
                session, team_id="T1", user_id="U1", connection_id=entry.id
            )
        else:
            draft = Draft(principle=Principle.LAUGH, local_date=TODAY, note="edited")
            result = store.update_connection(
                session, team_id="T1", user_id="U1", connection_id=entry.id, draft=draft, now=NOW
            )
        results.append(result)

    _meet(db, apply, apply)
    expected = (
        [ChangeStatus.DONE] * 2
        if change == "edit"
        else [
            ChangeStatus.DONE,
            ChangeStatus.NOT_FOUND,
        ]
    )
    assert [result.status for result in results] == expected
    with db.read_scope() as session:
        assert mismatches(session) == []
