"""Tests for slackapp.domain.streaks: counting work days, goals for a period, streaks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slackapp.domain.calendar import DEFAULT_WORK_DAYS, WorkDays
from slackapp.domain.streaks import (
    Streaks,
    compute_streaks,
    current_streak,
    goal_for_period,
    goal_runs,
    streak_as_of,
    work_days_between,
)
from tests.support.work import lines_run

# --------------------------------------------------------------------------------------------
# work_days_between(), goal_for_period()
# --------------------------------------------------------------------------------------------

SUN_TO_THU: WorkDays = frozenset({6, 0, 1, 2, 3})


@pytest.mark.parametrize(
    ("start", "end", "work_days", "expected"),
    [
        (date(2026, 11, 23), date(2026, 11, 27), DEFAULT_WORK_DAYS, 5),  # Mon-Fri
        (date(2026, 11, 23), date(2026, 11, 29), DEFAULT_WORK_DAYS, 5),  # Mon-Sun
        (date(2026, 11, 28), date(2026, 11, 29), DEFAULT_WORK_DAYS, 0),  # a weekend
        (date(2026, 11, 27), date(2026, 11, 27), DEFAULT_WORK_DAYS, 1),  # one Friday
        (date(2026, 11, 27), date(2026, 11, 26), DEFAULT_WORK_DAYS, 0),  # start after end
        (date(2026, 11, 1), date(2026, 11, 30), DEFAULT_WORK_DAYS, 21),
        (date(2026, 1, 1), date(2026, 12, 31), DEFAULT_WORK_DAYS, 261),
        (date(2026, 11, 23), date(2026, 11, 29), SUN_TO_THU, 5),
        (date(2026, 11, 27), date(2026, 11, 28), SUN_TO_THU, 0),  # Fri-Sat off
        (date(2026, 11, 1), date(2026, 11, 30), frozenset(range(7)), 30),
        (date(2026, 11, 1), date(2026, 11, 30), frozenset(), 0),
    ],
)
def test_work_days_between(start: date, end: date, work_days: WorkDays, expected: int) -> None:
    assert work_days_between(start, end, work_days=work_days) == expected


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    length=st.integers(min_value=-3, max_value=400),
    work_days=st.frozensets(st.integers(min_value=0, max_value=6)),
)
def test_work_days_between_matches_counting_one_by_one(
    start: date, length: int, work_days: WorkDays
) -> None:
    end = start + timedelta(days=length)
    naive = sum(1 for i in range(length + 1) if (start + timedelta(days=i)).weekday() in work_days)
    assert work_days_between(start, end, work_days=work_days) == naive


def test_work_days_must_be_weekday_numbers() -> None:
    with pytest.raises(ValueError, match="0-6"):
        work_days_between(date(2026, 11, 1), date(2026, 11, 30), work_days=frozenset({1, 7}))


@pytest.mark.parametrize(
    ("start", "end", "members", "daily_goal", "work_days", "expected"),
    [
        (date(2026, 11, 23), date(2026, 11, 27), 4, 10, DEFAULT_WORK_DAYS, 200),
        (date(2026, 11, 23), date(2026, 11, 25), 4, 10, DEFAULT_WORK_DAYS, 120),  # week to date
        (date(2026, 11, 28), date(2026, 11, 29), 4, 10, DEFAULT_WORK_DAYS, 0),  # weekend
        (date(2026, 11, 1), date(2026, 11, 30), 3, 10, DEFAULT_WORK_DAYS, 630),
        (date(2026, 11, 1), date(2026, 11, 30), 1, 5, SUN_TO_THU, 110),
        (date(2026, 11, 23), date(2026, 11, 27), 0, 10, DEFAULT_WORK_DAYS, 0),
        (date(2026, 11, 23), date(2026, 11, 27), 4, 0, DEFAULT_WORK_DAYS, 0),
        (date(2026, 11, 27), date(2026, 11, 23), 4, 10, DEFAULT_WORK_DAYS, 0),
    ],
)
def test_goal_for_period(
    start: date, end: date, members: int, daily_goal: int, work_days: WorkDays, expected: int
) -> None:
    got = goal_for_period(
        start=start, end=end, members=members, daily_goal=daily_goal, work_days=work_days
    )
    assert got == expected


@pytest.mark.parametrize(("members", "daily_goal"), [(-1, 10), (3, -1)])
def test_goal_for_period_rejects_negatives(members: int, daily_goal: int) -> None:
    with pytest.raises(ValueError, match="negative"):
        goal_for_period(
            start=date(2026, 11, 23),
            end=date(2026, 11, 27),
            members=members,
            daily_goal=daily_goal,
            work_days=DEFAULT_WORK_DAYS,
        )


# --------------------------------------------------------------------------------------------
# compute_streaks()
# --------------------------------------------------------------------------------------------

# Week of Monday 16 November 2026 and the one after it.
MON16, TUE17, WED18, THU19, FRI20, SAT21, SUN22 = (date(2026, 11, d) for d in range(16, 23))
MON23, TUE24, WED25, THU26, FRI27, SAT28, SUN29 = (date(2026, 11, d) for d in range(23, 30))


def streaks(
    counts: dict[date, int],
    today: date,
    *,
    daily_goal: int = 10,
    work_days: WorkDays = DEFAULT_WORK_DAYS,
) -> tuple[int, int, int, int]:
    got = compute_streaks(counts, today=today, daily_goal=daily_goal, work_days=work_days)
    return (got.goal_streak, got.active_streak, got.best_goal_streak, got.best_active_streak)


@pytest.mark.parametrize(
    ("counts", "today", "expected"),
    [
        pytest.param({}, WED25, (0, 0, 0, 0), id="no history"),
        pytest.param(
            {THU19: 10, FRI20: 11, MON23: 10, TUE24: 12, WED25: 10},
            WED25,
            (5, 5, 5, 5),
            id="the weekend does not break a streak",
        ),
        pytest.param(
            {THU19: 10, FRI20: 11, MON23: 10, TUE24: 12, WED25: 3},
            WED25,
            (4, 5, 4, 5),
            id="today below goal is in progress, not a break",
        ),
        pytest.param(
            {THU19: 10, FRI20: 11, MON23: 10, TUE24: 12},
            WED25,
            (4, 4, 4, 4),
            id="nothing logged yet today",
        ),
        pytest.param(
            {MON16: 10, TUE17: 10, WED18: 10, THU19: 10, FRI20: 10, TUE24: 10, WED25: 10},
            WED25,
            (2, 2, 5, 5),
            id="an unlogged work day breaks; the older run stays the best",
        ),
        pytest.param(
            {THU19: 10, FRI20: 10, MON23: 4, TUE24: 10, WED25: 10},
            WED25,
            (2, 5, 2, 5),
            id="a work day below goal breaks the goal streak only",
        ),
        pytest.param(
            {THU19: 10, FRI20: 10, SAT21: 10, MON23: 10, TUE24: 10},
            WED25,
            (5, 5, 5, 5),
            id="a weekend day at goal is a bonus",
        ),
        pytest.param(
            {FRI20: 10, SAT21: 2, SUN22: 10, MON23: 10},
            MON23,
            (3, 4, 3, 4),
            id="a weekend day below goal is skipped but still counts as active",
        ),
        pytest.param(
            {THU19: 10, FRI20: 10},
            SUN22,
            (2, 2, 2, 2),
            id="today is a weekend day with nothing logged",
        ),
        pytest.param(
            {THU19: 10, FRI20: 10},
            MON23,
            (2, 2, 2, 2),
            id="Monday morning keeps Friday's streak",
        ),
        pytest.param(
            {THU19: 10, FRI20: 10},
            TUE24,
            (0, 0, 2, 2),
            id="an empty Monday ends the streak by Tuesday",
        ),
        pytest.param(
            {TUE24: 10, WED25: 10, THU26: 10, FRI27: 10},
            WED25,
            (2, 2, 2, 2),
            id="dates after today are ignored",
        ),
        pytest.param(
            {MON23: 10, TUE24: 0, WED25: 10},
            WED25,
            (1, 1, 1, 1),
            id="a stored zero is a miss",
        ),
        pytest.param(
            {SAT28: 10, SUN29: 3},
            SUN29,
            (1, 2, 1, 2),
            id="a weekend-only run",
        ),
    ],
)
def test_compute_streaks(
    counts: dict[date, int], today: date, expected: tuple[int, int, int, int]
) -> None:
    assert streaks(counts, today) == expected


def test_best_streak_in_the_past_is_longer_than_the_current_one() -> None:
    # Every work day from 1 October to 23 October 2026 at goal (17 work days), then a gap,
    # then three work days ending today.
    october = {
        day: 10
        for day in (date(2026, 10, 1) + timedelta(days=i) for i in range(23))
        if day.weekday() < 5
    }
    counts = {**october, MON23: 10, TUE24: 11, WED25: 12}
    assert compute_streaks(
        counts, today=WED25, daily_goal=10, work_days=DEFAULT_WORK_DAYS
    ) == Streaks(goal_streak=3, active_streak=3, best_goal_streak=17, best_active_streak=17)


def test_streaks_follow_the_team_work_week() -> None:
    # Sunday to Thursday: Friday and Saturday are the weekend, and Sunday is a work day.
    counts = {WED18: 10, THU19: 10, MON23: 10, TUE24: 10}
    assert streaks(counts, TUE24, work_days=SUN_TO_THU) == (2, 2, 2, 2)
    counts[SUN22] = 10
    assert streaks(counts, TUE24, work_days=SUN_TO_THU) == (5, 5, 5, 5)


def test_a_goal_below_one_still_needs_a_logged_connection() -> None:
    counts = {THU19: 1, MON23: 1}
    assert streaks(counts, TUE24, daily_goal=0) == (1, 1, 1, 1)


def test_streaks_over_years_of_history_take_work_by_entries_not_by_days() -> None:
    # About a thousand logged days over four years, plus one lone entry from long ago, so an
    # approach that walks every calendar day (730,000 of them) or compares days pairwise would
    # run millions of lines where one pass over the entries runs some tens of thousands.
    today = date(2029, 12, 31)
    history = {today - timedelta(days=i): 10 for i in range(1461) if i % 3 != 2}
    history[date(1, 1, 1)] = 10
    result, lines = lines_run(
        lambda: compute_streaks(history, today=today, daily_goal=10, work_days=frozenset())
    )
    # With no work days nothing can break a run, so every logged day counts.
    assert result.goal_streak == len(history)
    assert result.best_active_streak == len(history)
    assert lines < 100 * len(history)


def reference_streaks(
    counts: dict[date, int], today: date, daily_goal: int, work_days: WorkDays
) -> Streaks:
    """The rules applied literally, one calendar day at a time."""
    past = {day: n for day, n in counts.items() if day <= today}
    if not past:
        return Streaks(0, 0, 0, 0)
    earliest = min(past)

    def current(threshold: int) -> int:
        run, day = 0, today
        while day >= earliest:
            if past.get(day, 0) >= threshold:
                run += 1
            elif day != today and day.weekday() in work_days:
                break
            day -= timedelta(days=1)
        return run

    def best(threshold: int) -> int:
        run = top = 0
        day = earliest
        while day <= today:
            if past.get(day, 0) >= threshold:
                run += 1
                top = max(top, run)
            elif day != today and day.weekday() in work_days:
                run = 0
            day += timedelta(days=1)
        return top

    goal = max(daily_goal, 1)
    return Streaks(current(goal), current(1), best(goal), best(1))


@settings(max_examples=400)
@given(
    counts=st.dictionaries(
        st.dates(min_value=date(2026, 10, 1), max_value=date(2026, 12, 31)),
        st.integers(min_value=0, max_value=15),
        max_size=60,
    ),
    today=st.dates(min_value=date(2026, 10, 1), max_value=date(2026, 12, 31)),
    daily_goal=st.integers(min_value=0, max_value=12),
    work_days=st.frozensets(st.integers(min_value=0, max_value=6)),
)
def test_streaks_match_the_rules_applied_day_by_day(
    counts: dict[date, int], today: date, daily_goal: int, work_days: WorkDays
) -> None:
    got = compute_streaks(counts, today=today, daily_goal=daily_goal, work_days=work_days)
    assert got == reference_streaks(counts, today, daily_goal, work_days)
    assert got.best_goal_streak >= got.goal_streak
    assert got.best_active_streak >= got.active_streak
    assert got.active_streak >= got.goal_streak


@settings(max_examples=400)
@given(
    days=st.lists(st.dates(min_value=date(2026, 9, 1), max_value=date(2026, 12, 31)), max_size=80),
    today=st.dates(min_value=date(2026, 9, 1), max_value=date(2026, 12, 31)),
    work_days=st.frozensets(st.integers(min_value=0, max_value=6)),
)
def test_current_streak_is_compute_streaks_current_run(
    days: list[date], today: date, work_days: WorkDays
) -> None:
    # The days a member met the goal, repeats and days after today included: only the current
    # run counts, exactly as the full computation has it.
    full = compute_streaks({day: 1 for day in days}, today=today, daily_goal=1, work_days=work_days)
    assert current_streak(days, today=today, work_days=work_days) == full.goal_streak


def test_current_streak_stops_at_the_first_missed_work_day() -> None:
    friday = date(2026, 11, 27)
    met = [friday - timedelta(days=back) for back in range(0, 12)]  # two weeks, weekends too
    met.remove(date(2026, 11, 19))  # a missed Thursday
    met += [date(2025, 1, 6)]  # long ago, behind the break: never read into the run
    assert current_streak(met, today=friday, work_days=DEFAULT_WORK_DAYS) == 8
    # Today still in progress: yesterday's run stands.
    assert current_streak(met, today=friday + timedelta(days=3), work_days=DEFAULT_WORK_DAYS) == 8
    # A missed work day before today ends it.
    assert current_streak(met, today=friday + timedelta(days=4), work_days=DEFAULT_WORK_DAYS) == 0


@settings(max_examples=400)
@given(
    days=st.lists(st.dates(min_value=date(2026, 9, 1), max_value=date(2026, 12, 31)), max_size=80),
    today=st.dates(min_value=date(2026, 9, 1), max_value=date(2026, 12, 31)),
    work_days=st.frozensets(st.integers(min_value=0, max_value=6), min_size=1),
)
def test_the_run_kept_on_the_latest_goal_day_is_the_current_streak(
    days: list[date], today: date, work_days: WorkDays
) -> None:
    # What member_days.goal_run keeps (each goal day's place in its run, days after today
    # included) gives the current streak from the latest goal day up to today alone.
    runs = goal_runs(days, work_days=work_days)
    expected = current_streak(days, today=today, work_days=work_days)
    met = [day for day in runs if day <= today]
    if not met:
        assert expected == 0
        return
    latest = max(met)
    assert streak_as_of(latest, runs[latest], today=today, work_days=work_days) == expected


def test_goal_runs_carry_over_days_off_and_restart_after_a_missed_work_day() -> None:
    friday, monday, tuesday = date(2026, 11, 20), date(2026, 11, 23), date(2026, 11, 24)
    thursday = date(2026, 11, 26)
    saturday = date(2026, 11, 21)
    runs = goal_runs([thursday, friday, saturday, monday, tuesday], work_days=DEFAULT_WORK_DAYS)
    # Saturday is not a work day but counts once met; Wednesday was missed.
    assert runs == {friday: 1, saturday: 2, monday: 3, tuesday: 4, thursday: 1}
    assert streak_as_of(tuesday, 4, today=thursday, work_days=DEFAULT_WORK_DAYS) == 0
    assert streak_as_of(tuesday, 4, today=date(2026, 11, 25), work_days=DEFAULT_WORK_DAYS) == 4
    with pytest.raises(ValueError, match="after today"):
        streak_as_of(thursday, 1, today=tuesday, work_days=DEFAULT_WORK_DAYS)
