"""A member's personal stats, per-day team counts and the team's streak board."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from slackapp.domain.calendar import DEFAULT_WORK_DAYS
from slackapp.domain.progress import MemberStats
from slackapp.domain.streaks import Streaks
from slackapp.domain.team_settings import work_days_from_mask
from slackapp.domain.vocabulary import Platform, Principle
from slackapp.store.db import Database
from slackapp.store.stats import daily_counts, member_stats, team_member_streaks
from tests.support.factories import add_connection, add_connections, add_team

THURSDAY = date(2026, 11, 19)
MONDAY = date(2026, 11, 23)


def stats(
    session: Session,
    *,
    today: date = THURSDAY,
    user_id: str = "U1",
    daily_goal: int = 10,
    recent_limit: int = 10,
) -> MemberStats:
    return member_stats(
        session,
        team_id="T1",
        user_id=user_id,
        today=today,
        daily_goal=daily_goal,
        work_days=DEFAULT_WORK_DAYS,
        recent_limit=recent_limit,
    )


def _noise(session: Session, day: date) -> None:
    # Rows that must never be counted for T1/U1: another person, and U1 in another team.
    add_team(session, team_id="T2")
    add_connections(session, 7, team_id="T1", user_id="U2", local_date=day)
    add_connections(session, 9, team_id="T2", user_id="U1", local_date=day)


def test_today_week_and_totals(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        _noise(session, THURSDAY)
        add_connections(session, 5, principle=Principle.CARE, local_date=date(2026, 11, 15))
        add_connections(session, 2, principle=Principle.SOLVE, local_date=date(2026, 11, 16))
        add_connections(session, 1, principle=Principle.LAUGH, local_date=date(2026, 11, 18))
        add_connections(session, 1, principle=Principle.SOLVE, local_date=THURSDAY)
        add_connections(session, 1, principle=Principle.CARE, local_date=THURSDAY)

        result = stats(session)

    assert result.user_id == "U1"
    assert result.today == THURSDAY
    assert result.daily_goal == 10
    assert result.today_count == 2
    # Monday 16 to today; Sunday 15 belongs to the week before.
    assert dict(result.week_counts) == {
        Principle.SOLVE: 3,
        Principle.CARE: 1,
        Principle.LAUGH: 1,
        Principle.OPPORTUNITY: 0,
    }
    assert result.least_used is Principle.OPPORTUNITY
    assert result.total_all_time == 10


@pytest.mark.parametrize(
    ("week", "expected"),
    [
        pytest.param({}, Principle.SOLVE, id="nothing-yet"),
        pytest.param({Principle.SOLVE: 1}, Principle.CARE, id="zeros-tie"),
        pytest.param({Principle.SOLVE: 1, Principle.CARE: 1}, Principle.LAUGH, id="two-used"),
        pytest.param(dict.fromkeys(Principle, 1), Principle.SOLVE, id="all-equal"),
        pytest.param(
            {Principle.SOLVE: 2, Principle.CARE: 1, Principle.LAUGH: 1, Principle.OPPORTUNITY: 3},
            Principle.CARE,
            id="tie-above-zero",
        ),
        pytest.param(
            {Principle.SOLVE: 2, Principle.CARE: 2, Principle.LAUGH: 2, Principle.OPPORTUNITY: 1},
            Principle.OPPORTUNITY,
            id="last-in-order",
        ),
    ],
)
def test_least_used_breaks_ties_in_display_order(
    db: Database, week: dict[Principle, int], expected: Principle
) -> None:
    with db.session_scope() as session:
        add_team(session)
        for principle, count in week.items():
            add_connections(session, count, principle=principle, local_date=THURSDAY)
        # Lots of opportunity last week must not count toward this week.
        add_connections(session, 4, principle=Principle.OPPORTUNITY, local_date=date(2026, 11, 13))

        result = stats(session)

    assert result.least_used is expected


def test_last_7_days_are_zero_filled_oldest_first(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        _noise(session, date(2026, 11, 14))
        add_connections(session, 4, local_date=date(2026, 11, 12))  # eight days ago: left out
        add_connections(session, 2, local_date=date(2026, 11, 13))
        add_connections(session, 1, local_date=date(2026, 11, 15))
        add_connections(session, 3, local_date=THURSDAY)

        result = stats(session)

    assert result.last_7_days == (
        (date(2026, 11, 13), 2),
        (date(2026, 11, 14), 0),
        (date(2026, 11, 15), 1),
        (date(2026, 11, 16), 0),
        (date(2026, 11, 17), 0),
        (date(2026, 11, 18), 0),
        (THURSDAY, 3),
    )


def test_recent_is_newest_first_limited_and_fully_mapped(db: Database) -> None:
    moment = datetime(2026, 11, 19, 15, 0, tzinfo=UTC)
    with db.session_scope() as session:
        add_team(session)
        _noise(session, THURSDAY)
        oldest = add_connection(session, created_at=moment - timedelta(hours=3))
        newest = add_connection(
            session,
            principle=Principle.LAUGH,
            platform=Platform.LINKEDIN,
            who="Dana from the design group",
            note="Shared the meme about Monday standups",
            link="https://example.com/post/1",
            local_date=THURSDAY,
            created_at=moment,
        )
        # Two entries at the same instant: the later id is the more recent one.
        tied_first = add_connection(session, created_at=moment - timedelta(hours=1))
        tied_second = add_connection(session, created_at=moment - timedelta(hours=1))
        middle = add_connection(session, created_at=moment - timedelta(hours=2))
        ids = [newest.id, tied_second.id, tied_first.id, middle.id, oldest.id]

        limited = stats(session, recent_limit=3)
        everything = stats(session, recent_limit=50)
        nothing = stats(session, recent_limit=0)

    assert [entry.id for entry in limited.recent] == ids[:3]
    assert [entry.id for entry in everything.recent] == ids
    assert nothing.recent == ()
    top = everything.recent[0]
    assert top.principle is Principle.LAUGH
    assert top.platform is Platform.LINKEDIN
    assert top.who == "Dana from the design group"
    assert top.note == "Shared the meme about Monday standups"
    assert top.link == "https://example.com/post/1"
    assert top.local_date == THURSDAY
    assert everything.recent[1].platform is None


def test_recent_reads_an_unknown_platform_as_other(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        connection = add_connection(session)
        connection.platform = "friendster"
        session.flush()

        result = stats(session)

    assert result.recent[0].platform is Platform.OTHER


GOAL = 2


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        pytest.param(
            # Tue 17 active only; Wed 18 - Fri 20 and Mon 23 meet the goal; weekend empty.
            {17: 1, 18: 2, 19: 3, 20: 2, 23: 2},
            Streaks(goal_streak=4, active_streak=5, best_goal_streak=4, best_active_streak=5),
            id="through-the-weekend",
        ),
        pytest.param(
            {17: 1, 18: 2, 19: 3, 20: 2},
            Streaks(goal_streak=3, active_streak=4, best_goal_streak=3, best_active_streak=4),
            id="today-not-logged-yet",
        ),
        pytest.param(
            {18: 2, 19: 3, 23: 2},
            Streaks(goal_streak=1, active_streak=1, best_goal_streak=2, best_active_streak=2),
            id="friday-missed",
        ),
        pytest.param(
            {19: 2, 20: 2, 21: 2, 23: 2},
            Streaks(goal_streak=4, active_streak=4, best_goal_streak=4, best_active_streak=4),
            id="saturday-is-a-bonus",
        ),
        pytest.param(
            {},
            Streaks(goal_streak=0, active_streak=0, best_goal_streak=0, best_active_streak=0),
            id="nothing",
        ),
    ],
)
def test_streaks_run_through_a_weekend(
    db: Database, counts: dict[int, int], expected: Streaks
) -> None:
    with db.session_scope() as session:
        add_team(session)
        _noise(session, date(2026, 11, 16))
        for day_of_month, count in counts.items():
            add_connections(session, count, local_date=date(2026, 11, day_of_month))

        result = stats(session, today=MONDAY, daily_goal=GOAL)

    assert result.streaks == expected


def test_daily_counts_group_by_day_up_to_until(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        _noise(session, THURSDAY)
        add_connections(session, 2, principle=Principle.SOLVE, local_date=date(2026, 11, 17))
        add_connections(session, 1, principle=Principle.CARE, local_date=date(2026, 11, 17))
        add_connections(session, 1, local_date=THURSDAY)
        add_connections(session, 5, local_date=date(2026, 11, 20))

        result = daily_counts(session, team_id="T1", user_id="U1", until=THURSDAY)

    assert result == {date(2026, 11, 17): 3, THURSDAY: 1}


@pytest.fixture
def connection_selects(db: Database) -> Iterator[list[str]]:
    """The SELECT statements reading entries (or their maintained counts) while the test runs."""
    statements: list[str] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
    ) -> None:
        reads = any(name in statement for name in ("connections", "member_days"))
        if statement.lstrip().upper().startswith("SELECT") and reads:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield statements
    event.remove(db.engine, "before_cursor_execute", record)


def test_team_member_streaks_longest_first_in_one_query(
    db: Database, connection_selects: list[str]
) -> None:
    met = {
        "U1": [19, 20, 23],  # Thu, Fri, today: 3
        "U2": [20],  # Fri only: 1
        "U4": [18],  # Wed, then missed Thu and Fri: broken
        "U5": [20, 23],  # 2
        "U6": [20, 23],  # 2, tied with U5
    }
    with db.session_scope() as session:
        add_team(session)
        add_team(session, team_id="T2")
        for user_id, days in met.items():
            for day in days:
                add_connections(session, GOAL, user_id=user_id, local_date=date(2026, 11, day))
        # Active every day but never reaching the goal.
        for day in (19, 20, 23):
            add_connections(session, GOAL - 1, user_id="U3", local_date=date(2026, 11, day))
        # A longer streak in another team.
        for day in (17, 18, 19, 20, 23):
            add_connections(
                session, GOAL, team_id="T2", user_id="U9", local_date=date(2026, 11, day)
            )
    connection_selects.clear()

    with db.session_scope() as session:
        result = team_member_streaks(
            session, team_id="T1", today=MONDAY, daily_goal=GOAL, work_days=DEFAULT_WORK_DAYS
        )
        top_two = team_member_streaks(
            session,
            team_id="T1",
            today=MONDAY,
            daily_goal=GOAL,
            work_days=DEFAULT_WORK_DAYS,
            limit=2,
        )

    assert result == (("U1", 3), ("U5", 2), ("U6", 2), ("U2", 1))
    assert top_two == (("U1", 3), ("U5", 2))
    # The team's runs follow its own goal (10), not GOAL: each call reads the kept runs with
    # the settings they follow (one statement), sees they do not apply, and walks the days in
    # one more, however many members.
    assert len(connection_selects) == 4, connection_selects
    assert sum("goal_run" in statement for statement in connection_selects) == 2


@pytest.mark.parametrize("lookback_days", [7, 120])
def test_a_streak_longer_than_the_window_is_counted_in_full(
    db: Database, lookback_days: int
) -> None:
    with db.session_scope() as session:
        add_team(session)
        # Goal met on every work day of the four weeks up to and including today.
        day = MONDAY - timedelta(days=27)
        while day <= MONDAY:
            if day.weekday() < 5:
                add_connections(session, GOAL, local_date=day)
            day += timedelta(days=1)

        result = team_member_streaks(
            session,
            team_id="T1",
            today=MONDAY,
            daily_goal=GOAL,
            work_days=DEFAULT_WORK_DAYS,
            lookback_days=lookback_days,
        )

    assert result == (("U1", 20),)


def test_team_member_streaks_empty_team(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        assert (
            team_member_streaks(
                session, team_id="T1", today=MONDAY, daily_goal=GOAL, work_days=DEFAULT_WORK_DAYS
            )
            == ()
        )


def test_the_look_back_widens_only_for_the_streaks_that_fill_it(
    db: Database, connection_selects: list[str]
) -> None:
    # U1 met the goal on every work day for 60 weeks (past three widenings of the first
    # window); U2 did too, but missed one work day three weeks ago; U3 met it years ago only.
    first = MONDAY - timedelta(weeks=60)
    missed = MONDAY - timedelta(days=21)
    assert missed.weekday() == 0
    with db.session_scope() as session:
        add_team(session)
        day = first
        while day <= MONDAY:
            if day.weekday() < 5:
                add_connections(session, 1, user_id="U1", local_date=day)
                if day != missed:
                    add_connections(session, 1, user_id="U2", local_date=day)
            day += timedelta(days=1)
        add_connections(session, 1, user_id="U3", local_date=first - timedelta(days=400))
    connection_selects.clear()

    with db.session_scope() as session:
        result = team_member_streaks(
            session, team_id="T1", today=MONDAY, daily_goal=1, work_days=DEFAULT_WORK_DAYS
        )

    assert result == (("U1", 60 * 5 + 1), ("U2", 4 + 5 + 5 + 1))
    # The kept runs first (they follow the team's goal of 10, not 1), then the walk: the first
    # window for everyone, then three longer ones (56, 224, 896 days) for U1 alone, the last of
    # which reaches past the start of the streak.
    assert len(connection_selects) == 5
    assert "goal_run" in connection_selects[0]


def test_when_nobody_met_the_goal_lately_the_kept_runs_answer_alone(
    db: Database, connection_selects: list[str]
) -> None:
    # The team's own goal (10) and work days: its kept runs apply. Below the goal every day,
    # the one statement brings the settings back with no days, and nothing is walked.
    with db.session_scope() as session:
        add_team(session)
        for day in (19, 20, 23):
            add_connections(session, 9, user_id="U1", local_date=date(2026, 11, day))
    connection_selects.clear()
    with db.session_scope() as session:
        found = team_member_streaks(
            session, team_id="T1", today=MONDAY, daily_goal=10, work_days=DEFAULT_WORK_DAYS
        )
    assert found == ()
    assert len(connection_selects) == 1 and "goal_run" in connection_selects[0]


def test_a_streak_on_one_work_day_a_week_carries_over_the_six_days_off(
    db: Database, connection_selects: list[str]
) -> None:
    # Mondays only: the latest goal day is a week before today, with no work day between, so
    # the streak goes on. The kept days read must reach back that far, and no further is needed.
    mondays = work_days_from_mask(1)
    with db.session_scope() as session:
        add_team(session, work_days_mask=1)
        for monday in (MONDAY - timedelta(days=14), MONDAY - timedelta(days=7), MONDAY):
            add_connections(session, 10, user_id="U1", local_date=monday)
        # Met on a Monday a fortnight ago only: a work day went by since.
        add_connections(session, 10, user_id="U2", local_date=MONDAY - timedelta(days=7))
    next_monday = MONDAY + timedelta(days=7)
    connection_selects.clear()
    with db.session_scope() as session:
        found = team_member_streaks(
            session, team_id="T1", today=next_monday, daily_goal=10, work_days=mondays
        )
        progress = member_stats(
            session,
            team_id="T1",
            user_id="U1",
            today=next_monday,
            daily_goal=10,
            work_days=mondays,
            recent_limit=0,
        )
    assert found == (("U1", 3),)
    assert (progress.streaks.goal_streak, progress.streaks.best_goal_streak) == (3, 3)
    # From the kept runs, nothing walked: the team's days, then the member's.
    days = [statement for statement in connection_selects if "member_days" in statement]
    assert len(days) == 2 and all("goal_run" in statement for statement in days), days


def test_stats_without_recent_entries_read_no_entries(
    db: Database, connection_selects: list[str]
) -> None:
    # /mystats shows no recent entries: its progress comes from the kept days alone, with no
    # round trip to read zero entries.
    with db.session_scope() as session:
        add_team(session)
        add_connections(session, 3, local_date=THURSDAY)
    connection_selects.clear()
    with db.read_scope() as session:
        progress = stats(session, recent_limit=0)
    assert (progress.today_count, progress.total_all_time, progress.recent) == (3, 3, ())
    assert connection_selects and not any("connections" in sql for sql in connection_selects)
