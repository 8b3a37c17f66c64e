"""When nudges and digests are due: pure arithmetic over a team's settings and an instant.

Nothing here reads the clock or the database. The scheduler passes a window of time and gets
back every delivery whose local due time falls inside it; the ledger decides what to do with each.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from slackapp.domain.calendar import WorkDays, local_date, local_due_instant, zone
from slackapp.domain.deliveries import DeliveryKind
from slackapp.domain.followups import ASK_TIME
from slackapp.domain.team_settings import DigestMode, NudgeMode, TeamSettings

__all__ = [
    "DeliveryKind",
    "Due",
    "FollowUpAsk",
    "Recipient",
    "TeamSchedule",
    "due_between",
    "due_deliveries",
    "followups_between",
    "unwanted_reason",
]


@dataclass(frozen=True, slots=True)
class Recipient:
    """A member who could get the nudge by DM, with what decides whether they do."""

    user_id: str
    timezone: str | None = None
    nudges_enabled: bool = True
    is_bot: bool = False
    deleted: bool = False

    @property
    def reachable(self) -> bool:
        """Whether a DM nudge should go to this member at all."""
        return self.nudges_enabled and not self.is_bot and not self.deleted


@dataclass(frozen=True, slots=True)
class TeamSchedule:
    """The parts of a team's settings that decide when and where its posts go."""

    team_id: str
    timezone: str
    work_days: WorkDays
    nudge_mode: NudgeMode = NudgeMode.OFF
    nudge_channel: str | None = None
    nudge_time: time = time(9, 0)
    digest_mode: DigestMode = DigestMode.OFF
    digest_channel: str | None = None
    digest_time: time = time(16, 0)
    digest_weekday: int = 4
    is_active: bool = True
    nudge_paused: bool = False
    digest_paused: bool = False
    # When the settings were last saved: a post whose time had already passed then was never
    # promised, so saving at 10:30 does not fire a 09:00 nudge (or a second one elsewhere).
    starts_at: datetime | None = None

    @classmethod
    def from_settings(cls, settings: TeamSettings, *, is_active: bool = True) -> TeamSchedule:
        """The schedule that a team's saved settings (and its pauses) make."""
        return cls(
            team_id=settings.team_id,
            timezone=settings.timezone,
            work_days=settings.work_days,
            nudge_mode=settings.nudge_mode,
            nudge_channel=settings.nudge_channel,
            nudge_time=settings.nudge_time,
            digest_mode=settings.digest_mode,
            digest_channel=settings.digest_channel,
            digest_time=settings.digest_time,
            digest_weekday=settings.digest_weekday,
            is_active=is_active,
            nudge_paused=settings.nudge_paused_reason is not None,
            digest_paused=settings.digest_paused_reason is not None,
            starts_at=settings.updated_at,
        )

    @property
    def zone(self) -> ZoneInfo:
        """The team's time zone (UTC when the stored name is unknown)."""
        return zone(self.timezone)


@dataclass(frozen=True, slots=True)
class Due:
    """One post that is owed: the ledger's key plus when it fell due."""

    team_id: str
    kind: DeliveryKind
    target: str  # a channel id, or a user id for a DM nudge
    local_date: date  # the day it is for, on the clocks of whoever receives it
    due_at: datetime  # aware, UTC
    direct: bool = False  # a DM to the member `target`
    digest: DigestMode | None = None  # DAILY or WEEKLY for digests

    @property
    def key(self) -> tuple[str, str, str, date]:
        """The ledger's unique key: (team, kind, target, local date)."""
        return (self.team_id, self.kind.value, self.target, self.local_date)


def _days(since: datetime, until: datetime, tz: ZoneInfo) -> Iterator[date]:
    # A wall time (even one shifted out of a DST gap) stays on its own local date, so the due
    # instants inside (since, until] all belong to the local dates spanned by the window.
    day, last = local_date(since, tz), local_date(until, tz)
    while day <= last:
        yield day
        day += timedelta(days=1)


def _owed(team: TeamSchedule, due_at: datetime, since: datetime, until: datetime) -> bool:
    if not since < due_at <= until:
        return False
    return team.starts_at is None or due_at >= team.starts_at


