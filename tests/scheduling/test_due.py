"""When posts fall due: work days, local times on both sides of DST, DM zones, digest days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slackapp.domain.team_settings import DigestMode, NudgeMode, TeamSettings
from slackapp.scheduling.due import (
    DeliveryKind,
    Due,
    Recipient,
    TeamSchedule,
    due_between,
    due_deliveries,
    unwanted_reason,
)

NY = ZoneInfo("America/New_York")
WEEKDAYS = frozenset({0, 1, 2, 3, 4})
EVERY_DAY = frozenset(range(7))


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def channel_team(**overrides: object) -> TeamSchedule:
    values: dict[str, object] = {
        "team_id": "T1",
        "timezone": "America/New_York",
        "work_days": WEEKDAYS,
        "nudge_mode": NudgeMode.CHANNEL,
        "nudge_channel": "CNUDGE",
        "nudge_time": time(9, 0),
    }
    values.update(overrides)
    return TeamSchedule(**values)  # type: ignore[arg-type]


def nudges(dues: list[Due]) -> list[Due]:
    return [due for due in dues if due.kind is DeliveryKind.NUDGE]


# -------------------------------------------------------------------------------------------
# Channel nudges
# -------------------------------------------------------------------------------------------


def test_a_fortnight_across_the_march_dst_change_gives_one_nudge_per_work_day_at_nine() -> None:
    # Monday 8 March to Sunday 21 March 2027; New York springs forward on Sunday 14 March.
    dues = due_between(
        channel_team(), members=[], since=utc(2027, 3, 8, 0), until=utc(2027, 3, 22, 6)
    )
    days = [due.local_date for due in dues]
    assert days == [date(2027, 3, d) for d in (8, 9, 10, 11, 12, 15, 16, 17, 18, 19)]
    for due in dues:
        assert due.due_at.astimezone(NY).time() == time(9, 0)
        assert (due.kind, due.target, due.direct) == (DeliveryKind.NUDGE, "CNUDGE", False)
    # 09:00 EST is 14:00 UTC; after the change 09:00 EDT is 13:00 UTC.
    assert {due.due_at.hour for due in dues if due.local_date < date(2027, 3, 14)} == {14}
    assert {due.due_at.hour for due in dues if due.local_date > date(2027, 3, 14)} == {13}


@pytest.mark.parametrize(
    ("nudge_time", "day", "expected_utc"),
    [
        # 02:30 does not exist on 14 March 2027 in New York: it goes out once, at 03:30 EDT.
        (time(2, 30), date(2027, 3, 14), utc(2027, 3, 14, 7, 30)),
        # 01:30 happens twice on 7 November 2027: it goes out once, at the first one (EDT).
        (time(1, 30), date(2027, 11, 7), utc(2027, 11, 7, 5, 30)),
        (time(9, 0), date(2027, 3, 14), utc(2027, 3, 14, 13, 0)),
        (time(0, 0), date(2027, 3, 14), utc(2027, 3, 14, 5, 0)),
        (time(23, 59), date(2027, 11, 7), utc(2027, 11, 8, 4, 59)),
    ],
)
def test_a_time_in_a_dst_gap_or_fold_goes_out_that_day_once(
    nudge_time: time, day: date, expected_utc: datetime
) -> None:
    team = channel_team(nudge_time=nudge_time, work_days=EVERY_DAY)
    start = datetime.combine(day, time(0), tzinfo=NY)
    dues = due_between(
        team,
        members=[],
        since=start - timedelta(seconds=1),
        until=start + timedelta(days=1, hours=-0.01),
    )
    assert [(due.local_date, due.due_at) for due in dues] == [(day, expected_utc)]


@pytest.mark.parametrize(
    ("mask_days", "weekday_dates", "expected"),
    [
        (WEEKDAYS, range(15, 22), 5),
        (frozenset({0, 2, 4}), range(15, 22), 3),
        (frozenset({5, 6}), range(15, 22), 2),
        (EVERY_DAY, range(15, 22), 7),
    ],
)
def test_nudges_come_on_work_days_only(
    mask_days: frozenset[int], weekday_dates: range, expected: int
) -> None:
    team = channel_team(work_days=mask_days)
    dues = due_between(team, members=[], since=utc(2027, 3, 15, 0), until=utc(2027, 3, 22, 4))
    assert len(dues) == expected
    assert all(due.local_date.weekday() in mask_days for due in dues)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2027, 3, 15, 12, 59, 59), []),  # a second early
        (utc(2027, 3, 15, 13, 0), [date(2027, 3, 15)]),  # exactly on time
        (utc(2027, 3, 15, 20, 0), [date(2027, 3, 15)]),  # within the lookback
        (utc(2027, 3, 16, 1, 0), []),  # lookback (8 h) has passed
    ],
)
def test_due_deliveries_looks_back_over_a_window_ending_now(
    now: datetime, expected: list[date]
) -> None:
    dues = due_deliveries(channel_team(), members=[], now=now, lookback=timedelta(hours=8))
    assert [due.local_date for due in dues] == expected


def test_consecutive_windows_never_share_or_drop_a_due_post() -> None:
    # The boundary belongs to the earlier window (since exclusive, until inclusive).
    team = channel_team()
    at_nine = utc(2027, 3, 15, 13, 0)
    assert (
        len(due_between(team, members=[], since=at_nine - timedelta(hours=1), until=at_nine)) == 1
    )
    assert due_between(team, members=[], since=at_nine, until=at_nine + timedelta(hours=1)) == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"is_active": False},
        {"nudge_paused": True},
        {"nudge_mode": NudgeMode.OFF},
        {"nudge_channel": None},
        # Saved after 09:00: today's 09:00 was never promised.
        {"starts_at": utc(2027, 3, 15, 13, 0, 1)},
    ],
)
def test_nothing_is_due_when_the_nudge_is_off_paused_or_set_after_its_time(
    overrides: dict[str, object],
) -> None:
    dues = due_between(
        channel_team(**overrides), members=[], since=utc(2027, 3, 15, 0), until=utc(2027, 3, 15, 23)
    )
    assert dues == []


def test_a_schedule_saved_before_its_time_is_due_that_day() -> None:
    team = channel_team(starts_at=utc(2027, 3, 15, 13, 0))
    dues = due_between(team, members=[], since=utc(2027, 3, 15, 0), until=utc(2027, 3, 15, 23))
    assert [due.local_date for due in dues] == [date(2027, 3, 15)]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        due_between(
            channel_team(),
            members=[],
            since=datetime(2027, 3, 15),  # noqa: DTZ001
            until=utc(2027, 3, 16),
        )


# -------------------------------------------------------------------------------------------
# DM nudges
# -------------------------------------------------------------------------------------------

MEMBERS = [
    Recipient("UNY", "America/New_York"),
    Recipient("UBER", "Europe/Berlin"),
    Recipient("UTOKYO", "Asia/Tokyo"),
    Recipient("UNOZONE", None),  # falls back to the team's zone
    Recipient("UBADZONE", "Mars/Olympus_Mons"),  # unknown: the team's zone too
    Recipient("UOUT", "America/New_York", nudges_enabled=False),
    Recipient("UBOT", "America/New_York", is_bot=True),
    Recipient("UGONE", "America/New_York", deleted=True),
]


def test_dm_nudges_reach_each_member_at_nine_on_their_own_clock() -> None:
    team = channel_team(nudge_mode=NudgeMode.DM, nudge_channel=None)
    dues = due_between(
        team, members=MEMBERS, since=utc(2027, 3, 15, 0), until=utc(2027, 3, 15, 23, 59)
    )
    by_user = {due.target: due for due in dues}
    assert set(by_user) == {"UNY", "UBER", "UNOZONE", "UBADZONE"}
    assert all(due.direct and due.kind is DeliveryKind.NUDGE for due in dues)
    assert by_user["UNY"].due_at == utc(2027, 3, 15, 13, 0)
    assert by_user["UBER"].due_at == utc(2027, 3, 15, 8, 0)  # 09:00 CET
    assert by_user["UNOZONE"].due_at == by_user["UBADZONE"].due_at == utc(2027, 3, 15, 13, 0)
    # Tokyo's Monday 09:00 was 00:00 UTC on the 15th, the window's open end; its Tuesday
    # 09:00 is 00:00 UTC on the 16th.
    later = due_between(
        team, members=MEMBERS, since=utc(2027, 3, 15, 23, 59), until=utc(2027, 3, 16, 1)
    )
    assert [(due.target, due.local_date) for due in later] == [("UTOKYO", date(2027, 3, 16))]


def test_dm_work_days_are_the_members_own_local_days() -> None:
    # Sunday 23:00 UTC is already Monday 08:00 in Tokyo: a work day there, and 09:00 follows.
    team = channel_team(nudge_mode=NudgeMode.DM, nudge_channel=None, timezone="UTC")
    dues = due_between(
        team,
        members=[Recipient("UTOKYO", "Asia/Tokyo"), Recipient("UUTC", "UTC")],
        since=utc(2027, 3, 14, 12),
        until=utc(2027, 3, 15, 1),
    )
    assert [(due.target, due.local_date) for due in dues] == [("UTOKYO", date(2027, 3, 15))]


# -------------------------------------------------------------------------------------------
# Digests
# -------------------------------------------------------------------------------------------


def test_daily_digests_come_every_work_day_at_their_time() -> None:
    team = channel_team(
        nudge_mode=NudgeMode.OFF,
        digest_mode=DigestMode.DAILY,
        digest_channel="CDIGEST",
        digest_time=time(16, 30),
    )
    dues = due_between(team, members=[], since=utc(2027, 3, 8, 0), until=utc(2027, 3, 22, 5))
    assert len(dues) == 10
    for due in dues:
        assert due.kind is DeliveryKind.DIGEST and due.digest is DigestMode.DAILY
        assert due.target == "CDIGEST"
        assert due.due_at.astimezone(NY).time() == time(16, 30)
        assert due.local_date.weekday() < 5


@pytest.mark.parametrize("weekday", range(7))
def test_weekly_digests_come_once_a_week_on_their_weekday_even_a_day_off(weekday: int) -> None:
    team = channel_team(
        nudge_mode=NudgeMode.OFF,
        digest_mode=DigestMode.WEEKLY,
        digest_channel="CDIGEST",
        digest_weekday=weekday,
    )
    dues = due_between(team, members=[], since=utc(2027, 3, 8, 0), until=utc(2027, 3, 22, 5))
    assert [due.local_date.weekday() for due in dues] == [weekday, weekday]
    assert all(due.digest is DigestMode.WEEKLY for due in dues)
    assert all(due.due_at.astimezone(NY).time() == time(16, 0) for due in dues)


def test_nudge_and_digest_come_in_time_order_with_distinct_keys() -> None:
    team = channel_team(digest_mode=DigestMode.DAILY, digest_channel="CNUDGE")
    dues = due_between(team, members=[], since=utc(2027, 3, 15, 0), until=utc(2027, 3, 16, 0))
    assert [due.kind for due in dues] == [DeliveryKind.NUDGE, DeliveryKind.DIGEST]
    assert len({due.key for due in dues}) == 2


@pytest.mark.parametrize(
    "overrides",
    [{"digest_paused": True}, {"digest_channel": None}, {"digest_mode": DigestMode.OFF}],
)
def test_no_digest_when_paused_off_or_without_a_channel(overrides: dict[str, object]) -> None:
    team = channel_team(
        nudge_mode=NudgeMode.OFF,
        **{"digest_mode": DigestMode.DAILY, "digest_channel": "CDIGEST", **overrides},
    )
    assert due_between(team, members=[], since=utc(2027, 3, 15, 0), until=utc(2027, 3, 16, 0)) == []


# -------------------------------------------------------------------------------------------
# Ticks at any rhythm see each post exactly once
# -------------------------------------------------------------------------------------------

ZONES = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]


@settings(max_examples=60, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    minutes=st.integers(0, 24 * 60 - 1),
    cuts=st.lists(st.integers(1, 21 * 24 * 60), max_size=40),
    mode=st.sampled_from([NudgeMode.CHANNEL, NudgeMode.DM]),
)
def test_splitting_time_into_ticks_neither_repeats_nor_loses_a_post(
    zone_name: str, minutes: int, cuts: list[int], mode: NudgeMode
) -> None:
    team = channel_team(
        timezone=zone_name,
        nudge_mode=mode,
        nudge_time=time(minutes // 60, minutes % 60),
        digest_mode=DigestMode.WEEKLY,
        digest_channel="CDIGEST",
        digest_time=time(minutes // 60, minutes % 60),
    )
    members = [Recipient("U1", zone_name), Recipient("U2", "Pacific/Chatham")]
    # Three weeks around the northern spring change (and Lord Howe's half-hour autumn one).
    start = utc(2027, 3, 1)
    whole = due_between(team, members=members, since=start, until=start + timedelta(days=21))
    bounds = sorted({0, 21 * 24 * 60, *cuts})
    pieces: list[Due] = []
    for low, high in pairwise(bounds):
        pieces += due_between(
            team,
            members=members,
            since=start + timedelta(minutes=low),
            until=start + timedelta(minutes=high),
        )
    assert sorted(pieces, key=lambda d: (d.due_at, d.target)) == sorted(
        whole, key=lambda d: (d.due_at, d.target)
    )
    assert len({due.key for due in whole}) == len(whole)


# -------------------------------------------------------------------------------------------
# A claimed post that the schedule no longer wants
# -------------------------------------------------------------------------------------------

DIGEST_TEAM: dict[str, object] = {"digest_mode": DigestMode.DAILY, "digest_channel": "CDIGEST"}
PAUSED_DIGEST: dict[str, object] = {**DIGEST_TEAM, "digest_paused": True}
STOPPED_DIGEST: dict[str, object] = {**DIGEST_TEAM, "is_active": False}
DM_TEAM: dict[str, object] = {"nudge_mode": NudgeMode.DM, "nudge_channel": None}


@pytest.mark.parametrize(
    ("overrides", "kind", "target", "recipient", "reason"),
    [
        ({}, DeliveryKind.NUDGE, "CNUDGE", None, None),
        ({"is_active": False}, DeliveryKind.NUDGE, "CNUDGE", None, "team inactive"),
        ({"nudge_paused": True}, DeliveryKind.NUDGE, "CNUDGE", None, "nudge paused"),
        ({}, DeliveryKind.NUDGE, "COLD", None, "nudge moved to another channel"),
        ({"nudge_mode": NudgeMode.OFF}, DeliveryKind.NUDGE, "CNUDGE", None, "nudge turned off"),
        (DM_TEAM, DeliveryKind.NUDGE, "U1", Recipient("U1"), None),
        (DM_TEAM, DeliveryKind.NUDGE, "U1", None, "member no longer gets nudges"),
        (
            DM_TEAM,
            DeliveryKind.NUDGE,
            "U1",
            Recipient("U1", nudges_enabled=False),
            "member no longer gets nudges",
        ),
        (DIGEST_TEAM, DeliveryKind.DIGEST, "CDIGEST", None, None),
        (
            {**DIGEST_TEAM, "digest_paused": True},
            DeliveryKind.DIGEST,
            "CDIGEST",
            None,
            "digest paused",
        ),
        ({}, DeliveryKind.DIGEST, "CDIGEST", None, "digest turned off"),
        (DIGEST_TEAM, DeliveryKind.DIGEST, "COLD", None, "digest moved to another channel"),
        (
            {**DIGEST_TEAM, "is_active": False},
            DeliveryKind.DIGEST,
            "CDIGEST",
            None,
            "team inactive",
        ),
    ],
)
def test_unwanted_reason_says_why_a_claimed_post_should_not_go(
    overrides: dict[str, object],
    kind: DeliveryKind,
    target: str,
    recipient: Recipient | None,
    reason: str | None,
) -> None:
    team = channel_team(**overrides)
    assert unwanted_reason(team, kind=kind, target=target, recipient=recipient) == reason


def test_a_schedule_from_saved_settings_keeps_its_pauses_and_start() -> None:
    saved = datetime(2027, 3, 15, 14, 30, tzinfo=UTC)
    settings = TeamSettings(
        team_id="T1",
        timezone="America/New_York",
        work_days=WEEKDAYS,
        daily_goal=10,
        nudge_mode=NudgeMode.CHANNEL,
        nudge_channel="CNUDGE",
        nudge_time=time(9, 0),
        digest_mode=DigestMode.WEEKLY,
        digest_channel="CDIGEST",
        digest_time=time(16, 0),
        digest_weekday=4,
        updated_at=saved,
        digest_paused_reason="is_archived in CDIGEST",
    )
    schedule = TeamSchedule.from_settings(settings, is_active=False)
    assert schedule == channel_team(
        digest_mode=DigestMode.WEEKLY,
        digest_channel="CDIGEST",
        digest_time=time(16, 0),
        digest_weekday=4,
        is_active=False,
        digest_paused=True,
        starts_at=saved,
    )
