"""Follow-up DMs in the tick: who is owed one, and what each claimed DM asks about.

A member is owed a DM at ASK_TIME on their own day once a follow-up of theirs is due and not
asked yet. The ledger claims it like a DM nudge (key: team, "followup", member, day); composing
it marks the follow-ups it asks about, in the same short transaction, so a retry of the same
claim asks about the same ones and no other DM asks about them again. A DM given up for good
that Slack certainly never showed gives them back (`ledger`): they are asked about the next
morning, under that day's key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from slackapp.domain.followups import FollowUpItem
from slackapp.scheduling.context import TickContext
from slackapp.scheduling.due import FollowUpAsk
from slackapp.scheduling.ledger import Claim
from slackapp.store.followups import due_members, take_for_delivery
from slackapp.store.models import Member, Team

__all__ = ["Asked", "ask_followups", "load_followup_asks"]


def load_followup_asks(session: Session, *, until: datetime) -> list[FollowUpAsk]:
    """Members with a follow-up waiting whose day may have begun by `until` anywhere on Earth."""
    # No zone is more than 14 hours ahead of UTC: the day after `until`'s UTC date covers all.
    through = (until + timedelta(days=1)).date()
    return [
        FollowUpAsk(
            team_id=row.team_id,
            user_id=row.user_id,
            timezone=row.timezone,
            team_timezone=row.team_timezone,
            first_due=row.first_due,
        )
        for row in due_members(session, through=through)
    ]


@dataclass(frozen=True, slots=True)
class Asked:
    """What the claimed follow-up DMs of a batch ask about, and those no longer wanted."""

    asked: list[tuple[Claim, list[FollowUpItem]]]
    unwanted: list[tuple[Claim, str]]


def _unwanted(team: Team | None, member: Member | None) -> str | None:
    if team is None or not team.is_active:
        return "team inactive"
    if member is None or member.deleted or member.is_bot:
        return "member no longer reachable"
    if not member.followups_enabled:
        return "member turned follow-ups off"
    return None


def ask_followups(tick: TickContext, claims: Sequence[Claim]) -> Asked:
    """Mark what each claimed DM asks about (one transaction for the batch)."""
    asked: list[tuple[Claim, list[FollowUpItem]]] = []
    unwanted: list[tuple[Claim, str]] = []
    if not claims:
        return Asked(asked, unwanted)
    with tick.session() as session:
        keys = sorted({(claim.team_id, claim.target) for claim in claims})
        members = {
            (m.team_id, m.user_id): m
            for m in session.scalars(
                select(Member).where(tuple_(Member.team_id, Member.user_id).in_(keys))
            )
        }
        teams = {
            t.team_id: t
            for t in session.scalars(
                select(Team).where(Team.team_id.in_(sorted({c.team_id for c in claims})))
            )
        }
        for claim in claims:
            reason = _unwanted(teams.get(claim.team_id), members.get((claim.team_id, claim.target)))
            if reason is not None:
                unwanted.append((claim, reason))
                continue
            items = take_for_delivery(
                session,
                team_id=claim.team_id,
                user_id=claim.target,
                day=claim.local_date,
                delivery_id=claim.id,
            )
            if items:
                asked.append((claim, items))
            else:
                unwanted.append((claim, "nothing left to ask"))
    return Asked(asked, unwanted)
