"""Second chances: a later try after a transient failure, and claims whose process died."""

from __future__ import annotations

import logging
from datetime import datetime

from slackapp.scheduling import ledger
from slackapp.scheduling.context import TickContext
from slackapp.scheduling.ledger import Claim, Status
from slackapp.scheduling.report import DeliveryLine, duration

__all__ = ["close_abandoned_claims", "retry_later", "take_due_retries"]

log = logging.getLogger(__name__)


def close_abandoned_claims(tick: TickContext) -> None:
    """Fail the claims a process took and never finished; Slack may have them, so no resend."""
    with tick.session() as session:
        for closed in ledger.abandon_stale_claims(session, now=tick.at):
            log.error(
                "delivery %s (%s to %s) was claimed but never finished; not resending it",
                closed.id,
                closed.kind,
                closed.target,
            )
            tick.failed.append(
                DeliveryLine.of_claim(closed, "outcome unknown: its process stopped")
            )


def take_due_retries(tick: TickContext) -> list[Claim]:
    """Claim the retries whose wait is over; those now past the grace period are given up."""
    with tick.session() as session:
        taken, expired = ledger.claim_retries(
            session, now=tick.at, grace=tick.grace, worker=tick.worker
        )
    for claim in expired:
        log.warning(
            "gave up on %s to %s for %s (team %s): still failing after the grace period",
            claim.kind,
            claim.target,
            claim.local_date,
            claim.team_id,
        )
        tick.failed.append(DeliveryLine.of_claim(claim, "gave up: past the grace period"))
    return taken


def retry_later(
    tick: TickContext, claim: Claim, error: str, *, not_before: datetime | None = None
) -> None:
    """After a transient failure: book the next try with backoff, or give up after the last.

    `not_before` is the earliest time Slack will take it again (a 429's Retry-After).
    """
    with tick.session() as session:
        status = ledger.mark_retry(
            session, delivery_id=claim.id, now=tick.at, error=error, not_before=not_before
        )
    if status is Status.RETRY:
        pause = ledger.backoff(claim.attempts)
        if not_before is not None:
            pause = max(pause, not_before - tick.at)
        wait = duration(pause)
        log.warning(
            "%s to %s (team %s) failed (%s); try %d of %d in %s",
            claim.kind,
            claim.target,
            claim.team_id,
            error,
            claim.attempts + 1,
            ledger.MAX_ATTEMPTS,
            wait,
        )
        tick.retrying.append(DeliveryLine.of_claim(claim, f"{error}; next try in {wait}"))
    else:
        log.error(
            "%s to %s gave up after %d tries: %s",
            claim.kind,
            claim.target,
            claim.attempts,
            error,
        )
        detail = f"gave up after {claim.attempts} tries: {error}"
        tick.failed.append(DeliveryLine.of_claim(claim, detail))
