"""Calendar arithmetic in people's own time zones: local days, report windows, day and month names.

Everything here is pure: callers pass the instant or the day they mean, and nothing reads the clock.
This is the one place that spells out day and month names, so no label follows the host's locale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, available_timezones

WorkDays = frozenset[int]

#: Monday to Friday (0 = Monday .. 6 = Sunday, as in `date.weekday()`).
DEFAULT_WORK_DAYS: WorkDays = frozenset({0, 1, 2, 3, 4})

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
# Names and labels
# --------------------------------------------------------------------------------------------

#: How a day is named: "Monday", "Mon" or "Mo".
DayNameStyle = Literal["long", "short", "min"]
#: How a month is named: "November" or "Nov".
MonthNameStyle = Literal["long", "short"]

# Spelled out rather than taken from strftime, whose words follow the host's locale. Every short
# form is the first three letters (and "min" the first two), so one table serves each style.
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
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


def weekday_name(weekday: int, *, style: DayNameStyle = "short") -> str:
    """The English name of weekday number `weekday` (0 = Monday, as in `date.weekday()`)."""
    if not 0 <= weekday <= 6:
        raise ValueError(f"a weekday number is 0-6, got {weekday!r}")
    name = _WEEKDAY_NAMES[weekday]
    if style == "long":
        return name
    return name[:3] if style == "short" else name[:2]


def month_name(month: int, *, style: MonthNameStyle = "short") -> str:
    """The English name of month number `month` (1 = January)."""
    if not 1 <= month <= 12:
        raise ValueError(f"a month number is 1-12, got {month!r}")
    name = _MONTH_NAMES[month - 1]
    return name if style == "long" else name[:3]


def day_label(day: date, *, style: DayNameStyle = "short") -> str:
    """A date as people read it: "Fri 27 Nov" ("Friday 27 Nov" with the long style)."""
    return f"{weekday_name(day.weekday(), style=style)} {day.day} {month_name(day.month)}"


def span_label(start: date, end: date) -> str:
    """The dates from `start` to `end`: "Fri 27 Nov", "Sat 21 – Fri 27 Nov", or with years."""
    # Say the month once when both ends share it, and the years only when they differ.
    if start == end:
        return day_label(end)
    if start.year != end.year:
        return f"{day_label(start)} {start.year} – {day_label(end)} {end.year}"
    if start.month != end.month:
        return f"{day_label(start)} – {day_label(end)}"
    return f"{weekday_name(start.weekday())} {start.day} – {day_label(end)}"


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


def _days_before(day: date, count: int) -> date:
    # Clamp at the first representable date rather than overflow on absurd inputs.
    return date.fromordinal(max(1, day.toordinal() - count))


def week_start(day: date) -> date:
    """The Monday that starts `day`'s week (the week "this week" means)."""
    return _days_before(day, day.weekday())


def window_period(window: Window, *, today: date) -> Period:
    """Return the dates `window` covers when it is `today` in the team's zone."""
    if window is Window.TODAY:
        return Period(window, today, today, f"Today ({day_label(today)})")
    if window is Window.WEEK:
        monday = week_start(today)
        return Period(window, monday, today, f"This week ({span_label(monday, today)})")
    if window is Window.MONTH:
        label = f"{month_name(today.month, style='long')} {today.year}"
        return Period(window, today.replace(day=1), today, label)
    if window is Window.LAST_7_DAYS:
        return Period(window, _days_before(today, 6), today, "Last 7 days")
    if window is Window.LAST_30_DAYS:
        return Period(window, _days_before(today, 29), today, "Last 30 days")
    return Period(window, None, today, "All time")
