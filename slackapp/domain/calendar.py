"""Calendar arithmetic in people's own time zones: local days, report windows, goals and streaks.

Everything here is pure: callers pass the instant or the day they mean, and nothing reads the clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

WorkDays = frozenset[int]

#: Monday to Friday (0 = Monday .. 6 = Sunday, as in `date.weekday()`).
DEFAULT_WORK_DAYS: WorkDays = frozenset({0, 1, 2, 3, 4})

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_LONG = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# "localtime" is whatever the host happens to be set to, so it must never become a team's zone.
_HOST_DEPENDENT_ZONES = frozenset({"localtime"})


# --------------------------------------------------------------------------------------------
# Time zones
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _zone_names_by_folded_key() -> dict[str, str]:
    # Checking against the published list (rather than just trying ZoneInfo) keeps out files that
    # happen to load but are not zones people live in, and lets "europe/berlin" find its real name.
    names = sorted(available_timezones() - _HOST_DEPENDENT_ZONES)
    return {name.casefold(): name for name in names}


def canonical_zone_name(name: str | None) -> str | None:
    """Return the IANA spelling of `name` (forgiving case and spaces), or None if unknown."""
    if not name:
        return None
    return _zone_names_by_folded_key().get(name.strip().casefold())


def is_valid_zone(name: str) -> bool:
    """Tell whether `name` is a known IANA time zone (case and surrounding spaces forgiven)."""
    return canonical_zone_name(name) is not None


def _load_zone(name: str | None) -> ZoneInfo | None:
    canonical = canonical_zone_name(name)
    if canonical is None:
        return None
    try:
        return ZoneInfo(canonical)
    except (KeyError, ValueError, OSError):
        # Listed but unreadable (e.g. a damaged system zone file): treat it like an unknown name.
        return None


def zone(name: str | None, *, fallback: str = "UTC") -> ZoneInfo:
    """Load the time zone `name`, using `fallback` (then UTC) when it is missing or unknown."""
    # Zone names come from Slack profiles and settings typed by people, so a bad one must not
    # stop a digest or a board from rendering; a bad fallback is treated the same way.
    return _load_zone(name) or _load_zone(fallback) or ZoneInfo("UTC")


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    """Return the calendar date in `tz` at the aware `instant`."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("local_date needs an aware datetime; a naive one has no single meaning")
    return instant.astimezone(tz).date()


def _first_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    # With fold=0 zoneinfo reads a wall time inside a spring-forward gap with the offset in force
    # before the jump, which lands it one gap-length later on the clock (02:30 -> 03:30), and reads
    # a repeated wall time as its first occurrence. Both are the behaviours we promise.
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=tz)
    return wall.astimezone(UTC)


def day_bounds_utc(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the half-open UTC range [start, end) covering `day` on the clocks of `tz`."""
    # Going through the wall clock (not start + 24h) is what gives 23- and 25-hour days on DST.
    # Zones that once turned clocks back across midnight (Newfoundland until 2011) lived some
    # dates twice; for those historical days this returns the first stretch only.
    return _first_instant(day, time(0), tz), _first_instant(day + timedelta(days=1), time(0), tz)


def local_due_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Return the aware UTC instant when clocks in `tz` show `at` on `day` (gaps shift forward)."""
    if at.tzinfo is not None:
        raise ValueError("local_due_instant needs a wall-clock time without tzinfo")
    return _first_instant(day, at, tz)


# --------------------------------------------------------------------------------------------
# Report windows
# --------------------------------------------------------------------------------------------


class Window(StrEnum):
    """A period a board or digest can cover. The value is the short token people can type."""

    TODAY = "today"
    WEEK = "week"
    MONTH = "month"
    ALL = "all"
    LAST_7_DAYS = "7d"
    LAST_30_DAYS = "30d"


# Written in the squashed form produced by `_squash`: lower case, no spaces, dashes or underscores.
_ALIASES_BY_WINDOW: dict[Window, tuple[str, ...]] = {
    Window.TODAY: ("today", "day", "daily", "thisday"),
    Window.WEEK: ("week", "thisweek", "weekly", "wk", "currentweek"),
    Window.MONTH: ("month", "thismonth", "monthly", "mtd", "currentmonth"),
    Window.ALL: ("all", "alltime", "ever", "overall", "forever"),
    Window.LAST_7_DAYS: ("7d", "7", "7day", "7days", "last7", "last7d", "last7days"),
    Window.LAST_30_DAYS: ("30d", "30", "30day", "30days", "last30", "last30d", "last30days"),
}
_WINDOW_ALIASES: dict[str, Window] = {
    alias: window for window, aliases in _ALIASES_BY_WINDOW.items() for alias in aliases
}

_SEPARATORS = re.compile(r"[\s_-]+")


def _squash(token: str) -> str:
    return _SEPARATORS.sub("", token.casefold())


def parse_window(token: str) -> Window | None:
    """Read a window from what someone typed ("this week", "30", "all-time"...), else None."""
    return _WINDOW_ALIASES.get(_squash(token))


@dataclass(frozen=True, slots=True)
class Period:
    """The dates a window covers on a given day, with a label to show people."""

    window: Window
    start: date | None  # None means "since the beginning" (ALL)
    end: date  # inclusive: the caller's today
    label: str

    def contains(self, day: date) -> bool:
        """Tell whether `day` falls inside this period."""
        return (self.start is None or self.start <= day) and day <= self.end


def _day_month(day: date) -> str:
    return f"{_DAY_NAMES[day.weekday()]} {day.day} {_MONTH_SHORT[day.month - 1]}"


def _span_label(start: date, end: date) -> str:
    # Say the month once when both ends share it, and the years only when they differ.
    if start == end:
        return _day_month(end)
    if start.year != end.year:
        return f"{_day_month(start)} {start.year} – {_day_month(end)} {end.year}"
    if start.month != end.month:
        return f"{_day_month(start)} – {_day_month(end)}"
    return f"{_DAY_NAMES[start.weekday()]} {start.day} – {_day_month(end)}"


def _days_before(day: date, count: int) -> date:
    # Clamp at the first representable date rather than overflow on absurd inputs.
    return date.fromordinal(max(1, day.toordinal() - count))


def window_period(window: Window, *, today: date) -> Period:
    """Return the dates `window` covers when it is `today` in the team's zone."""
    if window is Window.TODAY:
        return Period(window, today, today, f"Today ({_day_month(today)})")
    if window is Window.WEEK:
        monday = _days_before(today, today.weekday())
        return Period(window, monday, today, f"This week ({_span_label(monday, today)})")
    if window is Window.MONTH:
        label = f"{_MONTH_LONG[today.month - 1]} {today.year}"
        return Period(window, today.replace(day=1), today, label)
    if window is Window.LAST_7_DAYS:
        return Period(window, _days_before(today, 6), today, "Last 7 days")
    if window is Window.LAST_30_DAYS:
        return Period(window, _days_before(today, 29), today, "Last 30 days")
    return Period(window, None, today, "All time")


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
