"""Shortcuts: log a Slack message as a connection."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from slackapp.render import ids
from slackapp.render.connect import connection_form
from slackapp.render.kit import FormContext
from slackapp.slack.listening import acknowledge, after_ack
from slackapp.slack.messages import message_text
from slackapp.slack.workspace import workspace_of
from slackapp.usecases import connect
from slackapp.usecases.deps import from_context


def log_message(shortcut: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Open the form prefilled with the message's text and permalink."""
    message = shortcut.get("message") or {}
    channel_id = (shortcut.get("channel") or {}).get("id")
    start = connect.form_from_message(
        from_context(context),
        client,
        team_id=workspace_of(context),
        user_id=str(context.user_id),
        channel_id=channel_id,
        message_ts=message.get("ts"),
        text=message_text(message),
        team_domain=(shortcut.get("team") or {}).get("domain"),
    )
    view = connection_form(
        prefill=start.prefill, today=start.today, form=FormContext(channel_id=channel_id)
    )
    client.views_open(trigger_id=shortcut["trigger_id"], view=view)


def register(app: App) -> None:
    """Attach the shortcut listeners."""
    app.shortcut(ids.LOG_MESSAGE_SHORTCUT)(ack=acknowledge, lazy=[after_ack(log_message)])
