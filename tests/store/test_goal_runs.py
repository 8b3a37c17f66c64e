"""Goal runs kept with the entries (member_days.goal_run): what goal streaks read."""

from __future__ import annotations

import random
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from slackapp.domain.entries import Draft
from slackapp.domain.streaks import compute_streaks, current_streak
from slackapp.domain.team_settings import SettingsUpdate, validate_settings, work_days_from_mask
from slackapp.domain.vocabulary import PRINCIPLE_ORDER
from slackapp.store import connections as store
from slackapp.store.db import Database
from slackapp.store.models import Connection, MemberDay, Team
from slackapp.store.rights import forget_member
from slackapp.store.stats import daily_counts, member_stats, team_member_streaks
from slackapp.store.tallies import mismatches, rebuild
from slackapp.store.team_settings import save_settings
from tests.domain.test_team_settings import VALID
from tests.support.factories import add_connections, add_team

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)  # a Friday
MEMBERS = ("U1", "U2", "U3")


def _expected(session: Session, *, team_id: str, today: date) -> tuple[tuple[str, int], ...]:
    """The team's streaks worked out member by member from their days, as the rules say."""
    team = session.get(Team, team_id)
    assert team is not None
    goal, work_days = team.daily_goal, work_days_from_mask(team.work_days_mask)
    found = []
    for user_id in MEMBERS:
        days = daily_counts(session, team_id=team_id, user_id=user_id)
        met = [day for day, n in days.items() if n >= goal]
        streak = current_streak(met, today=today, work_days=work_days)
        if streak:
            found.append((user_id, streak))
    return tuple(sorted(found, key=lambda item: (-item[1], item[0])))


def _board(session: Session, *, team_id: str, today: date) -> tuple[tuple[str, int], ...]:
    team = session.get(Team, team_id)
    assert team is not None
    return team_member_streaks(
        session,
        team_id=team_id,
        today=today,
        daily_goal=team.daily_goal,
        work_days=work_days_from_mask(team.work_days_mask),
        limit=len(MEMBERS),
    )


def _progress(session: Session, *, user_id: str, today: date) -> tuple[object, ...]:
    team = session.get(Team, "T1")
    assert team is not None
    stats = member_stats(
        session,
        team_id="T1",
        user_id=user_id,
        today=today,
        daily_goal=team.daily_goal,
        work_days=work_days_from_mask(team.work_days_mask),
    )
    return stats.streaks, stats.today_count, stats.last_7_days, stats.total_all_time


def _expected_progress(session: Session, *, user_id: str, today: date) -> tuple[object, ...]:
    """The same figures from every day the member logged, by the rules in slackapp.domain."""
    team = session.get(Team, "T1")
    assert team is not None
    every_day = daily_counts(session, team_id="T1", user_id=user_id)
    up_to_today = {day: n for day, n in every_day.items() if day <= today}
    streaks = compute_streaks(
        up_to_today,
        today=today,
        daily_goal=team.daily_goal,
        work_days=work_days_from_mask(team.work_days_mask),
    )
    week = tuple(
        (day, up_to_today.get(day, 0))
        for day in (today - timedelta(days=back) for back in range(6, -1, -1))
    )
    return streaks, up_to_today.get(today, 0), week, sum(every_day.values())


def _settings(goal: int, work_days: tuple[str, ...]) -> SettingsUpdate:
    update_ = validate_settings(replace(VALID, daily_goal=str(goal), work_days=work_days))
    assert isinstance(update_, SettingsUpdate)
    return update_


