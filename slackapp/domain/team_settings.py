"""A team's settings: the record, its defaults, and the checks an admin's form must pass."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from typing import TypeVar

from slackapp.domain.calendar import DEFAULT_WORK_DAYS, WorkDays, canonical_zone_name

MIN_DAILY_GOAL = 1


MAX_DAILY_GOAL = 100


DEFAULT_DAILY_GOAL = 10


DEFAULT_NUDGE_TIME = time(9, 0)


DEFAULT_DIGEST_TIME = time(16, 0)


#: Friday: the weekly digest lands as the week winds down.
DEFAULT_DIGEST_WEEKDAY = 4


ALL_WEEK_MASK = 0b1111111


_HH_MM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


class NudgeMode(StrEnum):
    """How the daily nudge reaches people. The value is what the database stores."""

    OFF = "off"
    CHANNEL = "channel"
    DM = "dm"


class DigestMode(StrEnum):
    """How often the digest is posted. The value is what the database stores."""

    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"


class SettingsField(StrEnum):
    """The team settings an admin edits, as validation names them (the renderer picks block ids).

    The values happen to equal the modal's block ids, which end-to-end tests still read back with
    `SettingsField(block_id)`; the modal itself takes its ids from the renderer's own mapping.
    """

    TIMEZONE = "settings_timezone"
    WORK_DAYS = "settings_work_days"
    DAILY_GOAL = "settings_daily_goal"
    NUDGE_MODE = "settings_nudge_mode"
    NUDGE_CHANNEL = "settings_nudge_channel"
    NUDGE_TIME = "settings_nudge_time"
    DIGEST_MODE = "settings_digest_mode"
    DIGEST_CHANNEL = "settings_digest_channel"
    DIGEST_TIME = "settings_digest_time"
    DIGEST_WEEKDAY = "settings_digest_weekday"


@dataclass(frozen=True, slots=True)
class SettingsInput:
    """Raw values from the settings modal, before any checking."""

    timezone: str | None = None
    work_days: tuple[str, ...] = ()
    daily_goal: str | None = None
    nudge_mode: str | None = None
    nudge_channel: str | None = None
    nudge_time: str | None = None
    digest_mode: str | None = None
    digest_channel: str | None = None
    digest_time: str | None = None
    digest_weekday: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SettingsUpdate:
    """Everything an admin can set for a team, checked and ready to save."""

    timezone: str
    work_days: WorkDays
    daily_goal: int
    nudge_mode: NudgeMode
    nudge_channel: str | None
    nudge_time: time
    digest_mode: DigestMode
    digest_channel: str | None
    digest_time: time
    digest_weekday: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamSettings(SettingsUpdate):
    """A team's settings as saved: the admin's choices, who set them last, any paused schedule."""

    team_id: str
    updated_by: str | None = None
    updated_at: datetime | None = None
    nudge_paused_reason: str | None = None
    digest_paused_reason: str | None = None


@dataclass(frozen=True, slots=True)
class NudgePreference:
    """A member's nudge choice, with how the team's nudge currently reaches people."""

    enabled: bool
    team_mode: NudgeMode
    team_channel: str | None
    nudge_time: time


def work_days_from_mask(mask: int) -> WorkDays:
    """The weekday numbers (Monday = 0) set in a Team.work_days_mask (Monday = bit 0)."""
    days = frozenset(day for day in range(7) if mask & (1 << day))
    # The schema forbids an empty mask; should one slip through, Monday to Friday beats a team
    # that can never have a work day.
    return days or DEFAULT_WORK_DAYS


def mask_from_work_days(work_days: WorkDays) -> int:
    """The Team.work_days_mask for a set of weekday numbers (Monday = 0)."""
    if not work_days or not work_days <= frozenset(range(7)):
        raise ValueError(f"work days must be a non-empty set of 0-6, got {sorted(work_days)!r}")
    return sum(1 << day for day in work_days)


def parse_time(value: str | None) -> time | None:
    """A wall-clock time from "HH:MM" (24-hour), else None."""
    match = _HH_MM.fullmatch((value or "").strip())
    if match is None:
        return None
    return time(int(match.group(1)), int(match.group(2)))


def format_time(value: time) -> str:
    """A wall-clock time as "HH:MM", the form the database and Slack's time picker use."""
    return f"{value.hour:02d}:{value.minute:02d}"


