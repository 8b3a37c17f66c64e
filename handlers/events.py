"""Events API listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from slackapp.slack.listening import acknowledge, after_ack
from slackapp.usecases import services


def app_uninstalled(event: dict[str, Any], context: BoltContext) -> None:
    """The workspace removed Valueboard: stop its scheduled posts."""
    _deactivate(context, reason="app_uninstalled")


def tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
    """Tokens were revoked: if the bot's was among them, stop the team's scheduled posts."""
    # Only user tokens ("oauth") may be listed; we hold none, so those change nothing here.
    if (event.get("tokens") or {}).get("bot"):
        _deactivate(context, reason="tokens_revoked")


def _deactivate(context: BoltContext, *, reason: str) -> None:
    if context.team_id:
        services.from_context(context).deactivate_team(team_id=context.team_id, reason=reason)


def register(app: App) -> None:
    """Attach the event listeners."""
    app.event("app_uninstalled")(ack=acknowledge, lazy=[after_ack(app_uninstalled)])
    app.event("tokens_revoked")(ack=acknowledge, lazy=[after_ack(tokens_revoked)])
