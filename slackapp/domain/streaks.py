"""Work days: how many fall in a stretch of dates, the team's goal for it, and people's streaks.

Everything here is pure and counts whole local dates; the calendar module says which date it is.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from slackapp.domain.calendar import WorkDays

# --------------------------------------------------------------------------------------------
# Work days and goals
# --------------------------------------------------------------------------------------------


def _checked(work_days: WorkDays) -> WorkDays:
    if not work_days <= frozenset(range(7)):
        raise ValueError(f"work days must be weekday numbers 0-6, got {sorted(work_days)!r}")
    return work_days


def _weekday_of_ordinal(ordinal: int) -> int:
    # Ordinal 1 (0001-01-01) was a Monday.
    return (ordinal - 1) % 7


def _work_days_in_ordinals(first: int, last: int, work_days: WorkDays) -> int:
    # Whole weeks contribute len(work_days) each; only the leftover (< 7 days) is walked, so
    # the cost does not grow with the length of the range.
    if first > last:
        return 0
    weeks, leftover = divmod(last - first + 1, 7)
    extra = sum(1 for i in range(leftover) if _weekday_of_ordinal(first + i) in work_days)
    return weeks * len(work_days) + extra


def work_days_between(start: date, end: date, *, work_days: WorkDays) -> int:
    """Count the work days from `start` to `end`, both included (0 when start is after end)."""
    return _work_days_in_ordinals(start.toordinal(), end.toordinal(), _checked(work_days))


def goal_for_period(
    *, start: date, end: date, members: int, daily_goal: int, work_days: WorkDays
) -> int:
    """Return the team's connection goal for the dates from `start` to `end` inclusive."""
    if members < 0 or daily_goal < 0:
        raise ValueError("members and daily_goal cannot be negative")
    return work_days_between(start, end, work_days=work_days) * members * daily_goal


# --------------------------------------------------------------------------------------------
# Streaks
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Streaks:
    """Current and best runs of days, counted in work days (weekend wins count as a bonus)."""

    goal_streak: int
    active_streak: int
    best_goal_streak: int
    best_active_streak: int


def _current_and_best(days_met: list[int], *, today: int, work_days: WorkDays) -> tuple[int, int]:
    # Only the days that met the criterion are visited, sorted. Every day strictly between two
    # of them missed it, so the run survives the gap exactly when that gap holds no work day.
    # This keeps the cost at O(n log n) in logged days, however far apart they are.
    best = run = 0
    previous: int | None = None
    for ordinal in days_met:
        if previous is not None and _work_days_in_ordinals(previous + 1, ordinal - 1, work_days):
            run = 0
        run += 1
        best = max(best, run)
        previous = ordinal
    if previous is None:
        return 0, 0
    # Today is still in progress, so a miss today breaks nothing; only the days before it can.
    current = 0 if _work_days_in_ordinals(previous + 1, today - 1, work_days) else run
    return current, best


def current_streak(days_met: Iterable[date], *, today: date, work_days: WorkDays) -> int:
    """The current run of `days_met` as of `today`, without looking at any older run.

    The same as compute_streaks' current streak for those days, at a cost of the run's length
    (plus the sort) rather than of the whole history: the run is walked back from its newest day
    and ends at the first gap that holds a work day.
    """
    work_days = _checked(work_days)
    today_ordinal = today.toordinal()
    ordinals = sorted({day.toordinal() for day in days_met if day <= today}, reverse=True)
    if not ordinals or _work_days_in_ordinals(ordinals[0] + 1, today_ordinal - 1, work_days):
        return 0
    run = 1
    for newer, older in itertools.pairwise(ordinals):
        if _work_days_in_ordinals(older + 1, newer - 1, work_days):
            break
        run += 1
    return run


def run_continues(earlier: date, later: date, *, work_days: WorkDays) -> bool:
    """Whether a run of goal days that reached `earlier` carries on at `later`: no work day
    falls between them (a weekend or a day off between two goal days breaks nothing)."""
    return not _work_days_in_ordinals(
        earlier.toordinal() + 1, later.toordinal() - 1, _checked(work_days)
    )


def goal_runs(days_met: Iterable[date], *, work_days: WorkDays) -> dict[date, int]:
    """Each goal day's place in its run: 1 on the run's first day, 2 on its second, and so on.

    The run on a member's latest goal day is their current streak while it carries on to today
    (`streak_as_of`), which is what a maintained `member_days.goal_run` keeps for each day.
    """
    work_days = _checked(work_days)
    places: dict[date, int] = {}
    previous: date | None = None
    for day in sorted(set(days_met)):
        carried = previous is not None and run_continues(previous, day, work_days=work_days)
        places[day] = places[previous] + 1 if carried and previous is not None else 1
        previous = day
    return places


def streak_as_of(last_met: date, run: int, *, today: date, work_days: WorkDays) -> int:
    """The current streak of someone whose latest goal day up to `today` is `last_met`, the
    `run`th day of its run: the run, unless a work day before today went without the goal."""
    if last_met > today:
        raise ValueError("the latest goal day cannot be after today")
    return run if run_continues(last_met, today, work_days=work_days) else 0


def compute_streaks(
    counts: Mapping[date, int], *, today: date, daily_goal: int, work_days: WorkDays
) -> Streaks:
    """Work out current and best goal and activity streaks from connections per local date."""
    work_days = _checked(work_days)
    today_ordinal = today.toordinal()
    # Days with nothing logged never count, even against a goal of zero, so a streak always
    # means something was actually given.
    logged = sorted(
        (day.toordinal(), count) for day, count in counts.items() if day <= today and count > 0
    )
    goal_current, goal_best = _current_and_best(
        [ordinal for ordinal, count in logged if count >= daily_goal],
        today=today_ordinal,
        work_days=work_days,
    )
    active_current, active_best = _current_and_best(
        [ordinal for ordinal, _ in logged], today=today_ordinal, work_days=work_days
    )
    return Streaks(
        goal_streak=goal_current,
        active_streak=active_current,
        best_goal_streak=goal_best,
        best_active_streak=active_best,
    )
