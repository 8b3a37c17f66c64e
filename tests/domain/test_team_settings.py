"""Team settings: the conversions they need and the checks an admin's form must pass."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest

from slackapp.domain.team_settings import (
    DigestMode,
    NudgeMode,
    SettingsField,
    SettingsInput,
    SettingsUpdate,
    can_edit_settings,
    format_time,
    mask_from_work_days,
    parse_time,
    validate_settings,
    work_days_from_mask,
)

VALID = SettingsInput(
    timezone="America/New_York",
    work_days=("0", "1", "2", "3", "4"),
    daily_goal="10",
    nudge_mode="channel",
    nudge_channel="C100",
    nudge_time="09:00",
    digest_mode="weekly",
    digest_channel="C200",
    digest_time="16:30",
    digest_weekday="4",
)


# --- conversions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mask", "days"),
    [
        (31, {0, 1, 2, 3, 4}),
        (1, {0}),
        (64, {6}),
        (127, set(range(7))),
        (0b1010101, {0, 2, 4, 6}),
    ],
)
def test_work_day_mask_round_trip(mask: int, days: set[int]) -> None:
    assert work_days_from_mask(mask) == frozenset(days)
    assert mask_from_work_days(frozenset(days)) == mask


def test_an_empty_mask_falls_back_to_weekdays_and_an_empty_set_is_refused() -> None:
    assert work_days_from_mask(0) == frozenset(range(5))
    with pytest.raises(ValueError):
        mask_from_work_days(frozenset())
    with pytest.raises(ValueError):
        mask_from_work_days(frozenset({7}))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("09:00", time(9, 0)),
        ("23:59", time(23, 59)),
        (" 00:05 ", time(0, 5)),
        ("24:00", None),
        ("9:00", None),
        ("09:60", None),
        ("nine", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_time(raw: str | None, expected: time | None) -> None:
    assert parse_time(raw) == expected
    if expected is not None:
        assert parse_time(format_time(expected)) == expected


@pytest.mark.parametrize(
    ("user_id", "is_admin", "listed", "allowed"),
    [
        ("U1", True, set(), True),
        ("U1", False, {"U1"}, True),
        ("U1", False, {"U2"}, False),
        ("U1", False, set(), False),
    ],
)
def test_who_may_edit_settings(
    user_id: str, is_admin: bool, listed: set[str], allowed: bool
) -> None:
    assert (
        can_edit_settings(user_id=user_id, is_admin=is_admin, admin_user_ids=frozenset(listed))
        is allowed
    )


# --- validation -------------------------------------------------------------------------------


def test_valid_input_becomes_an_update() -> None:
    update = validate_settings(VALID)
    assert update == SettingsUpdate(
        timezone="America/New_York",
        work_days=frozenset(range(5)),
        daily_goal=10,
        nudge_mode=NudgeMode.CHANNEL,
        nudge_channel="C100",
        nudge_time=time(9, 0),
        digest_mode=DigestMode.WEEKLY,
        digest_channel="C200",
        digest_time=time(16, 30),
        digest_weekday=4,
    )


def test_zone_names_are_forgiven_their_case_and_stored_canonically() -> None:
    update = validate_settings(replace(VALID, timezone="  europe/berlin "))
    assert isinstance(update, SettingsUpdate)
    assert update.timezone == "Europe/Berlin"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, SettingsField.TIMEZONE),
        ({"timezone": ""}, SettingsField.TIMEZONE),
        ({"timezone": "localtime"}, SettingsField.TIMEZONE),
        ({"daily_goal": "0"}, SettingsField.DAILY_GOAL),
        ({"daily_goal": "101"}, SettingsField.DAILY_GOAL),
        ({"daily_goal": "-5"}, SettingsField.DAILY_GOAL),
        ({"daily_goal": "ten"}, SettingsField.DAILY_GOAL),
        ({"daily_goal": "2.5"}, SettingsField.DAILY_GOAL),
        ({"daily_goal": None}, SettingsField.DAILY_GOAL),
        ({"work_days": ()}, SettingsField.WORK_DAYS),
        ({"work_days": ("7", "x")}, SettingsField.WORK_DAYS),
        ({"nudge_mode": "channel", "nudge_channel": None}, SettingsField.NUDGE_CHANNEL),
        ({"nudge_mode": "channel", "nudge_channel": "  "}, SettingsField.NUDGE_CHANNEL),
        ({"digest_mode": "daily", "digest_channel": None}, SettingsField.DIGEST_CHANNEL),
        ({"digest_mode": "weekly", "digest_channel": ""}, SettingsField.DIGEST_CHANNEL),
        ({"nudge_time": "25:00"}, SettingsField.NUDGE_TIME),
        ({"digest_time": "noon"}, SettingsField.DIGEST_TIME),
        ({"digest_weekday": "9"}, SettingsField.DIGEST_WEEKDAY),
    ],
)
def test_each_invalid_value_is_reported_on_its_own_field(
    changes: dict[str, object], field: SettingsField
) -> None:
    errors = validate_settings(replace(VALID, **changes))  # type: ignore[arg-type]
    assert isinstance(errors, dict)
    assert set(errors) == {field}
    assert errors[field].strip()


@pytest.mark.parametrize("goal", ["1", "100", " 42 "])
def test_goal_edges_are_accepted(goal: str) -> None:
    update = validate_settings(replace(VALID, daily_goal=goal))
    assert isinstance(update, SettingsUpdate)
    assert update.daily_goal == int(goal)


def test_several_errors_are_reported_together() -> None:
    errors = validate_settings(
        replace(VALID, timezone="Nowhere/Land", daily_goal="0", work_days=(), nudge_channel=None)
    )
    assert isinstance(errors, dict)
    assert set(errors) == {
        SettingsField.TIMEZONE,
        SettingsField.DAILY_GOAL,
        SettingsField.WORK_DAYS,
        SettingsField.NUDGE_CHANNEL,
    }


def test_channels_are_not_needed_when_their_schedule_is_off_or_in_dms() -> None:
    update = validate_settings(
        replace(VALID, nudge_mode="dm", nudge_channel=None, digest_mode="off", digest_channel=None)
    )
    assert isinstance(update, SettingsUpdate)
    assert (update.nudge_mode, update.digest_mode) == (NudgeMode.DM, DigestMode.OFF)


def test_missing_times_take_the_defaults() -> None:
    update = validate_settings(replace(VALID, nudge_time=None, digest_time=None))
    assert isinstance(update, SettingsUpdate)
    assert (update.nudge_time, update.digest_time) == (time(9, 0), time(16, 0))
