"""Team revisions: every write that may change what a team's Homes show raises its revision,
and only its own; writes to what no Home reads raise none; nothing rolled back raises any."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from slackapp.domain.entries import Draft
from slackapp.domain.vocabulary import Principle
from slackapp.store import connections as store
from slackapp.store import revisions as revisions_module
from slackapp.store.db import Database
from slackapp.store.events import claim_event
from slackapp.store.migrate import upgrade
from slackapp.store.models import Base, Connection, Delivery, Member, Team, TeamRevision
from slackapp.store.purge import purge_team
from slackapp.store.tallies import count_entry, take_member_turn
from tests.support.databases import patient_gates, waiting_for_a_lock
from tests.support.factories import add_connection, add_member, add_team

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
TODAY = date(2026, 11, 27)
TEAMS = ("T1", "T2", "T3")


def revisions(db: Database) -> dict[str, int]:
    """Each team's revision as the app reads it (the sum of its parts), for teams that have one."""
    with db.read_scope() as session:
        rows = session.execute(select(Team.team_id, Team.revision)).all()
    return {team_id: revision for team_id, revision in rows if revision is not None}


@pytest.fixture
def three(db: Database) -> dict[str, int]:
    """Three teams of one member each, with an entry each; their revisions after that."""
    with db.session_scope() as session:
        for team_id in TEAMS:
            add_team(session, team_id=team_id)
            add_member(session, team_id=team_id, user_id="U1")
            add_connection(session, team_id=team_id, user_id="U1")
    before = revisions(db)
    assert sorted(before) == list(TEAMS)
    return before


def log_as_the_app_does(session: Session, *, team_id: str, user_id: str) -> None:
    store.ensure_team(session, team_id=team_id, now=NOW, timezone="UTC", daily_goal=10)
    store.log_connection(
        session,
        team_id=team_id,
        user_id=user_id,
        draft=Draft(principle=Principle.CARE, local_date=TODAY, note=f"{user_id} thanked Sam"),
        now=NOW,
        daily_goal=10,
        daily_cap=50,
    )


def raised(db: Database, before: dict[str, int]) -> set[str]:
    after = revisions(db)
    assert all(after[team] >= before[team] for team in before)
    return {team for team in after if after[team] != before.get(team)}


def test_a_write_raises_the_revision_of_its_own_team_only(
    db: Database, three: dict[str, int]
) -> None:
    with db.session_scope() as session:
        add_connection(session, team_id="T2", user_id="U1")
    assert raised(db, three) == {"T2"}
    # Once per unit of work, however many rows it wrote.
    assert revisions(db)["T2"] == three["T2"] + 1


def test_a_logged_entry_raises_its_team_as_the_app_logs_it(
    db: Database, three: dict[str, int]
) -> None:
    with db.session_scope() as session:
        log_as_the_app_does(session, team_id="T3", user_id="U1")
    assert raised(db, three) == {"T3"}


def test_writes_to_what_no_home_reads_raise_nothing(db: Database, three: dict[str, int]) -> None:
    with db.session_scope() as session:
        claim_event(session, event_id="Ev1", team_id="T1", now=NOW)
        session.add(
            Delivery(
                team_id="T1",
                kind="nudge",
                target="C1",
                local_date=TODAY,
                due_at=NOW,
                status="sent",
            )
        )
    assert raised(db, three) == set()


def test_a_unit_of_work_that_reads_only_raises_nothing(db: Database, three: dict[str, int]) -> None:
    with db.session_scope() as session:
        session.scalars(select(Connection)).all()
    assert raised(db, three) == set()


def test_an_update_by_primary_key_counts_for_the_team_its_unit_of_work_is_for(
    db: Database, three: dict[str, int]
) -> None:
    with db.read_scope() as session:
        entry = session.scalars(select(Connection.id).where(Connection.team_id == "T1")).one()
    with db.session_scope() as session:
        store.ensure_team(session, team_id="T1", now=NOW, timezone="UTC", daily_goal=10)
        session.execute(update(Connection).where(Connection.id == entry).values(note="edited"))
    assert raised(db, three) == {"T1"}


@pytest.mark.every_team
def test_an_update_naming_no_team_in_a_unit_of_work_for_none_raises_every_team(
    db: Database, three: dict[str, int]
) -> None:
    with db.session_scope() as session:
        session.execute(update(Connection).where(Connection.id > 0).values(note="everyone"))
    assert raised(db, three) == set(TEAMS)
    assert revisions_module.every_team_raises() > 0


