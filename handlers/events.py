"""Events API listeners."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext

from slackapp import services
from slackapp.deliveries import deactivate_team

log = logging.getLogger(__name__)


def app_uninstalled(event: dict[str, Any], context: BoltContext) -> None:
    """The workspace removed Valueboard: stop its scheduled posts."""
    _deactivate(context, reason="app_uninstalled")


def tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
    """Tokens were revoked: if the bot's was among them, stop the team's scheduled posts."""
    # Only user tokens ("oauth") may be listed; we hold none, so those change nothing here.
    if (event.get("tokens") or {}).get("bot"):
        _deactivate(context, reason="tokens_revoked")


def _deactivate(context: BoltContext, *, reason: str) -> None:
    team_id = context.team_id
    if not team_id:
        return
    valueboard = services.from_context(context)
    with valueboard.db.session_scope() as session:
        changed = deactivate_team(session, team_id=team_id, reason=reason)
    if changed:
        log.warning("team %s is now inactive (%s): its schedules are stopped", team_id, reason)


def register(app: App) -> None:
    """Attach the event listeners."""
    app.event("app_uninstalled")(app_uninstalled)
    app.event("tokens_revoked")(tokens_revoked)
