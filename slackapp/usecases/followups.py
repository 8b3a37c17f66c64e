"""Follow-ups: answering the morning DM's buttons, and `/connect followups off|on`.

An answer is one short write transaction before the ack (a conditional update, so a second
click or a second process records nothing twice); the message is updated in place after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from slackapp.domain.calendar import local_date
from slackapp.domain.followups import Answer, Answered, FollowUpItem, FollowUpState
from slackapp.slack.profiles import profile_of
from slackapp.store import followups as store
from slackapp.store.connections import ensure_member
from slackapp.store.models import FollowUp, Member
from slackapp.usecases.deps import Deps

__all__ = ["AnswerView", "FollowUpsChoice", "answer", "set_followups"]


@dataclass(frozen=True, slots=True)
class AnswerView:
    """A recorded click (or why it changed nothing), and the DM it came from as it stands now."""

    answered: Answered
    message_items: tuple[FollowUpItem, ...]
    today: date


@dataclass(frozen=True, slots=True)
class FollowUpsChoice:
    """The member's follow-up choice after `/connect followups off|on`."""

    enabled: bool
    waiting: int


def answer(
    deps: Deps,
    *,
    team_id: str,
    user_id: str,
    follow_up_id: int,
    asked_for: date | None,
    choice: Answer,
) -> AnswerView:
    """Record the member's answer to one follow-up (before the ack)."""
    with deps.db.session_scope() as session:
        team = deps.team_to_read(session, team_id)
        profile = profile_of(user_id, session.get(Member, (team_id, user_id)), team)
        today = local_date(deps.now(), profile.zone)
        answered = store.answer_follow_up(
            session,
            team_id=team_id,
            user_id=user_id,
            follow_up_id=follow_up_id,
            asked_for=asked_for,
            answer=choice,
            now=deps.now(),
            today=today,
        )
        items: tuple[FollowUpItem, ...] = ()
        row = store.follow_up_of(session, team_id=team_id, follow_up_id=follow_up_id)
        if answered.item is not None and row is not None and row.delivery_id is not None:
            items = tuple(
                store.items_of_delivery(session, team_id=team_id, delivery_id=row.delivery_id)
            )
        elif answered.item is not None:
            items = (answered.item,)
        return AnswerView(answered=answered, message_items=items, today=today)


def set_followups(deps: Deps, *, team_id: str, user_id: str, enabled: bool) -> FollowUpsChoice:
    """Turn the member's follow-up DMs off or back on (before the ack)."""
    with deps.db.session_scope() as session:
        deps.team(session, team_id)
        member = ensure_member(session, team_id=team_id, user_id=user_id, now=deps.now())
        store.set_followups_enabled(member, enabled=enabled)
        waiting = session.scalar(
            select(func.count())
            .select_from(FollowUp)
            .where(
                FollowUp.team_id == team_id,
                FollowUp.user_id == user_id,
                FollowUp.state == FollowUpState.OPEN.value,
            )
        )
        return FollowUpsChoice(enabled=enabled, waiting=int(waiting or 0))
