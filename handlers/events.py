"""Events API listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from slackapp.slack.workspace import workspace_of
from slackapp.usecases import installs
from slackapp.usecases.deps import from_context


def app_uninstalled(ack: Ack, context: BoltContext) -> None:
    """The workspace removed Valueboard: forget its tokens, stop its posts (before the ack)."""
    _tokens_gone(context, reason="app_uninstalled", revoked_bot=True, revoked_users=[])
    ack()


def tokens_revoked(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
    """Tokens were revoked: forget them; if the bot's was among them, stop the team's posts."""
    tokens = event.get("tokens") or {}
    users = [user for user in tokens.get("oauth") or [] if isinstance(user, str)]
    if tokens.get("bot") or users:
        _tokens_gone(
            context,
            reason="tokens_revoked",
            revoked_bot=bool(tokens.get("bot")),
            revoked_users=users,
        )
    ack()


def _tokens_gone(
    context: BoltContext, *, reason: str, revoked_bot: bool, revoked_users: list[str]
) -> None:
    installs.tokens_gone(
        from_context(context),
        reason=reason,
        workspace_id=workspace_of(context),
        enterprise_id=context.enterprise_id,
        installation_team_id=None if context.is_enterprise_install else context.team_id,
        is_enterprise_install=bool(context.is_enterprise_install),
        revoked_bot=revoked_bot,
        revoked_users=revoked_users,
    )


def register(app: App) -> None:
    """Attach the event listeners."""
    app.event("app_uninstalled")(app_uninstalled)
    app.event("tokens_revoked")(tokens_revoked)
