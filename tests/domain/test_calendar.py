"""Tests for slackapp.domain.calendar: local dates, DST-safe bounds, windows, names, labels."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slackapp.domain.calendar import (
    Period,
    Window,
    canonical_zone_name,
    day_bounds_utc,
    day_label,
    is_valid_zone,
    local_date,
    local_due_instant,
    month_name,
    parse_window,
    span_label,
    week_start,
    weekday_name,
    window_period,
    zone,
)

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)

# Zones chosen for their awkward clocks: far-apart offsets, half-hour DST, DST at midnight,
# southern-hemisphere DST, a 45-minute offset, and a zone that skipped a whole day (Apia, 2011).
TRICKY_ZONES = [
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Australia/Lord_Howe",
    "America/Santiago",
    "America/Havana",
    "Asia/Beirut",
    "Pacific/Chatham",
    "Pacific/Apia",
    "Asia/Kathmandu",
]


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# --------------------------------------------------------------------------------------------
# zone(), is_valid_zone()
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Not/AZone",
        "",
        None,
        "   ",
        "America",  # a directory, not a zone
        "../../etc/passwd",
        "/etc/localtime",
        "localtime",  # host-dependent, never a real team zone
        "zone.tab",  # a data file shipped next to the zones
        "UTC\x00",
        "a" * 5000,
    ],
)
def test_zone_falls_back_for_bad_names(name: str | None) -> None:
    assert zone(name) == ZoneInfo("UTC")
    assert zone(name, fallback="Europe/Berlin") == BERLIN


def test_zone_uses_utc_when_the_fallback_is_bad_too() -> None:
    assert zone("Not/AZone", fallback="Also/NotAZone") == ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("America/New_York", "America/New_York"),
        ("  Europe/Berlin ", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("PACIFIC/KIRITIMATI", "Pacific/Kiritimati"),
        ("utc", "UTC"),
    ],
)
def test_zone_loads_known_names_forgiving_case_and_spaces(name: str, expected: str) -> None:
    assert zone(name, fallback="Asia/Tokyo").key == expected
    assert canonical_zone_name(name) == expected
    assert is_valid_zone(name)


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("America/New_York", True),
        ("Asia/Kathmandu", True),
        ("Etc/GMT+5", True),
        ("US/Pacific", True),  # old alias, still in Slack profiles
        ("Not/AZone", False),
        ("", False),
        ("America", False),
        ("localtime", False),
        ("New York", False),
    ],
)
def test_is_valid_zone(name: str, valid: bool) -> None:
    assert is_valid_zone(name) is valid


# --------------------------------------------------------------------------------------------
# local_date()
# --------------------------------------------------------------------------------------------


def test_same_instant_is_three_different_dates_around_the_world() -> None:
    instant = utc(2026, 11, 27, 10, 30)
    assert local_date(instant, zone("Pacific/Kiritimati")) == date(2026, 11, 28)  # UTC+14
    assert local_date(instant, zone("UTC")) == date(2026, 11, 27)
    assert local_date(instant, zone("Pacific/Pago_Pago")) == date(2026, 11, 26)  # UTC-11


@pytest.mark.parametrize(
    ("instant", "tz", "expected"),
    [
        # Just before and at local midnight in New York (EST, UTC-5).
        (utc(2026, 11, 28, 4, 59, 59), "America/New_York", date(2026, 11, 27)),
        (utc(2026, 11, 28, 5, 0), "America/New_York", date(2026, 11, 28)),
        # In summer the same UTC clock time is already the next day (EDT, UTC-4).
        (utc(2026, 7, 1, 4, 30), "America/New_York", date(2026, 7, 1)),
        (utc(2026, 12, 31, 23, 30), "Europe/Berlin", date(2027, 1, 1)),
        (utc(2026, 11, 27, 18, 14), "Asia/Kathmandu", date(2026, 11, 27)),
        (utc(2026, 11, 27, 18, 15), "Asia/Kathmandu", date(2026, 11, 28)),  # UTC+5:45
    ],
)
def test_local_date(instant: datetime, tz: str, expected: date) -> None:
    assert local_date(instant, zone(tz)) == expected


def test_local_date_accepts_any_aware_instant() -> None:
    tokyo_evening = datetime(2026, 11, 27, 23, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert local_date(tokyo_evening, BERLIN) == date(2026, 11, 27)
    assert local_date(tokyo_evening, ZoneInfo("Asia/Tokyo")) == date(2026, 11, 27)
    assert local_date(tokyo_evening, ZoneInfo("Pacific/Kiritimati")) == date(2026, 11, 28)


def test_local_date_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="aware"):
        local_date(datetime(2026, 11, 27, 12, 0), NEW_YORK)  # noqa: DTZ001


# --------------------------------------------------------------------------------------------
# day_bounds_utc()
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "tz", "start", "end"),
    [
        # Ordinary days.
        (date(2026, 11, 27), NEW_YORK, utc(2026, 11, 27, 5), utc(2026, 11, 28, 5)),
        (date(2026, 7, 1), BERLIN, utc(2026, 6, 30, 22), utc(2026, 7, 1, 22)),
        # New York spring forward (23 h) and fall back (25 h).
        (date(2026, 3, 8), NEW_YORK, utc(2026, 3, 8, 5), utc(2026, 3, 9, 4)),
        (date(2026, 11, 1), NEW_YORK, utc(2026, 11, 1, 4), utc(2026, 11, 2, 5)),
        # Berlin spring forward (23 h) and fall back (25 h).
        (date(2026, 3, 29), BERLIN, utc(2026, 3, 28, 23), utc(2026, 3, 29, 22)),
        (date(2026, 10, 25), BERLIN, utc(2026, 10, 24, 22), utc(2026, 10, 25, 23)),
        # Lord Howe moves its clocks by only 30 minutes: a 23.5-hour day.
        (
            date(2026, 10, 4),
            ZoneInfo("Australia/Lord_Howe"),
            utc(2026, 10, 3, 13, 30),
            utc(2026, 10, 4, 13),
        ),
    ],
)
def test_day_bounds_utc(day: date, tz: ZoneInfo, start: datetime, end: datetime) -> None:
    assert day_bounds_utc(day, tz) == (start, end)
    got_start, got_end = day_bounds_utc(day, tz)
    assert got_start.utcoffset() == timedelta(0)
    assert got_end.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("day", "tz", "hours"),
    [
        (date(2026, 3, 7), NEW_YORK, 24),
        (date(2026, 3, 8), NEW_YORK, 23),
        (date(2026, 3, 9), NEW_YORK, 24),
        (date(2026, 10, 31), NEW_YORK, 24),
        (date(2026, 11, 1), NEW_YORK, 25),
        (date(2026, 11, 2), NEW_YORK, 24),
        (date(2026, 3, 29), BERLIN, 23),
        (date(2026, 10, 25), BERLIN, 25),
        (date(2026, 3, 8), ZoneInfo("UTC"), 24),
    ],
)
def test_day_length_across_dst(day: date, tz: ZoneInfo, hours: int) -> None:
    start, end = day_bounds_utc(day, tz)
    assert end - start == timedelta(hours=hours)


def test_a_skipped_calendar_day_has_no_instants() -> None:
    # Samoa jumped from 29 to 31 December 2011 to move across the date line.
    apia = ZoneInfo("Pacific/Apia")
    start, end = day_bounds_utc(date(2011, 12, 30), apia)
    assert start == end
    assert day_bounds_utc(date(2011, 12, 29), apia)[1] == start
    assert day_bounds_utc(date(2011, 12, 31), apia)[0] == start


@settings(max_examples=300, deadline=None)
@given(
    instant=st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001
        max_value=datetime(2040, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    tz_name=st.sampled_from(TRICKY_ZONES),
)
def test_every_instant_falls_inside_its_own_local_day(instant: datetime, tz_name: str) -> None:
    tz = ZoneInfo(tz_name)
    day = local_date(instant, tz)
    start, end = day_bounds_utc(day, tz)
    assert start <= instant < end
    # Consecutive days tile time with no gaps or overlaps.
    assert day_bounds_utc(day + timedelta(days=1), tz)[0] == end
    assert local_date(start, tz) == day


# --------------------------------------------------------------------------------------------
# local_due_instant()
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "at", "tz", "expected"),
    [
        # 09:00 either side of New York's spring forward: EST (UTC-5), then EDT (UTC-4).
        (date(2026, 3, 7), time(9), NEW_YORK, utc(2026, 3, 7, 14)),
        (date(2026, 3, 8), time(9), NEW_YORK, utc(2026, 3, 8, 13)),
        # ...and either side of fall back: EDT, then EST.
        (date(2026, 10, 31), time(9), NEW_YORK, utc(2026, 10, 31, 13)),
        (date(2026, 11, 1), time(9), NEW_YORK, utc(2026, 11, 1, 14)),
        # 02:30 does not exist on 8 March; it becomes 03:30 EDT.
        (date(2026, 3, 8), time(2, 30), NEW_YORK, utc(2026, 3, 8, 7, 30)),
        # 01:30 happens twice on 1 November; the first one (EDT) wins.
        (date(2026, 11, 1), time(1, 30), NEW_YORK, utc(2026, 11, 1, 5, 30)),
        # The same rules in Berlin.
        (date(2026, 3, 28), time(9), BERLIN, utc(2026, 3, 28, 8)),
        (date(2026, 3, 29), time(9), BERLIN, utc(2026, 3, 29, 7)),
        (date(2026, 3, 29), time(2, 30), BERLIN, utc(2026, 3, 29, 1, 30)),
        (date(2026, 10, 25), time(2, 30), BERLIN, utc(2026, 10, 25, 0, 30)),
        (date(2026, 10, 25), time(9), BERLIN, utc(2026, 10, 25, 8)),
        # Far-apart zones: the same wall time is a day apart in UTC.
        (date(2026, 11, 27), time(9), ZoneInfo("Pacific/Kiritimati"), utc(2026, 11, 26, 19)),
        (date(2026, 11, 27), time(9), ZoneInfo("Pacific/Pago_Pago"), utc(2026, 11, 27, 20)),
    ],
)
def test_local_due_instant(day: date, at: time, tz: ZoneInfo, expected: datetime) -> None:
    due = local_due_instant(day, at, tz)
    assert due == expected
    assert due.utcoffset() == timedelta(0)


def test_due_instant_in_the_gap_reads_as_the_shifted_wall_time() -> None:
    due = local_due_instant(date(2026, 3, 8), time(2, 30), NEW_YORK).astimezone(NEW_YORK)
    assert (due.hour, due.minute) == (3, 30)
    assert due.utcoffset() == timedelta(hours=-4)


def test_due_instant_ignores_fold_on_the_requested_time() -> None:
    # Asking with fold=1 must still give the first 01:30, so a reminder never fires an hour late.
    second = time(1, 30, fold=1)
    assert local_due_instant(date(2026, 11, 1), second, NEW_YORK) == utc(2026, 11, 1, 5, 30)


def test_due_instant_rejects_aware_times() -> None:
    with pytest.raises(ValueError, match="wall-clock"):
        local_due_instant(date(2026, 11, 27), time(9, tzinfo=UTC), NEW_YORK)


# --------------------------------------------------------------------------------------------
# parse_window()
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("today", Window.TODAY),
        ("TODAY", Window.TODAY),
        ("  Today  ", Window.TODAY),
        ("daily", Window.TODAY),
        ("week", Window.WEEK),
        ("Week", Window.WEEK),
        ("this week", Window.WEEK),
        ("This  Week", Window.WEEK),
        ("this-week", Window.WEEK),
        ("weekly", Window.WEEK),
        ("month", Window.MONTH),
        ("this month", Window.MONTH),
        ("MONTHLY", Window.MONTH),
        ("all", Window.ALL),
        ("all time", Window.ALL),
        ("alltime", Window.ALL),
        ("all-time", Window.ALL),
        ("All_Time", Window.ALL),
        ("7d", Window.LAST_7_DAYS),
        ("7D", Window.LAST_7_DAYS),
        ("7", Window.LAST_7_DAYS),
        ("7 days", Window.LAST_7_DAYS),
        ("last 7 days", Window.LAST_7_DAYS),
        ("Last-7-Days", Window.LAST_7_DAYS),
        ("30d", Window.LAST_30_DAYS),
        ("30", Window.LAST_30_DAYS),
        ("30 days", Window.LAST_30_DAYS),
        ("last 30 days", Window.LAST_30_DAYS),
        ("", None),
        ("   ", None),
        ("yesterday", None),
        ("weeks ago", None),
        ("90d", None),
        ("1", None),
        ("70", None),
        ("month7", None),
    ],
)
def test_parse_window(token: str, expected: Window | None) -> None:
    assert parse_window(token) is expected


@pytest.mark.parametrize("window", list(Window))
def test_every_window_parses_from_its_own_value(window: Window) -> None:
    assert parse_window(window.value) is window
    assert parse_window(window.value.upper()) is window


# --------------------------------------------------------------------------------------------
# window_period()
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "today", "start", "label"),
    [
        (Window.TODAY, date(2026, 11, 27), date(2026, 11, 27), "Today (Fri 27 Nov)"),
        (Window.TODAY, date(2027, 1, 1), date(2027, 1, 1), "Today (Fri 1 Jan)"),
        # A week inside one month, and its first and last days.
        (Window.WEEK, date(2026, 11, 27), date(2026, 11, 23), "This week (Mon 23 – Fri 27 Nov)"),
        (Window.WEEK, date(2026, 11, 23), date(2026, 11, 23), "This week (Mon 23 Nov)"),
        (Window.WEEK, date(2026, 11, 29), date(2026, 11, 23), "This week (Mon 23 – Sun 29 Nov)"),
        # A week crossing a month boundary.
        (
            Window.WEEK,
            date(2026, 12, 2),
            date(2026, 11, 30),
            "This week (Mon 30 Nov – Wed 2 Dec)",
        ),
        # The last week of the year, before and after New Year's Day.
        (Window.WEEK, date(2026, 12, 31), date(2026, 12, 28), "This week (Mon 28 – Thu 31 Dec)"),
        (
            Window.WEEK,
            date(2027, 1, 1),
            date(2026, 12, 28),
            "This week (Mon 28 Dec 2026 – Fri 1 Jan 2027)",
        ),
        (
            Window.WEEK,
            date(2027, 1, 3),
            date(2026, 12, 28),
            "This week (Mon 28 Dec 2026 – Sun 3 Jan 2027)",
        ),
        (Window.WEEK, date(2027, 1, 4), date(2027, 1, 4), "This week (Mon 4 Jan)"),
        # Calendar month to date.
        (Window.MONTH, date(2026, 11, 27), date(2026, 11, 1), "November 2026"),
        (Window.MONTH, date(2026, 11, 1), date(2026, 11, 1), "November 2026"),
        (Window.MONTH, date(2028, 2, 29), date(2028, 2, 1), "February 2028"),
        (Window.MONTH, date(2027, 1, 1), date(2027, 1, 1), "January 2027"),
        # Rolling windows include today.
        (Window.LAST_7_DAYS, date(2026, 11, 27), date(2026, 11, 21), "Last 7 days"),
        (Window.LAST_7_DAYS, date(2027, 1, 3), date(2026, 12, 28), "Last 7 days"),
        (Window.LAST_30_DAYS, date(2026, 11, 27), date(2026, 10, 29), "Last 30 days"),
        (Window.LAST_30_DAYS, date(2026, 3, 1), date(2026, 1, 31), "Last 30 days"),
        (Window.LAST_30_DAYS, date(2028, 3, 1), date(2028, 2, 1), "Last 30 days"),
        (Window.ALL, date(2026, 11, 27), None, "All time"),
    ],
)
def test_window_period(window: Window, today: date, start: date | None, label: str) -> None:
    assert window_period(window, today=today) == Period(window, start, today, label)


@given(today=st.dates(min_value=date(1971, 1, 1), max_value=date(2100, 12, 31)))
def test_window_periods_have_the_promised_shape(today: date) -> None:
    week = window_period(Window.WEEK, today=today)
    assert week.start is not None
    assert week.start.weekday() == 0
    assert 0 <= (today - week.start).days <= 6

    month = window_period(Window.MONTH, today=today)
    assert month.start == today.replace(day=1)

    for window, days in ((Window.LAST_7_DAYS, 7), (Window.LAST_30_DAYS, 30)):
        period = window_period(window, today=today)
        assert period.start is not None
        assert (period.end - period.start).days + 1 == days

    for window in Window:
        assert window_period(window, today=today).end == today


def test_team_today_comes_from_the_team_zone() -> None:
    # 02:00 UTC on Monday 30 November is still Sunday evening in New York, so the week there
    # is the one that began on Monday 23 November, while Berlin has started a new week.
    now = utc(2026, 11, 30, 2)
    ny_week = window_period(Window.WEEK, today=local_date(now, NEW_YORK))
    berlin_week = window_period(Window.WEEK, today=local_date(now, BERLIN))
    assert ny_week.start == date(2026, 11, 23)
    assert berlin_week.start == date(2026, 11, 30)


@pytest.mark.parametrize(
    ("day", "inside"),
    [
        (date(2026, 11, 22), False),
        (date(2026, 11, 23), True),
        (date(2026, 11, 27), True),
        (date(2026, 11, 28), False),
    ],
)
def test_period_contains(day: date, inside: bool) -> None:
    period = window_period(Window.WEEK, today=date(2026, 11, 27))
    assert period.contains(day) is inside
    assert window_period(Window.ALL, today=date(2026, 11, 27)).contains(day) is (
        day <= date(2026, 11, 27)
    )


# --------------------------------------------------------------------------------------------
# Names and labels
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weekday", "long", "short", "tiny"),
    [
        (0, "Monday", "Mon", "Mo"),
        (2, "Wednesday", "Wed", "We"),
        (3, "Thursday", "Thu", "Th"),
        (6, "Sunday", "Sun", "Su"),
    ],
)
def test_weekday_names(weekday: int, long: str, short: str, tiny: str) -> None:
    assert weekday_name(weekday, style="long") == long
    assert weekday_name(weekday) == short
    assert weekday_name(weekday, style="min") == tiny


@pytest.mark.parametrize(
    ("month", "long", "short"), [(1, "January", "Jan"), (9, "September", "Sep")]
)
def test_month_names(month: int, long: str, short: str) -> None:
    assert month_name(month, style="long") == long
    assert month_name(month) == short


@pytest.mark.parametrize(("weekday", "month"), [(-1, 0), (7, 13)])
def test_names_refuse_numbers_outside_the_week_and_year(weekday: int, month: int) -> None:
    with pytest.raises(ValueError, match="weekday"):
        weekday_name(weekday)
    with pytest.raises(ValueError, match="month"):
        month_name(month)


def test_day_label() -> None:
    assert day_label(date(2026, 11, 27)) == "Fri 27 Nov"
    assert day_label(date(2026, 11, 2), style="long") == "Monday 2 Nov"


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        (date(2026, 11, 27), date(2026, 11, 27), "Fri 27 Nov"),
        (date(2026, 11, 21), date(2026, 11, 27), "Sat 21 – Fri 27 Nov"),
        (date(2026, 11, 28), date(2026, 12, 4), "Sat 28 Nov – Fri 4 Dec"),
        (date(2026, 12, 28), date(2027, 1, 3), "Mon 28 Dec 2026 – Sun 3 Jan 2027"),
    ],
)
def test_span_label(start: date, end: date, label: str) -> None:
    assert span_label(start, end) == label


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (date(2026, 11, 23), date(2026, 11, 23)),
        (date(2026, 11, 29), date(2026, 11, 23)),
        (date(2027, 1, 3), date(2026, 12, 28)),
        (date.min, date.min),
    ],
)
def test_week_start(day: date, monday: date) -> None:
    assert week_start(day) == monday
