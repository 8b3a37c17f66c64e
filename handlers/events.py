"""Events API listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from slackapp.slack.workspace import workspace_of
from slackapp.usecases import lifecycle
from slackapp.usecases.deps import from_context


def app_uninstalled(ack: Ack, context: BoltContext) -> None:
    """The workspace removed Valueboard: stop its scheduled posts (saved before the ack)."""
    _deactivate(context, reason="app_uninstalled")
    ack()


def tokens_revoked(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
    """Tokens were revoked: if the bot's was among them, stop the team's scheduled posts."""
    # Only user tokens ("oauth") may be listed; we hold none, so those change nothing here.
    if (event.get("tokens") or {}).get("bot"):
        _deactivate(context, reason="tokens_revoked")
    ack()


def _deactivate(context: BoltContext, *, reason: str) -> None:
    lifecycle.deactivate_team(from_context(context), team_id=workspace_of(context), reason=reason)


def register(app: App) -> None:
    """Attach the event listeners."""
    app.event("app_uninstalled")(app_uninstalled)
    app.event("tokens_revoked")(tokens_revoked)
