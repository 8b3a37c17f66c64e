"""What Slack's answers change about a team or a member: paused schedules, stopped teams."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from slackapp.domain.deliveries import DeliveryKind
from slackapp.store.models import Member, Team

__all__ = [
    "NO_INSTALLATION",
    "TOKEN_REASONS",
    "deactivate_team",
    "enterprise_of",
    "mark_member_unreachable",
    "mark_uninstalled",
    "note_enterprise",
    "pause_schedule",
    "reactivate_team",
    "team_waiting_for_its_token",
    "teams_of_enterprise",
]

#: Why a team went inactive when its installation is gone from the store (OAuth mode).
NO_INSTALLATION = "no_installation"
#: Why a team went inactive when the cause was its token; a working token later undoes these.
TOKEN_REASONS = frozenset(
    {
        "token_revoked",
        "account_inactive",
        "invalid_auth",
        "app_uninstalled",
        "tokens_revoked",
        NO_INSTALLATION,
    }
)

_PAUSE_REASON_MAX = 200  # Team.nudge_paused_reason's and Team.digest_paused_reason's width
_INACTIVE_REASON_MAX = 64  # Team.inactive_reason's width


def _short(reason: str) -> str:
    if len(reason) <= _PAUSE_REASON_MAX:
        return reason
    return reason[: _PAUSE_REASON_MAX - 1] + "…"


def pause_schedule(session: Session, *, team_id: str, kind: DeliveryKind, reason: str) -> bool:
    """Pause a team's nudge or digest; False when it was already paused (so tell the admin once)."""
    column = Team.nudge_paused_reason if kind is DeliveryKind.NUDGE else Team.digest_paused_reason
    result = session.execute(
        update(Team)
        .where(Team.team_id == team_id, column.is_(None))
        .values({column: _short(reason)})
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def deactivate_team(session: Session, *, team_id: str, reason: str) -> bool:
    """Stop everything scheduled for a team Slack no longer lets us reach; False if already so."""
    result = session.execute(
        update(Team)
        .where(Team.team_id == team_id, Team.is_active.is_(True))
        .values(is_active=False, inactive_reason=reason[:_INACTIVE_REASON_MAX])
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def team_waiting_for_its_token(session: Session) -> str | None:
    """A team that a token problem switched off, if there is one (the id of any one of them)."""
    return session.scalar(
        select(Team.team_id)
        .where(Team.is_active.is_(False), Team.inactive_reason.in_(sorted(TOKEN_REASONS)))
        .limit(1)
    )


def reactivate_team(session: Session, *, team_id: str) -> bool:
    """Switch a team back on after its token works again, if a token problem switched it off."""
    result = session.execute(
        update(Team)
        .where(
            Team.team_id == team_id,
            Team.is_active.is_(False),
            Team.inactive_reason.in_(sorted(TOKEN_REASONS)),
        )
        .values(is_active=True, inactive_reason=None, uninstalled_at=None)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def mark_uninstalled(session: Session, *, team_id: str, at: datetime) -> bool:
    """Remember when the workspace uninstalled (the first time only); False if already known.

    The retention period counts from here; `reactivate_team` (a reinstall) clears it.
    """
    result = session.execute(
        update(Team)
        .where(Team.team_id == team_id, Team.uninstalled_at.is_(None))
        .values(uninstalled_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def mark_member_unreachable(
    session: Session, *, team_id: str, user_id: str, is_bot: bool = False
) -> None:
    """Remember that Slack says this member is a bot or gone, so DM nudges stop trying."""
    values = {"is_bot": True} if is_bot else {"deleted": True}
    session.execute(
        update(Member)
        .where(and_(Member.team_id == team_id, Member.user_id == user_id))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def note_enterprise(session: Session, *, team_id: str, enterprise_id: str) -> bool:
    """Remember the Enterprise Grid organisation of a workspace; False if already known."""
    result = session.execute(
        update(Team)
        .where(
            Team.team_id == team_id,
            or_(Team.enterprise_id.is_(None), Team.enterprise_id != enterprise_id),
        )
        .values(enterprise_id=enterprise_id)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def enterprise_of(session: Session, *, team_id: str) -> str | None:
    """The organisation a workspace belongs to, if it is part of an Enterprise Grid."""
    return session.scalar(select(Team.enterprise_id).where(Team.team_id == team_id))


def teams_of_enterprise(session: Session, *, enterprise_id: str) -> list[str]:
    """Every workspace of an organisation that has used Valueboard."""
    return list(
        session.scalars(
            select(Team.team_id).where(Team.enterprise_id == enterprise_id).order_by(Team.team_id)
        )
    )
