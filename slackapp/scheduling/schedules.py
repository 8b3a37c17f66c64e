"""The teams' schedules as the database holds them, and whether a claimed post is still wanted."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from slackapp.domain.team_settings import DigestMode, NudgeMode, parse_time
from slackapp.scheduling.due import DeliveryKind, Recipient, TeamSchedule, unwanted_reason
from slackapp.scheduling.ledger import Claim
from slackapp.store.models import Member, Team
from slackapp.store.team_settings import settings_from_row

__all__ = [
    "load_claimed_teams",
    "load_schedules",
    "recipient_of",
    "schedule_of",
    "why_unwanted",
]

log = logging.getLogger(__name__)


def schedule_of(team: Team) -> TeamSchedule:
    """The schedule a team's row sets out now."""
    return TeamSchedule.from_settings(settings_from_row(team), is_active=team.is_active)


def recipient_of(member: Member) -> Recipient:
    """A member as a possible DM nudge recipient."""
    return Recipient(
        user_id=member.user_id,
        timezone=member.timezone,
        nudges_enabled=member.nudges_enabled,
        is_bot=member.is_bot,
        deleted=member.deleted,
    )


def _unreadable_time(team: Team) -> str | None:
    # Reading settings falls back to the default time; posting at a time nobody chose would
    # be worse than not posting, so the scheduler passes over such a team instead.
    for column, value in (("nudge_time", team.nudge_time), ("digest_time", team.digest_time)):
        if parse_time(value) is None:
            return column
    return None


def load_schedules(session: Session) -> list[tuple[TeamSchedule, list[Recipient]]]:
    """Every active team with a schedule switched on, with the members its DM nudge may reach."""
    teams = session.scalars(
        select(Team)
        .where(
            Team.is_active.is_(True),
            (Team.nudge_mode != NudgeMode.OFF.value) | (Team.digest_mode != DigestMode.OFF.value),
        )
        .order_by(Team.team_id)
    ).all()
    dm_teams = [team.team_id for team in teams if team.nudge_mode == NudgeMode.DM.value]
    members: dict[str, list[Recipient]] = {}
    if dm_teams:
        rows = session.scalars(
            select(Member)
            .where(Member.team_id.in_(dm_teams), Member.nudges_enabled.is_(True))
            .order_by(Member.team_id, Member.user_id)
        )
        for member in rows:
            members.setdefault(member.team_id, []).append(recipient_of(member))
    plans: list[tuple[TeamSchedule, list[Recipient]]] = []
    for team in teams:
        column = _unreadable_time(team)
        if column is not None:
            # One team's broken row must not hold up everyone else's posts.
            log.error(
                "not scheduling team %s: team %s has an unreadable %s",
                team.team_id,
                team.team_id,
                column,
            )
            continue
        plans.append((schedule_of(team), members.get(team.team_id, [])))
    return plans


MemberKey = tuple[str, str]


def load_claimed_teams(
    session: Session, claims: Sequence[Claim]
) -> tuple[dict[str, Team], dict[MemberKey, Recipient]]:
    """The rows of the claims' teams, and the DM recipients among their targets, as they are now."""
    team_ids = sorted({claim.team_id for claim in claims})
    teams: dict[str, Team] = {}
    for start in range(0, len(team_ids), 500):
        chunk = team_ids[start : start + 500]
        teams.update(
            (t.team_id, t) for t in session.scalars(select(Team).where(Team.team_id.in_(chunk)))
        )
    wanted = sorted(
        {
            (claim.team_id, claim.target)
            for claim in claims
            if claim.kind is DeliveryKind.NUDGE
            and claim.team_id in teams
            and teams[claim.team_id].nudge_mode == NudgeMode.DM.value
        }
    )
    recipients: dict[MemberKey, Recipient] = {}
    for start in range(0, len(wanted), 500):
        chunk_keys = wanted[start : start + 500]
        for member in session.scalars(
            select(Member).where(tuple_(Member.team_id, Member.user_id).in_(chunk_keys))
        ):
            recipients[(member.team_id, member.user_id)] = recipient_of(member)
    return teams, recipients


def why_unwanted(
    schedule: TeamSchedule | None, claim: Claim, *, recipients: Mapping[MemberKey, Recipient]
) -> str | None:
    """Why a claimed delivery should no longer go out (settings changed since), else None."""
    if schedule is None:
        return "team not found"
    recipient = None
    if claim.kind is DeliveryKind.NUDGE and schedule.nudge_mode is NudgeMode.DM:
        recipient = recipients.get((claim.team_id, claim.target))
    return unwanted_reason(schedule, kind=claim.kind, target=claim.target, recipient=recipient)