@pytest.mark.parametrize("seed", [31, 32, 33, 34])
def test_goal_runs_follow_every_entry_and_every_settings_change(db: Database, seed: int) -> None:
    rng = random.Random(seed)
    with db.session_scope() as session:
        add_team(session, daily_goal=2)
    actions = ["log"] * 8 + ["delete", "update", "redate", "settings", "edit team", "forget"]
    kept_steps = 0
    for step in range(150):
        action = rng.choice(actions)
        user = rng.choice(MEMBERS)
        with db.session_scope() as session:
            ids = list(session.scalars(select(Connection.id)))
            team = session.get(Team, "T1")
            assert team is not None
            if action == "settings":
                work_days = rng.choice([("0", "1", "2", "3", "4"), ("0", "2", "4"), ("5", "6")])
                save_settings(
                    session,
                    team_id="T1",
                    update=_settings(rng.choice([1, 2, 3]), work_days),
                    user_id="UADMIN",
                    now=NOW,
                )
            elif action == "edit team":
                # A change made around save_settings: the readers must notice, and the next
                # entry must put the runs right.
                team.daily_goal = rng.choice([1, 2, 3])
            elif action == "forget":
                forget_member(session, team_id="T1", user_id=user)
            elif action == "log" or not ids:
                store.log_connection(
                    session,
                    team_id="T1",
                    user_id=user,
                    draft=Draft(
                        principle=rng.choice(PRINCIPLE_ORDER),
                        local_date=TODAY - timedelta(days=rng.randrange(21)),
                        note=f"step {step}",
                    ),
                    now=NOW,
                    daily_goal=2,
                    daily_cap=50,
                )
            else:
                row = session.get(Connection, rng.choice(ids))
                assert row is not None
                back = TODAY - timedelta(days=rng.randrange(21))
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
                        draft=Draft(principle=PRINCIPLE_ORDER[0], local_date=back, note="e"),
                        now=NOW,
                    )
                else:
                    store.redate(session, connection_id=row.id, day=back)
        with db.read_scope() as session:
            assert mismatches(session) == [], f"after step {step}: {action}"
            team = session.get(Team, "T1")
            assert team is not None
            kept_steps += (team.streak_goal, team.streak_days_mask) == (
                team.daily_goal,
                team.work_days_mask,
            )
            for today in (TODAY, TODAY - timedelta(days=3), TODAY + timedelta(days=4)):
                assert _board(session, team_id="T1", today=today) == _expected(
                    session, team_id="T1", today=today
                ), f"after step {step}: {action}, as of {today}"
                for user_id in MEMBERS:
                    assert _progress(session, user_id=user_id, today=today) == (
                        _expected_progress(session, user_id=user_id, today=today)
                    ), f"after step {step}: {action}, {user_id} as of {today}"
    # Most boards were read from the kept runs, not from the fallback walk.
    assert kept_steps > 100


def test_runs_left_behind_by_an_upgrade_are_read_around_then_worked_out(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session, daily_goal=1)
        for back in range(6):
            add_connections(session, 1, local_date=TODAY - timedelta(days=back))
        # As the migration leaves a team: no runs, and nothing saying which settings they follow.
        session.execute(update(MemberDay).values(goal_run=0))
        session.execute(update(Team).values(streak_goal=None, streak_days_mask=None))
    with db.read_scope() as session:
        assert mismatches(session) == []  # nothing claimed, nothing to disagree with
        assert _board(session, team_id="T1", today=TODAY) == (("U1", 6),)
    with db.session_scope() as session:
        add_connections(session, 1, user_id="U2", local_date=TODAY)
    with db.read_scope() as session:
        team = session.get(Team, "T1")
        assert team is not None and (team.streak_goal, team.streak_days_mask) == (1, 31)
        rows = session.execute(
            select(MemberDay.local_date, MemberDay.goal_run).where(MemberDay.user_id == "U1")
        )
        runs = {day: run for day, run in rows}
        assert runs[TODAY] == 6
        assert mismatches(session) == []


def test_a_wrong_run_is_reported_and_rebuilt(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session, daily_goal=1)
        for back in range(3):
            add_connections(session, 1, local_date=TODAY - timedelta(days=back))
        session.execute(update(MemberDay).where(MemberDay.local_date == TODAY).values(goal_run=9))
    with db.read_scope() as session:
        assert [line.split(" differ")[0] for line in mismatches(session)] == ["goal runs of T1"]
    with db.session_scope() as session:
        rebuild(session)
    with db.read_scope() as session:
        assert mismatches(session) == []
        assert _board(session, team_id="T1", today=TODAY) == (("U1", 3),)


