"""Slash commands: /connect, /leaderboard and /mystats.

/connect saves before it answers: a logged connection or a nudge choice is committed, then the
confirmation goes back in the ack itself. Opening a form, the settings check and a stale
profile's refresh follow the ack; the Home is built when the member opens it.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from slackapp.domain.intents import BoardUsage, IntentKind, interpret_connect
from slackapp.render.board import board_message, board_usage
from slackapp.render.connect import connection_form, help_message, log_confirmation
from slackapp.render.followups import followups_preference_message
from slackapp.render.kit import FormContext
from slackapp.render.people import nobody_message, person_message
from slackapp.render.relationships import people_board_message
from slackapp.render.rights import (
    export_failed,
    export_nothing,
    export_started,
    forget_nothing,
    forget_question,
)
from slackapp.render.settings import nudges_preference_message, settings_modal, settings_refused
from slackapp.render.stats import mystats_message
from slackapp.render.widgets import notice
from slackapp.slack.listening import OUTCOME, acknowledge, after_ack, later
from slackapp.slack.workspace import workspace_of
from slackapp.usecases import board, connect, followups, people, progress, rights, team_settings
from slackapp.usecases.connect import Logged, Rejection
from slackapp.usecases.deps import from_context


def connect_ack(
    ack: Ack, command: dict[str, Any], body: dict[str, Any], context: BoltContext
) -> None:
    """/connect [text|help|who @name|export|forget-me|nudges|followups]: save, answer in the ack.

    What follows the ack (connect_after) is started only when there is some: most logs have
    nothing after theirs.
    """
    deps = from_context(context)
    team_id, user_id = workspace_of(context), command["user_id"]
    intent = interpret_connect(command.get("text") or "")
    if intent.kind is IntentKind.TOO_LONG:
        ack(**notice(connect.too_long_message(), emoji=":warning:").as_kwargs())
    elif intent.kind is IntentKind.HELP:
        goal = team_settings.team_settings(deps, team_id=team_id).daily_goal
        ack(**help_message(daily_goal=goal).as_kwargs())
    elif intent.kind is IntentKind.LOG:
        assert intent.parsed is not None
        outcome = connect.log_text(deps, team_id=team_id, user_id=user_id, parsed=intent.parsed)
        context[OUTCOME] = outcome
        if isinstance(outcome, Rejection):
            ack(**notice(outcome.message, emoji=":warning:").as_kwargs())
        else:
            confirmation = log_confirmation(
                outcome.result, today=outcome.today, hint=outcome.hint, follow_up=outcome.follow_up
            )
            ack(**confirmation.as_kwargs())
            if outcome.refresh_profile:
                _after(context, body, command)
    elif intent.kind is IntentKind.WHO:
        assert intent.parsed is not None and intent.parsed.who is not None
        found = people.person(
            deps,
            team_id=team_id,
            user_id=user_id,
            who=intent.parsed.who,
            platform=intent.parsed.platform,
        )
        if isinstance(found, people.Nobody):
            ack(**nobody_message(found.display).as_kwargs())
        else:
            message = person_message(
                found.page, today=found.today, elsewhere=found.elsewhere, waiting=found.waiting
            )
            ack(**message.as_kwargs())
    elif intent.kind is IntentKind.EXPORT:
        # Only a read before the ack: the upload follows it.
        entries = rights.entry_count(deps, team_id=team_id, user_id=user_id)
        context[OUTCOME] = entries
        ack(**(export_started() if entries else export_nothing()).as_kwargs())
        if entries:
            _after(context, body, command)
    elif intent.kind is IntentKind.FORGET_ME:
        held = rights.held_data(deps, team_id=team_id, user_id=user_id)
        message = forget_nothing() if held.empty else forget_question(held, user_id=user_id)
        ack(**message.as_kwargs())
    elif intent.kind in {IntentKind.NUDGES_ON, IntentKind.NUDGES_OFF}:
        preference = team_settings.set_nudges(
            deps, team_id=team_id, user_id=user_id, enabled=intent.kind is IntentKind.NUDGES_ON
        )
        ack(**nudges_preference_message(preference).as_kwargs())
    elif intent.kind in {IntentKind.FOLLOWUPS_ON, IntentKind.FOLLOWUPS_OFF}:
        choice = followups.set_followups(
            deps, team_id=team_id, user_id=user_id, enabled=intent.kind is IntentKind.FOLLOWUPS_ON
        )
        ack(
            **followups_preference_message(
                enabled=choice.enabled, waiting=choice.waiting
            ).as_kwargs()
        )
    else:
        # The form or the settings modal opens after the ack.
        acknowledge(ack, context)
        _after(context, body, command)


def _after(context: BoltContext, body: dict[str, Any], command: dict[str, Any]) -> None:
    later(
        context,
        body,
        connect_after,
        command=command,
        client=context.client,
        respond=context.respond,
        context=context,
    )


def connect_after(
    command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """After /connect's ack: refresh a stale profile after a log, send an export, or open a form."""
    deps = from_context(context)
    team_id, user_id = workspace_of(context), command["user_id"]
    intent = interpret_connect(command.get("text") or "")
    outcome = context.get(OUTCOME)
    if intent.kind is IntentKind.LOG and isinstance(outcome, Logged):
        entry = outcome.result.connection
        progress.after_change(
            deps,
            client,
            team_id=team_id,
            user_id=user_id,
            refresh_profile=outcome.refresh_profile,
            redate=entry if outcome.zone_guessed else None,
            # Published fresh when the member opens it: one build per visit, not per log.
            publish=False,
        )
    elif intent.kind is IntentKind.EXPORT and isinstance(outcome, int) and outcome:
        sent = rights.send_export(deps, client, team_id=team_id, user_id=user_id)
        if isinstance(sent, rights.ExportFailed):
            respond(response_type="ephemeral", **export_failed(sent.reason).as_kwargs())
    elif intent.kind is IntentKind.OPEN_FORM:
        start = connect.form_start(
            deps, client, team_id=team_id, user_id=user_id, parsed=intent.parsed
        )
        view = connection_form(
            prefill=start.prefill,
            today=start.today,
            form=FormContext(channel_id=command.get("channel_id")),
        )
        client.views_open(trigger_id=command["trigger_id"], view=view)
    elif intent.kind is IntentKind.SETTINGS:
        # users.info runs first (is this member an admin?), so the modal opens right after.
        if not team_settings.may_edit_settings(deps, client, team_id=team_id, user_id=user_id):
            respond(**settings_refused().as_kwargs())
            return
        view = settings_modal(
            team_settings.team_settings(deps, team_id=team_id),
            channel_id=command.get("channel_id"),
        )
        client.views_open(trigger_id=command["trigger_id"], view=view)


