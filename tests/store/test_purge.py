"""Purging a workspace: every team-scoped table emptied for it, every other team untouched.

The rule these tests hold the schema to: **every table with a `team_id` column is purged**:
each one in our models (slackapp/store/models.py, checked by introspecting the metadata, so a
table added later fails here until this test seeds it), and any other table in the database
with that column too, such as slack_sdk's OAuth installation tables: their tokens should
already be gone after an uninstall, and a leftover installation row (bot and installer ids,
scopes, workspace name) is the workspace's data like any other.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import Table, func, select, update

from slackapp.domain.vocabulary import Platform, Principle
from slackapp.scheduling.retention import purge_expired_teams
from slackapp.slack.installations import installation_store
from slackapp.store.db import Database
from slackapp.store.events import claim_event
from slackapp.store.followups import add_follow_up
from slackapp.store.models import Base, Delivery, Person, Team, TeamRevision
from slackapp.store.people import merge_people, resolve_person
from slackapp.store.purge import count_team_rows, purge_team
from slackapp.store.tallies import mismatches
from slackapp.store.teams import deactivate_team, mark_uninstalled, reactivate_team
from tests.support.factories import add_connection, add_member, add_team, name_person

UNINSTALLED = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
RETENTION_DAYS = 30

#: Tables this test seeds; a new team-scoped table must be added here (and seeded below).
SEEDED = {
    "teams",
    "members",
    "connections",
    "people",
    "member_totals",
    "member_days",
    "member_months",
    "processed_events",
    "deliveries",
    "followups",
    # Given its row by the first write of the seed (store.revisions).
    "team_revisions",
}


def seed(db: Database, team_id: str, *, entries: int = 3) -> None:
    """A little of everything for one team, in every team-scoped table of our models."""
    with db.session_scope() as session:
        add_team(session, team_id=team_id)
        add_member(session, team_id=team_id, user_id="U1", display_name="Ana")
        add_member(session, team_id=team_id, user_id="U2", display_name="Ben")
        for n in range(entries):
            row = add_connection(
                session,
                team_id=team_id,
                user_id="U1" if n % 2 else "U2",
                principle=Principle.CARE,
                platform=Platform.TWITTER,
                who=f"@jane{n % 2}",
                note=f"note {n}",
                local_date=date(2026, 10, 1) + timedelta(days=n),
            )
            name_person(
                session,
                row,
                resolve_person(
                    session,
                    team_id=team_id,
                    who=row.who,
                    platform=Platform.TWITTER,
                    now=UNINSTALLED,
                ),
            )
        # A follow-up on the last entry.
        add_follow_up(
            session,
            team_id=team_id,
            user_id=row.user_id,
            connection_id=row.id,
            due=row.local_date + timedelta(days=3),
            now=UNINSTALLED,
        )
        people = list(session.scalars(select(Person.id).where(Person.team_id == team_id)))
        if len(people) == 2:
            # A merge points one person at another: the purge must cope with the reference.
            merge_people(session, team_id=team_id, source_id=people[1], target_id=people[0])
        claim_event(session, event_id=f"Ev{team_id}", team_id=team_id, now=UNINSTALLED)
        session.add(
            Delivery(
                team_id=team_id,
                kind="nudge",
                target="C1",
                local_date=date(2026, 10, 1),
                due_at=UNINSTALLED,
                status="sent",
            )
        )


def team_scoped_model_tables() -> list[Table]:
    return [table for table in Base.metadata.sorted_tables if "team_id" in table.c]


def counts(db: Database, team_id: str, *, revision: bool = False) -> dict[str, int]:
    """The team's rows in each team-scoped table; its revision's parts (bookkeeping that any
    write adds to, and that a purge does not report) only when asked for."""
    with db.session_scope() as session:
        return {
            table.name: session.scalar(
                select(func.count()).select_from(table).where(table.c.team_id == team_id)
            )
            or 0
            for table in team_scoped_model_tables()
            if revision or table.name != TeamRevision.__tablename__
        }


def uninstall(db: Database, team_id: str, *, at: datetime = UNINSTALLED) -> None:
    with db.session_scope() as session:
        deactivate_team(session, team_id=team_id, reason="app_uninstalled")
        mark_uninstalled(session, team_id=team_id, at=at)


def test_every_team_scoped_table_of_the_models_is_emptied_for_that_team_only(db: Database) -> None:
    names = {table.name for table in team_scoped_model_tables()}
    assert names == SEEDED, (
        f"team-scoped tables changed: seed {sorted(names - SEEDED)} in this test "
        "(the purge deletes them already; the test must prove it)"
    )
    seed(db, "T1")
    seed(db, "T2")
    before = counts(db, "T2", revision=True)
    assert all(counts(db, "T1", revision=True).values()) and all(before.values()), (
        "every table must be seeded"
    )

    result = purge_team(db, team_id="T1", batch=2)

    assert counts(db, "T1", revision=True) == dict.fromkeys(names, 0)
    assert counts(db, "T2", revision=True) == before
    assert result.total == sum(counts(db, "T2").values()) and not result.stopped
    with db.session_scope() as session:
        assert mismatches(session) == []
        assert count_team_rows(session, team_id="T1") == {}


def test_tables_outside_our_models_are_purged_too_such_as_slack_sdk_installations(
    db: Database,
) -> None:
    # Migration 0010 made slack_sdk's tables; the purge finds them by their team_id column.
    store = installation_store(client_id="111.222", engine=db.engine)
    for team_id in ("T1", "T2"):
        store.save(
            Installation(
                app_id="A1",
                team_id=team_id,
                user_id="UADMIN",
                bot_token=None,  # deleted on uninstall; the row itself is still there
                bot_id="B1",
                bot_user_id="UBOT",
                bot_scopes=["commands"],
            )
        )
    seed(db, "T1")
    result = purge_team(db, team_id="T1")
    assert "slack_installations" in result.deleted and "slack_bots" in result.deleted
    assert store.find_installation(enterprise_id=None, team_id="T1") is None
    assert store.find_installation(enterprise_id=None, team_id="T2") is not None


def test_the_scheduler_purges_only_after_the_retention_period(db: Database) -> None:
    seed(db, "T1")
    seed(db, "T2")
    uninstall(db, "T1")
    day_before = UNINSTALLED + timedelta(days=RETENTION_DAYS) - timedelta(minutes=1)
    assert purge_expired_teams(db=db, at=day_before, retention_days=RETENTION_DAYS) == []
    assert all(counts(db, "T1").values())

    after = UNINSTALLED + timedelta(days=RETENTION_DAYS, minutes=1)
    before_purge = counts(db, "T1")
    (result,) = purge_expired_teams(db=db, at=after, retention_days=RETENTION_DAYS)
    assert result.team_id == "T1" and not result.stopped
    # All of it, the team's own row included, reported as done (not as a reinstall).
    assert result.total == sum(before_purge.values()) and result.deleted["teams"] == 1
    assert not any(counts(db, "T1").values())
    assert all(counts(db, "T2").values())
    # Run again (another process, the next hour): nothing left, nothing to do.
    assert purge_expired_teams(db=db, at=after, retention_days=RETENTION_DAYS) == []


def test_a_reinstall_within_the_period_keeps_everything_and_clears_the_pending_purge(
    db: Database,
) -> None:
    seed(db, "T1")
    before = counts(db, "T1")
    uninstall(db, "T1")
    with db.session_scope() as session:
        assert reactivate_team(session, team_id="T1")
        team = session.get(Team, "T1")
        assert team is not None and team.uninstalled_at is None and team.is_active
    long_after = UNINSTALLED + timedelta(days=RETENTION_DAYS * 3)
    assert purge_expired_teams(db=db, at=long_after, retention_days=RETENTION_DAYS) == []
    assert counts(db, "T1") == before


def test_a_second_uninstall_keeps_the_first_date(db: Database) -> None:
    seed(db, "T1")
    uninstall(db, "T1")
    with db.session_scope() as session:
        assert not mark_uninstalled(session, team_id="T1", at=UNINSTALLED + timedelta(days=20))
        team = session.get(Team, "T1")
        assert team is not None and team.uninstalled_at == UNINSTALLED


def test_a_reinstall_during_a_purge_stops_it_at_the_next_batch(db: Database) -> None:
    seed(db, "T1", entries=6)
    uninstall(db, "T1")
    before = sum(counts(db, "T1").values())
    cutoff = UNINSTALLED + timedelta(days=1)
    batches: list[tuple[str, int]] = []

    def reinstall_after_first(table: str, count: int) -> None:
        batches.append((table, count))
        if len(batches) == 1:
            with db.session_scope() as session:
                reactivate_team(session, team_id="T1")

    result = purge_team(
        db, team_id="T1", uninstalled_before=cutoff, batch=2, on_batch=reinstall_after_first
    )
    assert result.stopped and len(batches) == 1
    left = counts(db, "T1")
    assert left["teams"] == 1 and left["members"] == 2
    assert sum(left.values()) == before - batches[0][1]
    with db.session_scope() as session:
        team = session.get(Team, "T1")
        assert team is not None and team.is_active and team.uninstalled_at is None


@pytest.mark.parametrize("processes", [3])
def test_several_processes_purging_at_once_delete_everything_once(
    db: Database, processes: int
) -> None:
    for team_id in ("T1", "T2", "T3"):
        seed(db, team_id, entries=9)
    seed(db, "TKEEP", entries=9)
    kept = counts(db, "TKEEP")
    for team_id in ("T1", "T2", "T3"):
        uninstall(db, team_id)
    at = UNINSTALLED + timedelta(days=RETENTION_DAYS + 1)
    errors: list[BaseException] = []
    deleted: list[int] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            results = purge_expired_teams(db=db, at=at, retention_days=RETENTION_DAYS, batch=2)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
            return
        with lock:
            deleted.extend(result.total for result in results)

    threads = [threading.Thread(target=run) for _ in range(processes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    for team_id in ("T1", "T2", "T3"):
        assert not any(counts(db, team_id).values()), team_id
    assert counts(db, "TKEEP") == kept
    # Each row went once: the processes' counts add up to what the three teams held.
    assert sum(deleted) == 3 * sum(kept.values())
    with db.session_scope() as session:
        assert mismatches(session) == []


def test_a_write_to_the_team_while_it_is_purged_leaves_no_revision_behind(db: Database) -> None:
    # Every batch raises the team's revision (store.revisions), and so does any other write to
    # the team meanwhile: the revision goes with the team's row, in its transaction, so that
    # nothing gives it a row again once the team is gone.
    seed(db, "T1")

    def meanwhile(_table: str, _count: int) -> None:
        with db.session_scope() as session:
            session.execute(update(Team).where(Team.team_id == "T1").values(name="Still here"))

    purge_team(db, team_id="T1", batch=2, on_batch=meanwhile)

    assert counts(db, "T1", revision=True) == dict.fromkeys(counts(db, "T1", revision=True), 0)
