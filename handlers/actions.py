"""Buttons: undo, open the form, share the leaderboard, edit and delete entries."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackapp.domain.entries import ChangeStatus
from slackapp.domain.intents import BoardUsage
from slackapp.render import ids
from slackapp.render.board import board_message, board_usage, share_refused
from slackapp.render.connect import change_refused, connection_form, undo_done
from slackapp.render.home import notice_modal
from slackapp.render.kit import FormContext
from slackapp.render.settings import settings_modal, settings_refused_view
from slackapp.slack.listening import acknowledge, after_ack
from slackapp.usecases import services

#: chat.postMessage errors that mean "not in this channel": the member can fix these themselves.
SHARE_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived"})


def undo(
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Undo a connection just logged."""
    valueboard = services.from_context(context)
    connection_id = _int(action.get("value"))
    result = valueboard.delete(
        team_id=str(context.team_id), user_id=str(context.user_id), connection_id=connection_id
    )
    if result.status is ChangeStatus.DONE and result.connection is not None:
        respond(replace_original=True, **undo_done(result.connection).as_kwargs())
    else:
        respond(replace_original=False, **change_refused(result.status).as_kwargs())
    valueboard.publish_home(client, team_id=str(context.team_id), user_id=str(context.user_id))


def open_form(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The "Log a connection" button: open the form."""
    valueboard = services.from_context(context)
    start = valueboard.form_start(
        client, team_id=str(context.team_id), user_id=str(context.user_id)
    )
    channel_id = (body.get("channel") or {}).get("id")
    view = connection_form(
        prefill=start.prefill, today=start.today, form=FormContext(channel_id=channel_id)
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def open_settings(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The "Team settings" button (App Home): the settings modal, or a kind refusal in one."""
    valueboard = services.from_context(context)
    team_id, user_id = str(context.team_id), str(context.user_id)
    if not valueboard.may_edit_settings(client, team_id=team_id, user_id=user_id):
        # The Home tab has no channel for an ephemeral reply, so the refusal is a small modal.
        client.views_open(trigger_id=body["trigger_id"], view=settings_refused_view())
        return
    channel_id = (body.get("channel") or {}).get("id")
    view = settings_modal(valueboard.team_settings(team_id=team_id), channel_id=channel_id)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def share_board(
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Share in channel: post the board the member is looking at, saying who shared it."""
    valueboard = services.from_context(context)
    user_id = str(context.user_id)
    outcome = valueboard.leaderboard(
        client, team_id=str(context.team_id), user_id=user_id, text=str(action.get("value") or "")
    )
    if isinstance(outcome, BoardUsage):
        usage = board_usage(unknown=outcome.unknown, clashes=outcome.clashes)
        respond(replace_original=False, **usage.as_kwargs())
        return
    message = board_message(
        outcome.board, viewer_id=user_id, shared=True, sharer_name=outcome.viewer.display_name
    )
    channel_id = (body.get("channel") or {}).get("id") or context.channel_id or ""
    try:
        client.chat_postMessage(channel=channel_id, **message.as_kwargs())
    except SlackApiError as error:
        code = error.response.get("error")
        if code not in SHARE_ERRORS:
            raise
        respond(replace_original=False, **share_refused(code).as_kwargs())
        return
    # The board now lives in the channel; the private copy with its button would only repeat it.
    respond(delete_original=True)


def edit_entry(
    action: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Edit (App Home): open the form prefilled with one of the member's own entries."""
    valueboard = services.from_context(context)
    connection_id = _int(action.get("value"))
    start = valueboard.edit_form(
        team_id=str(context.team_id), user_id=str(context.user_id), connection_id=connection_id
    )
    if isinstance(start, ChangeStatus):
        view = notice_modal(change_refused(start))
    else:
        form = FormContext(
            channel_id=(body.get("channel") or {}).get("id"), connection_id=connection_id
        )
        view = connection_form(prefill=start.prefill, today=start.today, form=form, editing=True)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def delete_entry(
    action: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Delete (App Home, after Slack's confirm dialog): remove one of the member's own entries."""
    valueboard = services.from_context(context)
    team_id, user_id = str(context.team_id), str(context.user_id)
    result = valueboard.delete(
        team_id=team_id, user_id=user_id, connection_id=_int(action.get("value"))
    )
    if result.status is not ChangeStatus.DONE:
        refusal = notice_modal(change_refused(result.status))
        client.views_open(trigger_id=body["trigger_id"], view=refusal)
    valueboard.publish_home(client, team_id=team_id, user_id=user_id)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def register(app: App) -> None:
    """Attach the button listeners."""
    app.action(ids.UNDO_ACTION)(ack=acknowledge, lazy=[after_ack(undo)])
    app.action(ids.OPEN_FORM_ACTION)(ack=acknowledge, lazy=[after_ack(open_form)])
    app.action(ids.OPEN_SETTINGS_ACTION)(ack=acknowledge, lazy=[after_ack(open_settings)])
    app.action(ids.SHARE_BOARD_ACTION)(ack=acknowledge, lazy=[after_ack(share_board)])
    app.action(ids.EDIT_ACTION)(ack=acknowledge, lazy=[after_ack(edit_entry)])
    app.action(ids.DELETE_ACTION)(ack=acknowledge, lazy=[after_ack(delete_entry)])