def test_an_object_written_raises_its_own_team_whatever_the_unit_of_work_is_for(
    db: Database, three: dict[str, int]
) -> None:
    with db.session_scope() as session:
        store.ensure_team(session, team_id="T1", now=NOW, timezone="UTC", daily_goal=10)
        member = session.get(Member, ("T2", "U1"))
        assert member is not None
        member.display_name = "Ana"  # updated by its primary key: no team in the statement
    assert "T2" in raised(db, three)


def test_a_write_to_a_list_of_teams_raises_each_of_them(
    db: Database, three: dict[str, int]
) -> None:
    with db.session_scope() as session:
        session.execute(
            update(Member).where(Member.team_id.in_(["T1", "T3"])).values(display_name="Ana")
        )
    assert raised(db, three) == {"T1", "T3"}


def test_a_rolled_back_unit_of_work_raises_nothing_and_leaves_nothing_behind(
    db: Database, three: dict[str, int]
) -> None:
    with pytest.raises(RuntimeError), db.session_scope() as session:
        add_connection(session, team_id="T1", user_id="U1")
        raise RuntimeError("the member's request failed")
    assert raised(db, three) == set()
    # The next unit of work on the same pooled connection writes for T2 only.
    with db.session_scope() as session:
        add_connection(session, team_id="T2", user_id="U1")
    assert raised(db, three) == {"T2"}


def test_a_team_written_for_before_its_row_exists_gets_its_revision_once_it_does(
    db: Database,
) -> None:
    with db.session_scope() as session:
        claim_event(session, event_id="Ev1", team_id="T9", now=NOW)
        add_member(session, team_id="T9", user_id="U1")  # a member row before the team's
    assert "T9" not in revisions(db)  # no Home is kept for a team without a revision
    with db.session_scope() as session:
        store.ensure_team(session, team_id="T9", now=NOW, timezone="UTC", daily_goal=10)
    assert revisions(db)["T9"] == 1


def test_entries_of_one_team_saved_at_once_all_count_and_never_wait_on_each_other(
    db: Database, three: dict[str, int]
) -> None:
    # On PostgreSQL every entry holds its team's row shared while it is saved: a revision kept
    # on that row would make two entries deadlock when each raised it.
    writers = 8
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def log(user_id: str) -> None:
        try:
            start.wait(10)
            with db.session_scope() as session:
                log_as_the_app_does(session, team_id="T1", user_id=user_id)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=log, args=(f"U{n}",)) for n in range(writers)]
    with patient_gates(db):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert failures == []
    assert revisions(db)["T1"] == three["T1"] + writers


def parts_of(db: Database, team_id: str) -> set[int]:
    with db.read_scope() as session:
        return set(
            session.scalars(select(TeamRevision.shard).where(TeamRevision.team_id == team_id))
        )


def test_a_revision_is_kept_in_parts_on_postgresql_and_rises_with_every_commit(
    db: Database, three: dict[str, int]
) -> None:
    # Each unit of work raises one part of its team's revision, at random on PostgreSQL, so
    # that entries of one team committing at once seldom lock the same row; the revision read
    # is the sum. An entry raises its part first (the first half of the parts), before the
    # rows other entries wait for; other writes at the commit (the second half), so that one
    # waiting for a part never holds a row its holder waits for. SQLite writes one transaction
    # at a time: one part.
    writes = 40
    fixtures = parts_of(db, "T1")  # raised at the commit
    for n in range(writes):
        with db.session_scope() as session:
            log_as_the_app_does(session, team_id="T1", user_id=f"U{n}")
            before = revisions(db)["T1"]
        assert revisions(db)["T1"] == before + 1  # the commit, not the raise, shows it
        with db.session_scope() as session:
            add_connection(session, team_id="T2", user_id=f"U{n}")
    assert revisions(db) == {**three, "T1": three["T1"] + writes, "T2": three["T2"] + writes}
    half = revisions_module.SHARDS // 2
    if db.backend == "postgresql":
        # 40 picks of 16 parts all landing on one: a chance of 1 in 16**39.
        first = parts_of(db, "T1") - fixtures
        assert len(first) > 1 and first <= set(range(half))
        later = parts_of(db, "T2")
        assert len(later) > 1 and later <= set(range(half, 2 * half))
    else:
        assert parts_of(db, "T1") == parts_of(db, "T2") == {0}


