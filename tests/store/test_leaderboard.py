"""The team leaderboard: ranking, windows, filters, goals and isolation between teams."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from slackapp.domain.board import Leaderboard
from slackapp.domain.calendar import DEFAULT_WORK_DAYS, Period, Window, WorkDays, window_period
from slackapp.domain.vocabulary import Principle
from slackapp.store.db import Database
from slackapp.store.leaderboard import team_leaderboard
from tests.support.factories import add_connection, add_connections, add_member, add_team

# A Wednesday: its week, month, last 7 and last 30 days all start on different dates.
TODAY = date(2026, 11, 18)
GOAL = 10


def board(
    session: Session,
    *,
    window: Window = Window.WEEK,
    team_id: str = "T1",
    caller_id: str = "U1",
    principle: Principle | None = None,
    limit: int = 10,
    daily_goal: int = GOAL,
    work_days: WorkDays = DEFAULT_WORK_DAYS,
) -> Leaderboard:
    return team_leaderboard(
        session,
        team_id=team_id,
        period=window_period(window, today=TODAY),
        caller_id=caller_id,
        principle=principle,
        limit=limit,
        daily_goal=daily_goal,
        work_days=work_days,
    )


def ranking(result: Leaderboard) -> list[tuple[int, str, int]]:
    return [(row.rank, row.user_id, row.total) for row in result.rows]


def test_ties_share_a_rank_and_the_next_rank_skips(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        for user_id, count in [("U1", 5), ("U2", 3), ("U3", 5), ("U4", 1), ("U5", 3)]:
            add_member(session, user_id=user_id, display_name=f"name-{user_id}")
            add_connections(session, count, user_id=user_id, local_date=TODAY)

        result = board(session)

    assert ranking(result) == [
        (1, "U1", 5),
        (1, "U3", 5),
        (3, "U2", 3),
        (3, "U5", 3),
        (5, "U4", 1),
    ]


def test_ties_are_ordered_by_display_name_then_user_id(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        names = {"U1": "bea", "U2": "Ann", "U3": None, "U4": "ann", "U5": None, "U6": "Cy"}
        for user_id, name in names.items():
            add_member(session, user_id=user_id, display_name=name)
            add_connections(session, 2, user_id=user_id, local_date=TODAY)

        result = board(session)

    # Case does not matter, equal names fall back to user_id, and unnamed people come last.
    assert [row.user_id for row in result.rows] == ["U2", "U4", "U1", "U6", "U3", "U5"]
    assert {row.rank for row in result.rows} == {1}
    assert [row.display_name for row in result.rows] == ["Ann", "ann", "bea", "Cy", None, None]


def test_rows_carry_all_four_counts(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        add_member(session, user_id="U1")
        add_connections(session, 2, user_id="U1", principle=Principle.CARE, local_date=TODAY)
        add_connections(session, 1, user_id="U1", principle=Principle.LAUGH, local_date=TODAY)

        result = board(session)

    (row,) = result.rows
    assert dict(row.counts) == {
        Principle.SOLVE: 0,
        Principle.CARE: 2,
        Principle.LAUGH: 1,
        Principle.OPPORTUNITY: 0,
    }
    assert row.total == 3


def _twelve_people(session: Session) -> None:
    add_team(session)
    # U01 logs 12, U02 logs 11, ... U12 logs 1: a strict order with no ties.
    for index in range(1, 13):
        user_id = f"U{index:02d}"
        add_member(session, user_id=user_id)
        add_connections(session, 13 - index, user_id=user_id, local_date=TODAY)


def test_caller_below_the_top_ten_gets_their_own_row(db: Database) -> None:
    with db.session_scope() as session:
        _twelve_people(session)
        result = board(session, caller_id="U12")

    assert len(result.rows) == 10
    assert [row.user_id for row in result.rows][-1] == "U10"
    assert result.caller_row is not None
    assert (result.caller_row.rank, result.caller_row.user_id, result.caller_row.total) == (
        12,
        "U12",
        1,
    )


@pytest.mark.parametrize(
    "caller_id",
    [
        pytest.param("U01", id="shown-first"),
        pytest.param("U10", id="shown-last"),
        pytest.param("U99", id="no-entries"),
    ],
)
def test_caller_row_is_none_when_shown_or_unranked(db: Database, caller_id: str) -> None:
    with db.session_scope() as session:
        _twelve_people(session)
        add_member(session, user_id="U99")
        result = board(session, caller_id=caller_id)

    assert result.caller_row is None


def test_caller_tied_with_the_last_shown_row_keeps_the_shared_rank(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        for user_id, name, count in [("U1", "a", 4), ("U2", "b", 2), ("U3", "c", 2)]:
            add_member(session, user_id=user_id, display_name=name)
            add_connections(session, count, user_id=user_id, local_date=TODAY)

        result = board(session, caller_id="U3", limit=2)

    assert ranking(result) == [(1, "U1", 4), (2, "U2", 2)]
    assert result.caller_row is not None
    assert (result.caller_row.rank, result.caller_row.user_id) == (2, "U3")


def test_principle_filter_ranks_by_that_principle_only(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        for user_id in ("U1", "U2", "U3"):
            add_member(session, user_id=user_id)
        add_connections(session, 5, user_id="U1", principle=Principle.SOLVE, local_date=TODAY)
        add_connections(session, 1, user_id="U1", principle=Principle.CARE, local_date=TODAY)
        add_connections(session, 3, user_id="U2", principle=Principle.CARE, local_date=TODAY)
        add_connections(session, 2, user_id="U3", principle=Principle.LAUGH, local_date=TODAY)

        result = board(session, principle=Principle.CARE)

    assert result.principle is Principle.CARE
    # U1 leads overall but not on care; U3 logged no care at all, so is not ranked.
    assert ranking(result) == [(1, "U2", 3), (2, "U1", 1)]
    assert result.rows[1].counts[Principle.SOLVE] == 5
    # The team's progress still covers every principle.
    assert result.team_total == 11
    assert dict(result.team_counts) == {
        Principle.SOLVE: 5,
        Principle.CARE: 4,
        Principle.LAUGH: 2,
        Principle.OPPORTUNITY: 0,
    }


# One connection on each of these dates; the windows below must pick exactly the right ones.
WINDOW_DAYS = [
    date(2026, 11, 19),  # tomorrow: never counted
    TODAY,
    date(2026, 11, 16),  # Monday: first day of the week
    date(2026, 11, 15),  # Sunday before
    date(2026, 11, 12),  # first of the last 7 days
    date(2026, 11, 11),
    date(2026, 11, 1),  # first of the month
    date(2026, 10, 31),
    date(2026, 10, 20),  # first of the last 30 days
    date(2026, 10, 19),
]


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (Window.TODAY, 1),
        (Window.WEEK, 2),
        (Window.MONTH, 6),
        (Window.LAST_7_DAYS, 4),
        (Window.LAST_30_DAYS, 8),
        (Window.ALL, 9),
    ],
)
def test_windows_count_exactly_their_days(db: Database, window: Window, expected: int) -> None:
    with db.session_scope() as session:
        add_team(session)
        add_member(session, user_id="U1")
        for day in WINDOW_DAYS:
            add_connection(session, user_id="U1", local_date=day)

        result = board(session, window=window)

    assert ranking(result) == [(1, "U1", expected)]
    assert result.team_total == expected
    assert result.period.window is window


def test_members_with_nothing_in_the_window_are_not_ranked(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        for user_id in ("U1", "U2", "U3"):
            add_member(session, user_id=user_id)
        add_connection(session, user_id="U1", local_date=TODAY)
        add_connection(session, user_id="U2", local_date=date(2026, 11, 13))  # last week

        result = board(session, window=Window.WEEK, caller_id="U2")

    assert [row.user_id for row in result.rows] == ["U1"]
    assert result.caller_row is None
    assert result.members == 3


def test_empty_board(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        add_member(session, user_id="U1")
        result = board(session, window=Window.ALL)

    assert result.rows == ()
    assert result.caller_row is None
    assert result.team_total == 0
    assert dict(result.team_counts) == dict.fromkeys(Principle, 0)
    # Nothing logged yet means all time has no first day, so no goal either.
    assert result.team_goal == 0
    assert result.members == 1


@pytest.mark.parametrize(
    ("window", "work_days", "work_day_count"),
    [
        (Window.TODAY, DEFAULT_WORK_DAYS, 1),
        (Window.WEEK, DEFAULT_WORK_DAYS, 3),  # Mon-Wed
        (Window.WEEK, frozenset({0, 2, 4}), 2),  # Mon and Wed
        (Window.MONTH, DEFAULT_WORK_DAYS, 13),  # Nov 2-6, 9-13, 16-18
        (Window.MONTH, frozenset(range(7)), 18),
        (Window.LAST_7_DAYS, DEFAULT_WORK_DAYS, 5),  # Thu 12 - Wed 18
        (Window.LAST_30_DAYS, DEFAULT_WORK_DAYS, 22),  # Tue 20 Oct - Wed 18 Nov
        (Window.ALL, DEFAULT_WORK_DAYS, 8),  # from the first logged day, Mon 9 Nov
    ],
)
def test_team_goal_is_members_times_goal_times_work_days(
    db: Database, window: Window, work_days: WorkDays, work_day_count: int
) -> None:
    with db.session_scope() as session:
        add_team(session)
        for user_id in ("U1", "U2", "U3"):
            add_member(session, user_id=user_id)
        add_connection(session, user_id="U1", local_date=date(2026, 11, 9))
        add_connection(session, user_id="U2", local_date=TODAY)

        result = board(session, window=window, work_days=work_days, daily_goal=7)

    assert result.members == 3
    assert result.team_goal == 3 * 7 * work_day_count


def test_people_who_log_before_being_cached_still_count_as_members(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        add_member(session, user_id="U1")
        add_connection(session, user_id="U1", local_date=TODAY)
        add_connection(session, user_id="U2", local_date=TODAY)
        add_connection(session, user_id="U3", local_date=TODAY)

        result = board(session, window=Window.TODAY)

    assert result.members == 3
    assert result.team_goal == 3 * GOAL
    assert {row.display_name for row in result.rows} == {None}


def test_other_teams_never_leak_in(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session, team_id="T1")
        add_team(session, team_id="T2")
        add_member(session, team_id="T1", user_id="U1", display_name="Ana in T1")
        add_member(session, team_id="T2", user_id="U1", display_name="Ana in T2")
        add_member(session, team_id="T2", user_id="U2", display_name="Ben")
        add_member(session, team_id="T2", user_id="U3", display_name="Cat")
        add_connection(session, team_id="T1", user_id="U1", local_date=TODAY)
        add_connections(session, 4, team_id="T2", user_id="U1", local_date=TODAY)
        add_connections(session, 2, team_id="T2", user_id="U2", local_date=TODAY)
        # T2's first logged day is earlier than T1's; it must not stretch T1's all-time goal.
        add_connection(session, team_id="T2", user_id="U2", local_date=date(2026, 1, 5))

        result = board(session, window=Window.ALL, team_id="T1")

    assert result.team_id == "T1"
    assert [(row.user_id, row.display_name, row.total) for row in result.rows] == [
        ("U1", "Ana in T1", 1)
    ]
    assert result.team_total == 1
    assert result.members == 1
    assert result.team_goal == GOAL  # one member, one work day (today)


def test_negative_limit_is_rejected(db: Database) -> None:
    with db.session_scope() as session, pytest.raises(ValueError, match="limit"):
        board(session, limit=-1)


def _board_plan(
    db: Database, captured_sql: list[tuple[str, Any]], window: Window
) -> tuple[str, str]:
    """The board's one grouped query for `window`, and SQLite's plan for it."""
    captured_sql.clear()
    with db.read_scope() as session:
        board(session, window=window)
    grouped = [(sql, params) for sql, params in captured_sql if "GROUP BY" in sql.upper()]
    assert len(grouped) == 1, "the board must be one grouped query"
    sql, params = grouped[0]
    with db.engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
    return sql, " | ".join(str(row[-1]) for row in plan)


@pytest.mark.parametrize("window", [Window.WEEK, Window.ALL])
def test_board_query_uses_the_team_day_index_on_sqlite(
    db: Database, captured_sql: list[tuple[str, Any]], window: Window
) -> None:
    if db.backend != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    with db.session_scope() as session:
        add_team(session)
        for index in range(20):
            add_member(session, user_id=f"U{index}")
            add_connection(session, user_id=f"U{index}", local_date=TODAY)
    sql, details = _board_plan(db, captured_sql, window)
    # The board reads the maintained tallies through their covering index, never the entries.
    assert "ix_member_days_team_day" in details, details
    assert "SCAN member_days" not in details, details
    assert "connections" not in sql.lower()


def test_period_with_explicit_dates_is_honoured(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        add_member(session, user_id="U1")
        for day in (date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)):
            add_connection(session, user_id="U1", local_date=day)
        period = Period(Window.WEEK, date(2026, 11, 3), date(2026, 11, 4), "custom")

        result = team_leaderboard(
            session,
            team_id="T1",
            period=period,
            caller_id="U1",
            daily_goal=GOAL,
            work_days=DEFAULT_WORK_DAYS,
        )

    assert ranking(result) == [(1, "U1", 2)]
    assert result.team_goal == 2 * GOAL


def _month_of_entries(session: Session) -> list[tuple[str, Principle, date]]:
    """Entries on every day from 30 October to 2 December, three members, every principle."""
    add_team(session)
    logged: list[tuple[str, Principle, date]] = []
    principles = list(Principle)
    day = date(2026, 10, 30)
    n = 0
    while day <= date(2026, 12, 2):
        for user in ("U1", "U2", "U3"):
            n += 1
            for _ in range(n % 3):  # 0, 1 or 2 entries: some days quiet
                entry = (user, principles[n % len(principles)], day)
                add_connection(session, user_id=user, principle=entry[1], local_date=day)
                logged.append(entry)
        day += timedelta(days=1)
    for user in ("U1", "U2", "U3"):
        add_member(session, user_id=user)
    return logged


def _counted(result: Leaderboard) -> dict[str, dict[Principle, int]]:
    return {row.user_id: dict(row.counts) for row in result.rows}


def test_spans_from_a_months_first_day_count_exactly_their_days(db: Database) -> None:
    # Late in a month the board reads the month's kept counts less the days after the span;
    # early in it, the days themselves. Every end day of November, against the entries.
    with db.session_scope() as session:
        logged = _month_of_entries(session)
    first = date(2026, 11, 1)
    with db.read_scope() as session:
        for end in (first + timedelta(days=n) for n in range(30)):
            expected: dict[str, dict[Principle, int]] = {}
            for user, principle, day in logged:
                if first <= day <= end:
                    counts = expected.setdefault(user, dict.fromkeys(Principle, 0))
                    counts[principle] += 1
            result = team_leaderboard(
                session,
                team_id="T1",
                period=Period(Window.MONTH, first, end, "November"),
                caller_id="U1",
                daily_goal=GOAL,
                work_days=DEFAULT_WORK_DAYS,
            )
            assert _counted(result) == expected, end
            assert result.team_total == sum(map(sum, (c.values() for c in expected.values())))


def test_the_months_board_reads_the_kept_months_on_sqlite(
    db: Database, captured_sql: list[tuple[str, Any]]
) -> None:
    if db.backend != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    with db.session_scope() as session:
        _month_of_entries(session)
    # The 18th: fewer days after it than in it.
    _, details = _board_plan(db, captured_sql, Window.MONTH)
    assert "ix_member_months_team_month" in details, details
    assert "SCAN member_days" not in details and "SCAN member_months" not in details, details


def test_someone_not_yet_a_member_counts_on_the_teams_day_when_members_share_another(
    db: Database,
) -> None:
    # The team is on UTC, its only member in Tokyo, already a day ahead: their last 30 days
    # are 2 to 31 December, the team's 1 to 30. Someone who logged on the 1st before we knew
    # them is on the team's day, so their entry counts.
    now = datetime(2026, 12, 30, 19, 0, tzinfo=UTC)
    with db.session_scope() as session:
        add_team(session)
        add_member(session, user_id="U1", timezone="Asia/Tokyo")
        add_connection(session, user_id="U1", local_date=date(2026, 12, 31))
        add_connection(session, user_id="U9", local_date=date(2026, 12, 1))
        result = team_leaderboard(
            session,
            team_id="T1",
            period=window_period(Window.LAST_30_DAYS, today=date(2026, 12, 30)),
            caller_id="U1",
            daily_goal=GOAL,
            work_days=DEFAULT_WORK_DAYS,
            now=now,
            team_zone="UTC",
        )
    assert sorted(row.user_id for row in result.rows) == ["U1", "U9"]
    assert (result.team_total, result.members) == (2, 2)


@pytest.mark.parametrize(
    ("window", "reads"),
    [
        # The same dates for everyone: the members come with the counts, in one statement.
        (Window.WEEK, ["members and counts"]),
        (Window.MONTH, ["members and counts"]),
        (Window.ALL, ["members, counts and the first day"]),
        # Each member's own last 7 days: who is where first, then the counts on their days.
        (Window.LAST_7_DAYS, ["members", "counts"]),
    ],
)
def test_a_live_board_reads_its_members_beside_its_counts_when_their_days_agree(
    db: Database, captured_sql: list[tuple[str, Any]], window: Window, reads: list[str]
) -> None:
    now = datetime(2026, 11, 18, 20, 0, tzinfo=UTC)  # already the 19th in Tokyo
    with db.session_scope() as session:
        add_team(session)
        add_member(session, user_id="U1", display_name="Ana", timezone="Asia/Tokyo")
        add_member(session, user_id="U2", display_name="Ben", timezone="UTC")
        add_member(session, user_id="U3", display_name="Cleo")  # no entries: still a member
        add_connections(session, 3, user_id="U1", local_date=date(2026, 11, 19))
        add_connections(session, 2, user_id="U2", local_date=TODAY)
        add_connection(session, user_id="U9", local_date=TODAY)  # not a member yet
    captured_sql.clear()
    with db.read_scope() as session:
        result = team_leaderboard(
            session,
            team_id="T1",
            period=window_period(window, today=TODAY),
            caller_id="U2",
            daily_goal=GOAL,
            work_days=DEFAULT_WORK_DAYS,
            now=now,
            team_zone="UTC",
        )
    sent = [sql for sql, _ in captured_sql if sql.lstrip().upper().startswith("SELECT")]
    assert len(sent) == len(reads), sent
    assert [(row.user_id, row.display_name, row.total) for row in result.rows] == [
        ("U1", "Ana", 3),
        ("U2", "Ben", 2),
        ("U9", None, 1),
    ]
    assert (result.team_total, result.members) == (6, 3)  # never fewer than loggers
