"""Slash commands: /connect."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from slackapp import services
from slackapp.blocks.connect import (
    FormContext,
    connection_form,
    help_message,
    log_confirmation,
    notice,
)
from slackapp.intents import IntentKind, interpret_connect
from slackapp.services import Rejection


def connect(
    ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """/connect [text|help]: log a connection, open the form, or explain."""
    ack()
    valueboard = services.from_context(context)
    team_id, user_id = command["team_id"], command["user_id"]
    intent = interpret_connect(command.get("text") or "")
    if intent.kind is IntentKind.TOO_LONG:
        respond(**notice(services.too_long_message(), emoji=":warning:").as_kwargs())
    elif intent.kind is IntentKind.HELP:
        respond(**help_message(daily_goal=valueboard.settings.daily_goal).as_kwargs())
    elif intent.kind is IntentKind.OPEN_FORM:
        start = valueboard.form_start(
            client, team_id=team_id, user_id=user_id, parsed=intent.parsed
        )
        view = connection_form(
            prefill=start.prefill,
            today=start.today,
            form=FormContext(channel_id=command.get("channel_id")),
        )
        client.views_open(trigger_id=command["trigger_id"], view=view)
    elif intent.kind is IntentKind.LOG:
        assert intent.parsed is not None
        outcome = valueboard.log_parsed(
            client, team_id=team_id, user_id=user_id, parsed=intent.parsed
        )
        if isinstance(outcome, Rejection):
            respond(**notice(outcome.message, emoji=":warning:").as_kwargs())
        else:
            respond(**log_confirmation(outcome.result, today=outcome.today).as_kwargs())
    else:
        respond(**notice("That part of Valueboard isn't switched on yet.").as_kwargs())


def register(app: App) -> None:
    """Attach the slash command listeners."""
    app.command("/connect")(connect)