def test_an_entry_raising_first_raises_once_and_only_a_team_that_has_a_row(
    db: Database, three: dict[str, int]
) -> None:
    # A unit of work logging several entries (the sandbox's sample history) raises once: a
    # second part held for the rest of a long transaction could only be waited for.
    with db.session_scope() as session:
        for n in range(3):
            log_as_the_app_does(session, team_id="T1", user_id=f"U{n}")
    assert revisions(db)["T1"] == three["T1"] + 1
    # A team whose row is not there yet is raised at the commit, once it has one.
    with db.session_scope() as session:
        revisions_module.raise_first(session, "T9")
        add_team(session, team_id="T9")
        add_connection(session, team_id="T9", user_id="U1")
    assert revisions(db)["T9"] == 1


def test_an_entry_that_raised_first_and_a_purge_of_its_team_never_deadlock(
    db: Database, three: dict[str, int]
) -> None:
    if db.backend != "postgresql":
        pytest.skip("SQLite writes one transaction at a time: nothing waits on a row")
    # The entry takes its team's row shared with its part, so the purge, which takes the row
    # alone for each batch, waits for the entry before it starts; had the entry held its part
    # without the row, the purge would take the row, delete the team and then wait for the
    # part, while the entry waited for the row to take its turn.
    # Every part already there: raising one updates a row the purge then has to wait for.
    with db.session_scope() as session:
        session.execute(
            insert(TeamRevision),
            [
                {"team_id": "T1", "shard": shard, "revision": 1}
                for shard in range(revisions_module.SHARDS)
                if shard not in parts_of(db, "T1")
            ],
        )
    raised, go_on = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def entry() -> None:
        try:
            with db.session_scope() as session:
                revisions_module.raise_first(session, "T1")
                raised.set()
                go_on.wait(10)
                take_member_turn(session, team_id="T1", user_id="U1")
        except BaseException as error:
            failures.append(error)

    def purge() -> None:
        try:
            purge_team(db, team_id="T1", batch=2)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=entry), threading.Thread(target=purge)]
    threads[0].start()
    assert raised.wait(10)
    threads[1].start()
    deadline = time.monotonic() + 10
    while not waiting_for_a_lock(db):  # the purge is waiting (for the entry)
        assert time.monotonic() < deadline, "the purge never waited"
        time.sleep(0.02)
    go_on.set()
    for thread in threads:
        thread.join(30)
    assert failures == []
    assert "T1" not in revisions(db)
    assert parts_of(db, "T1") == set()


def test_the_migration_gives_every_existing_team_its_first_revision(database_url: str) -> None:
    database = Database(database_url)
    try:
        upgrade(database, revision="0018")
        with database.engine.begin() as connection:
            connection.execute(
                insert(Base.metadata.tables["teams"]),
                [{"team_id": team_id, "created_at": NOW} for team_id in ("T1", "T2")],
            )
        upgrade(database)
        assert revisions(database) == {"T1": 1, "T2": 1}
    finally:
        database.dispose()


def test_a_tally_counted_on_its_own_raises_its_team(db: Database, three: dict[str, int]) -> None:
    # On PostgreSQL the three tallies are one SELECT over data-modifying CTEs.
    with db.session_scope() as session:
        count_entry(
            session, team_id="T2", user_id="U1", local_date=TODAY, principle="care", delta=1
        )
    assert raised(db, three) == {"T2"}


def test_a_write_in_sql_as_written_counts_for_the_team_its_unit_of_work_is_for(
    db: Database, three: dict[str, int]
) -> None:
    with db.session_scope() as session:
        store.ensure_team(session, team_id="T3", now=NOW, timezone="UTC", daily_goal=10)
        session.execute(
            text("UPDATE members SET display_name = :name WHERE team_id = :team"),
            {"name": "Ana", "team": "T3"},
        )
    assert raised(db, three) == {"T3"}
    with db.session_scope() as session:
        store.ensure_team(session, team_id="T1", now=NOW, timezone="UTC", daily_goal=10)
        session.connection().exec_driver_sql(
            "UPDATE members SET display_name = 'Ben' WHERE team_id = 'T1'"
        )
    assert raised(db, three) == {"T1", "T3"}
