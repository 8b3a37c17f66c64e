"""Slash commands: /connect, /leaderboard and /mystats."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient

from slackapp.domain.intents import BoardUsage, IntentKind, interpret_connect
from slackapp.render.board import board_message, board_usage
from slackapp.render.connect import connection_form, help_message, log_confirmation
from slackapp.render.kit import FormContext
from slackapp.render.settings import nudges_preference_message, settings_modal, settings_refused
from slackapp.render.stats import mystats_message
from slackapp.render.widgets import notice
from slackapp.slack.listening import acknowledge, after_ack
from slackapp.usecases import services
from slackapp.usecases.services import Rejection


def connect(
    command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """/connect [text|help]: log a connection, open the form, or explain."""
    valueboard = services.from_context(context)
    team_id, user_id = command["team_id"], command["user_id"]
    intent = interpret_connect(command.get("text") or "")
    if intent.kind is IntentKind.TOO_LONG:
        respond(**notice(services.too_long_message(), emoji=":warning:").as_kwargs())
    elif intent.kind is IntentKind.HELP:
        goal = valueboard.team_settings(team_id=team_id).daily_goal
        respond(**help_message(daily_goal=goal).as_kwargs())
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
            valueboard.publish_home(client, team_id=team_id, user_id=user_id)
    elif intent.kind is IntentKind.SETTINGS:
        # users.info may run first (to know who is an admin), so the modal opens right after.
        if not valueboard.may_edit_settings(client, team_id=team_id, user_id=user_id):
            respond(**settings_refused().as_kwargs())
            return
        view = settings_modal(
            valueboard.team_settings(team_id=team_id), channel_id=command.get("channel_id")
        )
        client.views_open(trigger_id=command["trigger_id"], view=view)
    elif intent.kind in {IntentKind.NUDGES_ON, IntentKind.NUDGES_OFF}:
        preference = valueboard.set_nudges(
            team_id=team_id, user_id=user_id, enabled=intent.kind is IntentKind.NUDGES_ON
        )
        respond(**nudges_preference_message(preference).as_kwargs())


def leaderboard(
    command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """/leaderboard [window] [principle]: the team board, only for the caller, with Share."""
    valueboard = services.from_context(context)
    user_id = command["user_id"]
    outcome = valueboard.leaderboard(
        client, team_id=command["team_id"], user_id=user_id, text=command.get("text") or ""
    )
    if isinstance(outcome, BoardUsage):
        message = board_usage(unknown=outcome.unknown, clashes=outcome.clashes)
    else:
        message = board_message(outcome.board, viewer_id=user_id)
    respond(response_type="ephemeral", **message.as_kwargs())


def mystats(
    command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """/mystats: the caller's day, streaks and week, only for them."""
    valueboard = services.from_context(context)
    mine = valueboard.my_stats(client, team_id=command["team_id"], user_id=command["user_id"])
    message = mystats_message(mine.stats, timezone=mine.profile.timezone)
    respond(response_type="ephemeral", **message.as_kwargs())


def register(app: App) -> None:
    """Attach the slash command listeners."""
    app.command("/connect")(ack=acknowledge, lazy=[after_ack(connect)])
    app.command("/leaderboard")(ack=acknowledge, lazy=[after_ack(leaderboard)])
    app.command("/mystats")(ack=acknowledge, lazy=[after_ack(mystats)])