def test_the_migration_works_out_every_teams_runs(database_url: str) -> None:
    from slackapp.store.migrate import upgrade

    database = Database(database_url)
    try:
        # Before the tallies: every count below comes from the migrations.
        upgrade(database, revision="0003")
        teams = sa.table(
            "teams",
            sa.column("team_id"),
            sa.column("timezone"),
            sa.column("work_days_mask"),
            sa.column("daily_goal"),
            sa.column("is_active"),
            sa.column("created_at"),
            sa.column("nudge_mode"),
            sa.column("nudge_time"),
            sa.column("digest_mode"),
            sa.column("digest_time"),
            sa.column("digest_weekday"),
        )
        entries = sa.table(
            "connections",
            sa.column("team_id"),
            sa.column("user_id"),
            sa.column("principle"),
            sa.column("note"),
            sa.column("local_date", sa.Date),
            sa.column("created_at"),
            sa.column("source"),
        )
        with database.engine.begin() as connection:
            connection.execute(
                sa.insert(teams),
                [
                    {
                        "team_id": team_id,
                        "timezone": "UTC",
                        "work_days_mask": 31,
                        "daily_goal": goal,
                        "is_active": True,
                        "created_at": NOW,
                        "nudge_mode": "off",
                        "nudge_time": "09:00",
                        "digest_mode": "off",
                        "digest_time": "16:00",
                        "digest_weekday": 4,
                    }
                    for team_id, goal in (("T1", 2), ("T2", 1))
                ],
            )
            connection.execute(
                sa.insert(entries),
                [
                    {
                        "team_id": f"T{1 + n % 2}",
                        "user_id": f"U{n % 3}",
                        "principle": PRINCIPLE_ORDER[n % 4],
                        "note": "",
                        "local_date": TODAY - timedelta(days=n % 9),
                        "created_at": NOW,
                        "source": "command",
                    }
                    for n in range(120)
                ],
            )
        upgrade(database)
        with database.read_scope() as session:
            assert mismatches(session) == []
            bases = session.execute(select(Team.streak_goal, Team.streak_days_mask)).all()
            assert sorted(tuple(basis) for basis in bases) == [(1, 31), (2, 31)]
            assert (session.scalar(select(sa.func.max(MemberDay.goal_run))) or 0) > 1
    finally:
        database.dispose()


def test_entries_and_settings_saved_at_once_keep_the_runs_right(db: Database) -> None:
    # Writers side by side (PostgreSQL runs them so; SQLite takes turns): the same members on
    # the same days, crossing the goal back and forth, while an admin changes the goal.
    with db.session_scope() as session:
        add_team(session, daily_goal=2)
    failures: list[BaseException] = []

    def member(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for step in range(25):
                with db.session_scope() as session:
                    ids = list(
                        session.scalars(
                            select(Connection.id).where(Connection.user_id == f"U{seed % 2 + 1}")
                        )
                    )
                    if ids and rng.random() < 0.3:
                        store.delete_connection(
                            session,
                            team_id="T1",
                            user_id=f"U{seed % 2 + 1}",
                            connection_id=rng.choice(ids),
                        )
                        continue
                    store.log_connection(
                        session,
                        team_id="T1",
                        user_id=f"U{seed % 2 + 1}",
                        draft=Draft(
                            principle=PRINCIPLE_ORDER[step % 4],
                            local_date=TODAY - timedelta(days=rng.randrange(4)),
                            note=f"{seed}.{step}",
                        ),
                        now=NOW,
                        daily_goal=2,
                        daily_cap=50,
                    )
        except BaseException as error:  # reported below, not lost in a thread
            failures.append(error)

    def admin() -> None:
        try:
            for goal in (3, 1, 2, 3, 2):
                with db.session_scope() as session:
                    save_settings(
                        session,
                        team_id="T1",
                        update=_settings(goal, ("0", "1", "2", "3", "4")),
                        user_id="UADMIN",
                        now=NOW,
                    )
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=member, args=(seed,)) for seed in range(4)]
    threads.append(threading.Thread(target=admin))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    with db.read_scope() as session:
        assert mismatches(session) == []
        for today in (TODAY, TODAY - timedelta(days=2)):
            assert _board(session, team_id="T1", today=today) == _expected(
                session, team_id="T1", today=today
            )
