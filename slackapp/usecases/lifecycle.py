"""A workspace's life with the app: Slack's retried events, uninstalls and revoked tokens."""

from __future__ import annotations

import logging

from slackapp.store.events import claim_event as store_claim_event
from slackapp.store.teams import deactivate_team as store_deactivate
from slackapp.usecases.deps import Deps

log = logging.getLogger(__name__)


def deactivate_team(deps: Deps, *, team_id: str, reason: str) -> bool:
    """Stop a team's scheduled posts because Slack says we can no longer reach it."""
    with deps.db.session_scope() as session:
        changed = store_deactivate(session, team_id=team_id, reason=reason)
    if changed:
        log.warning("team %s is now inactive (%s): its schedules are stopped", team_id, reason)
    return changed


def claim_event(deps: Deps, *, event_id: str, team_id: str | None) -> bool:
    """Record an Events API delivery; False when it was handled before (a Slack retry)."""
    with deps.db.session_scope() as session:
        return store_claim_event(session, event_id=event_id, team_id=team_id, now=deps.now())