def _nudges(
    team: TeamSchedule, members: Sequence[Recipient], since: datetime, until: datetime
) -> Iterator[Due]:
    if team.nudge_paused or team.nudge_mode is NudgeMode.OFF:
        return
    if team.nudge_mode is NudgeMode.CHANNEL:
        if not team.nudge_channel:
            return
        for day in _days(since, until, team.zone):
            if day.weekday() not in team.work_days:
                continue
            due_at = local_due_instant(day, team.nudge_time, team.zone)
            if _owed(team, due_at, since, until):
                yield Due(team.team_id, DeliveryKind.NUDGE, team.nudge_channel, day, due_at)
        return
    for member in members:
        if not member.reachable:
            continue
        # Each member hears at the set time on their own clock, on the team's work days.
        tz = zone(member.timezone, fallback=team.timezone)
        for day in _days(since, until, tz):
            if day.weekday() not in team.work_days:
                continue
            due_at = local_due_instant(day, team.nudge_time, tz)
            if _owed(team, due_at, since, until):
                yield Due(
                    team.team_id, DeliveryKind.NUDGE, member.user_id, day, due_at, direct=True
                )


def _digests(team: TeamSchedule, since: datetime, until: datetime) -> Iterator[Due]:
    if team.digest_paused or team.digest_mode is DigestMode.OFF or not team.digest_channel:
        return
    for day in _days(since, until, team.zone):
        if team.digest_mode is DigestMode.WEEKLY:
            if day.weekday() != team.digest_weekday:
                continue
        elif day.weekday() not in team.work_days:
            continue
        due_at = local_due_instant(day, team.digest_time, team.zone)
        if _owed(team, due_at, since, until):
            yield Due(
                team.team_id,
                DeliveryKind.DIGEST,
                team.digest_channel,
                day,
                due_at,
                digest=team.digest_mode,
            )


def due_between(
    team: TeamSchedule, *, members: Sequence[Recipient], since: datetime, until: datetime
) -> list[Due]:
    """Every post of `team` falling due after `since` and by `until`, in time order."""
    if since.utcoffset() is None or until.utcoffset() is None:
        raise ValueError("due_between needs aware datetimes")
    if not team.is_active or until <= since:
        return []
    found = [*_nudges(team, members, since, until), *_digests(team, since, until)]
    return sorted(found, key=lambda due: (due.due_at, due.kind, due.target))


@dataclass(frozen=True, slots=True)
class FollowUpAsk:
    """A member with follow-ups waiting to be asked, the first due on `first_due` (their day)."""

    team_id: str
    user_id: str
    timezone: str | None
    team_timezone: str
    first_due: date


def followups_between(
    asks: Sequence[FollowUpAsk], *, since: datetime, until: datetime
) -> list[Due]:
    """The follow-up DMs falling due after `since` and by `until`: ASK_TIME on the member's day.

    One DM per member and day asks about every follow-up due by then, so the ledger's key
    (team, "followup", member, day) sends it once.
    """
    if since.utcoffset() is None or until.utcoffset() is None:
        raise ValueError("followups_between needs aware datetimes")
    found: list[Due] = []
    for ask in asks:
        tz = zone(ask.timezone, fallback=ask.team_timezone)
        for day in _days(since, until, tz):
            if day < ask.first_due:
                continue
            due_at = local_due_instant(day, ASK_TIME, tz)
            if since < due_at <= until:
                found.append(
                    Due(ask.team_id, DeliveryKind.FOLLOWUP, ask.user_id, day, due_at, direct=True)
                )
    return sorted(found, key=lambda due: (due.due_at, due.team_id, due.target))


def due_deliveries(
    team: TeamSchedule, *, members: Sequence[Recipient], now: datetime, lookback: timedelta
) -> list[Due]:
    """The posts of `team` that fell due in the `lookback` before `now` (inclusive of `now`)."""
    return due_between(team, members=members, since=now - lookback, until=now)


def unwanted_reason(
    team: TeamSchedule, *, kind: DeliveryKind, target: str, recipient: Recipient | None = None
) -> str | None:
    """Why a post claimed earlier should no longer go to `target` under `team`'s schedule now.

    None when it still should. `recipient` is the member a DM nudge goes to, if still known.
    """
    if not team.is_active:
        return "team inactive"
    if kind is DeliveryKind.NUDGE:
        if team.nudge_paused:
            return "nudge paused"
        if team.nudge_mode is NudgeMode.CHANNEL:
            return None if target == team.nudge_channel else "nudge moved to another channel"
        if team.nudge_mode is NudgeMode.DM:
            reachable = recipient is not None and recipient.reachable
            return None if reachable else "member no longer gets nudges"
        return "nudge turned off"
    if team.digest_paused:
        return "digest paused"
    if team.digest_mode is DigestMode.OFF:
        return "digest turned off"
    return None if target == team.digest_channel else "digest moved to another channel"
