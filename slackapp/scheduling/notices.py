"""When a channel refuses a schedule's posts: pause that schedule and tell the team's admin once."""

from __future__ import annotations

import logging

from slackapp.render.notices import pause_explanation
from slackapp.scheduling import ledger
from slackapp.scheduling.context import TickContext
from slackapp.scheduling.ledger import Claim
from slackapp.scheduling.report import DeliveryLine, PausedSchedule
from slackapp.slack.posting import tell_admin
from slackapp.store import teams

__all__ = ["pause_refused_schedule"]

log = logging.getLogger(__name__)


def pause_refused_schedule(
    tick: TickContext, claim: Claim, code: str, *, admin_id: str | None
) -> None:
    """Fail `claim`, pause its schedule, and DM the admin who set it up (the first time only)."""
    reason = f"{code} in {claim.target}"
    with tick.session() as session:
        ledger.mark_failed(session, delivery_id=claim.id, error=f"paused: {code}")
        newly = teams.pause_schedule(session, team_id=claim.team_id, kind=claim.kind, reason=reason)
    tick.failed.append(DeliveryLine.of_claim(claim, f"schedule paused: {code}"))
    if not newly:
        return
    log.warning(
        "paused the %s of team %s: %s; telling admin %s",
        claim.kind,
        claim.team_id,
        reason,
        admin_id or "(nobody saved the settings)",
    )
    told = False
    client = tick.client_for(claim.team_id)
    if admin_id and client is not None:
        text = pause_explanation(
            kind=claim.kind, channel=claim.target, error=code, admin_id=admin_id
        )
        told = tell_admin(client, admin_id=admin_id, text=text)
    tick.paused.append(PausedSchedule(claim.team_id, claim.kind.value, claim.target, reason, told))