def can_edit_settings(*, user_id: str, is_admin: bool, admin_user_ids: frozenset[str]) -> bool:
    """Whether someone may change team settings: a workspace admin or owner, or a listed member."""
    return is_admin or user_id in admin_user_ids


def _channel(value: str | None) -> str | None:
    channel = (value or "").strip()
    return channel or None


def validate_settings(form: SettingsInput) -> SettingsUpdate | dict[SettingsField, str]:
    """Turn what an admin submitted into a SettingsUpdate, or say what is wrong with each field."""
    errors: dict[SettingsField, str] = {}

    timezone = canonical_zone_name(form.timezone)
    if timezone is None:
        errors[SettingsField.TIMEZONE] = (
            "We don't know that time zone. Use a name like America/New_York or Europe/Berlin."
            if (form.timezone or "").strip()
            else "Add your team's time zone, like America/New_York or Europe/Berlin."
        )

    work_days: set[int] = set()
    for raw in form.work_days:
        if raw.isdigit() and int(raw) < 7:
            work_days.add(int(raw))
    if not work_days:
        errors[SettingsField.WORK_DAYS] = "Tick at least one work day."

    goal = 0
    raw_goal = (form.daily_goal or "").strip()
    try:
        goal = int(raw_goal)
    except ValueError:
        errors[SettingsField.DAILY_GOAL] = (
            f"Use a whole number from {MIN_DAILY_GOAL} to {MAX_DAILY_GOAL}."
        )
    else:
        if not MIN_DAILY_GOAL <= goal <= MAX_DAILY_GOAL:
            errors[SettingsField.DAILY_GOAL] = (
                f"Pick a goal from {MIN_DAILY_GOAL} to {MAX_DAILY_GOAL} real connections a day."
            )

    nudge_mode = enum_or(NudgeMode, form.nudge_mode, NudgeMode.OFF)
    nudge_channel = _channel(form.nudge_channel)
    if nudge_mode is NudgeMode.CHANNEL and nudge_channel is None:
        errors[SettingsField.NUDGE_CHANNEL] = "Pick the channel the nudge should go to."
    nudge_time = parse_time(form.nudge_time) if form.nudge_time else DEFAULT_NUDGE_TIME
    if nudge_time is None:
        errors[SettingsField.NUDGE_TIME] = "Pick a time from the list."

    digest_mode = enum_or(DigestMode, form.digest_mode, DigestMode.OFF)
    digest_channel = _channel(form.digest_channel)
    if digest_mode is not DigestMode.OFF and digest_channel is None:
        errors[SettingsField.DIGEST_CHANNEL] = "Pick the channel the digest should go to."
    digest_time = parse_time(form.digest_time) if form.digest_time else DEFAULT_DIGEST_TIME
    if digest_time is None:
        errors[SettingsField.DIGEST_TIME] = "Pick a time from the list."
    raw_weekday = (form.digest_weekday or "").strip()
    digest_weekday = DEFAULT_DIGEST_WEEKDAY
    if raw_weekday:
        if raw_weekday.isdigit() and int(raw_weekday) < 7:
            digest_weekday = int(raw_weekday)
        else:
            errors[SettingsField.DIGEST_WEEKDAY] = "Pick a day from the list."

    if errors or timezone is None or nudge_time is None or digest_time is None:
        return errors
    return SettingsUpdate(
        timezone=timezone,
        work_days=frozenset(work_days),
        daily_goal=goal,
        nudge_mode=nudge_mode,
        nudge_channel=nudge_channel,
        nudge_time=nudge_time,
        digest_mode=digest_mode,
        digest_channel=digest_channel,
        digest_time=digest_time,
        digest_weekday=digest_weekday,
    )


_E = TypeVar("_E", bound=StrEnum)


def enum_or(kind: type[_E], value: str | None, default: _E) -> _E:
    try:
        return kind(value or "")
    except ValueError:
        return default
