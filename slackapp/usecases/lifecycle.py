"""A workspace's life with the app: Slack's retried events, uninstalls and revoked tokens."""

from __future__ import annotations

import logging

from slackapp.store.events import claim_event as store_claim_event
from slackapp.store.teams import deactivate_team as store_deactivate
from slackapp.store.teams import mark_uninstalled
from slackapp.usecases.deps import Deps

log = logging.getLogger(__name__)

#: Slack's own word that the workspace removed the app or its bot token: the retention
#: period (DATA_RETENTION_DAYS) starts. A failed post's token error only stops schedules.
UNINSTALL_REASONS = frozenset({"app_uninstalled", "tokens_revoked"})


def deactivate_team(deps: Deps, *, team_id: str, reason: str) -> bool:
    """Stop a team's scheduled posts because Slack says we can no longer reach it.

    For an uninstall or a revoked bot token, also note when, so its data is deleted once the
    retention period is over (unless it reinstalls first).
    """
    uninstalled = False
    with deps.db.session_scope() as session:
        if reason in UNINSTALL_REASONS:
            deps.team(session, team_id)  # a team that never saved settings still has data
            uninstalled = mark_uninstalled(session, team_id=team_id, at=deps.now())
        changed = store_deactivate(session, team_id=team_id, reason=reason)
    if changed:
        log.warning("team %s is now inactive (%s): its schedules are stopped", team_id, reason)
    if uninstalled:
        log.warning(
            "team %s: its data will be deleted in %d days unless it reinstalls Valueboard",
            team_id,
            deps.settings.data_retention_days,
        )
    return changed


def claim_event(deps: Deps, *, event_id: str, team_id: str | None) -> bool:
    """Record an Events API delivery; False when it was handled before (a Slack retry)."""
    with deps.db.session_scope() as session:
        return store_claim_event(session, event_id=event_id, team_id=team_id, now=deps.now())