def leaderboard(
    command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """/leaderboard [window] [principle] | people [window] | relationships [window]: for the
    caller only (the count board with Share)."""
    user_id = command["user_id"]
    outcome = board.leaderboard(
        from_context(context),
        client,
        team_id=workspace_of(context),
        user_id=user_id,
        text=command.get("text") or "",
    )
    if isinstance(outcome, BoardUsage):
        message = board_usage(unknown=outcome.unknown, clashes=outcome.clashes)
    elif isinstance(outcome, board.TeamPeopleBoard):
        message = people_board_message(outcome.board, viewer_id=user_id)
    else:
        message = board_message(outcome.board, viewer_id=user_id)
    respond(response_type="ephemeral", **message.as_kwargs())


def mystats(
    command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """/mystats: the caller's day, streaks and week, only for them."""
    mine = progress.my_stats(
        from_context(context), client, team_id=workspace_of(context), user_id=command["user_id"]
    )
    message = mystats_message(mine.stats, timezone=mine.profile.timezone, replies=mine.replies)
    respond(response_type="ephemeral", **message.as_kwargs())


def register(app: App) -> None:
    """Attach the slash command listeners."""
    app.command("/connect")(connect_ack)
    app.command("/leaderboard")(ack=acknowledge, lazy=[after_ack(leaderboard)])
    app.command("/mystats")(ack=acknowledge, lazy=[after_ack(mystats)])
