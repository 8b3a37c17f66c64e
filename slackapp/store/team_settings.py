"""A team's settings in the database: read them, save them, and a member's nudge opt-out."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import Row, bindparam, inspect, select
from sqlalchemy.orm import Session

from slackapp.domain.calendar import DEFAULT_WORK_DAYS
from slackapp.domain.team_settings import (
    ALL_WEEK_MASK,
    DEFAULT_DAILY_GOAL,
    DEFAULT_DIGEST_TIME,
    DEFAULT_DIGEST_WEEKDAY,
    DEFAULT_NUDGE_TIME,
    DigestMode,
    NudgeMode,
    NudgePreference,
    SettingsUpdate,
    TeamSettings,
    enum_or,
    format_time,
    mask_from_work_days,
    parse_time,
    work_days_from_mask,
)
from slackapp.store.connections import ensure_member, ensure_team
from slackapp.store.db import plain_rows
from slackapp.store.models import Team
from slackapp.store.tallies import rebuild_runs, runs_basis

# --------------------------------------------------------------------------------------------
# Conversions
# --------------------------------------------------------------------------------------------


def _stored_time(value: str | None, default: time) -> time:
    return parse_time(value) or default


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def settings_from_row(team: Team | Row[Any]) -> TeamSettings:
    """The settings a team's row holds (a value the row cannot hold reads as its default)."""
    return TeamSettings(
        team_id=team.team_id,
        timezone=team.timezone,
        work_days=work_days_from_mask(team.work_days_mask),
        daily_goal=team.daily_goal,
        nudge_mode=enum_or(NudgeMode, team.nudge_mode, NudgeMode.OFF),
        nudge_channel=team.nudge_channel,
        nudge_time=_stored_time(team.nudge_time, DEFAULT_NUDGE_TIME),
        digest_mode=enum_or(DigestMode, team.digest_mode, DigestMode.OFF),
        digest_channel=team.digest_channel,
        digest_time=_stored_time(team.digest_time, DEFAULT_DIGEST_TIME),
        digest_weekday=team.digest_weekday,
        updated_by=team.settings_updated_by,
        updated_at=team.settings_updated_at,
        nudge_paused_reason=team.nudge_paused_reason,
        digest_paused_reason=team.digest_paused_reason,
    )


_TEAM = select(*Team.__table__.c).where(Team.team_id == bindparam("team_id"))


def get_settings(
    session: Session,
    *,
    team_id: str,
    default_timezone: str = "UTC",
    default_goal: int = DEFAULT_DAILY_GOAL,
) -> TeamSettings:
    """The team's settings; a team we have no row for yet gets the defaults (nothing is written)."""
    # The session's own Team when it has one (with any change made to it), else a plain row:
    # loading it as an ORM object was a fifth of a small team's digest, sent to every team.
    # An expired one (after a commit, say) would be loaded again anyway, and its row may be
    # gone: read the row instead, as session.get would have.
    team: Team | Row[Any] | None = session.identity_map.get(Session.identity_key(Team, team_id))
    if team is None or inspect(team).expired:
        team = plain_rows(session, _TEAM, {"team_id": team_id}).first()
    if team is not None:
        return settings_from_row(team)
    return TeamSettings(
        team_id=team_id,
        timezone=default_timezone,
        work_days=DEFAULT_WORK_DAYS,
        daily_goal=default_goal,
        nudge_mode=NudgeMode.OFF,
        nudge_channel=None,
        nudge_time=DEFAULT_NUDGE_TIME,
        digest_mode=DigestMode.OFF,
        digest_channel=None,
        digest_time=DEFAULT_DIGEST_TIME,
        digest_weekday=DEFAULT_DIGEST_WEEKDAY,
    )


# --------------------------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------------------------


def save_settings(
    session: Session, *, team_id: str, update: SettingsUpdate, user_id: str, now: datetime
) -> TeamSettings:
    """Store checked settings for the team, noting who saved them and when."""
    team = ensure_team(
        session, team_id=team_id, now=now, timezone=update.timezone, daily_goal=update.daily_goal
    )
    team.timezone = update.timezone
    team.work_days_mask = mask_from_work_days(update.work_days) & ALL_WEEK_MASK
    team.daily_goal = update.daily_goal
    team.nudge_mode = update.nudge_mode.value
    # A channel is kept even while its schedule is off, so switching back on remembers it.
    team.nudge_channel = update.nudge_channel or team.nudge_channel
    team.nudge_time = format_time(update.nudge_time)
    team.digest_mode = update.digest_mode.value
    team.digest_channel = update.digest_channel or team.digest_channel
    team.digest_time = format_time(update.digest_time)
    team.digest_weekday = update.digest_weekday
    # A pause says "the channel refused us". Saving is how an admin tells us they fixed that
    # (picked another channel, or invited the bot and saved again), so every save resumes.
    team.nudge_paused_reason = None
    team.digest_paused_reason = None
    team.settings_updated_by = user_id
    team.settings_updated_at = now
    session.flush()
    if (team.streak_goal, team.streak_days_mask) != runs_basis(team):
        # Another goal or other work days: every streak is counted again, in this transaction.
        rebuild_runs(session, team_id=team_id)
    return settings_from_row(team)


def set_member_nudges(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    enabled: bool,
    now: datetime,
    default_timezone: str = "UTC",
    default_goal: int = DEFAULT_DAILY_GOAL,
) -> NudgePreference:
    """Opt a member out of (or back into) the daily DM nudge."""
    team = ensure_team(
        session, team_id=team_id, now=now, timezone=default_timezone, daily_goal=default_goal
    )
    member = ensure_member(session, team_id=team_id, user_id=user_id, now=now)
    member.nudges_enabled = enabled
    session.flush()
    settings = settings_from_row(team)
    return NudgePreference(
        enabled=enabled,
        team_mode=settings.nudge_mode,
        team_channel=settings.nudge_channel,
        nudge_time=settings.nudge_time,
    )
