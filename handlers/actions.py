"""Buttons: undo, open the form, share the leaderboard, edit and delete entries, forget-me."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackapp.domain.entries import ChangeStatus
from slackapp.domain.intents import BoardUsage
from slackapp.domain.rights import MemberData
from slackapp.render import ids
from slackapp.render.board import board_message, board_usage, share_refused
from slackapp.render.connect import change_refused, connection_form, undo_done
from slackapp.render.home import notice_modal
from slackapp.render.kit import FormContext
from slackapp.render.relationships import people_board_message
from slackapp.render.rights import forget_cancelled, forget_refused, forgotten
from slackapp.render.settings import settings_modal, settings_refused_view
from slackapp.slack.listening import OUTCOME, acknowledge, after_ack, reply_then
from slackapp.slack.posting import post_message
from slackapp.slack.workspace import workspace_of
from slackapp.usecases import board, connect, progress, rights, team_settings
from slackapp.usecases.connect import Changed
from slackapp.usecases.deps import from_context

#: chat.postMessage errors that mean "not in this channel": the member can fix these themselves.
SHARE_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived"})


def remove_ack(ack: Ack, action: dict[str, Any], context: BoltContext) -> None:
    """Undo or Delete: remove the member's own entry before answering."""
    context[OUTCOME] = connect.remove(
        from_context(context),
        team_id=workspace_of(context),
        user_id=str(context.user_id),
        connection_id=_int(action.get("value")),
    )
    ack()


def undone(client: WebClient, respond: Respond, context: BoltContext) -> None:
    """After Undo: replace the confirmation, or say why nothing changed; refresh the Home."""
    outcome = context.get(OUTCOME)
    if not isinstance(outcome, Changed):
        return
    result = outcome.result
    if result.status is ChangeStatus.DONE and result.connection is not None:
        message, replace = undo_done(result.connection), True
    else:
        message, replace = change_refused(result.status), False
    reply_then(
        lambda: respond(replace_original=replace, **message.as_kwargs()),
        lambda: _refresh_home(client, context),
    )


def _refresh_home(client: WebClient, context: BoltContext) -> None:
    progress.after_change(
        from_context(context), client, team_id=workspace_of(context), user_id=str(context.user_id)
    )


def open_form(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The "Log a connection" button: open the form."""
    start = connect.form_start(
        from_context(context), client, team_id=workspace_of(context), user_id=str(context.user_id)
    )
    channel_id = (body.get("channel") or {}).get("id")
    view = connection_form(
        prefill=start.prefill, today=start.today, form=FormContext(channel_id=channel_id)
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def open_settings(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The "Team settings" button (App Home): the settings modal, or a kind refusal in one."""
    deps = from_context(context)
    team_id, user_id = workspace_of(context), str(context.user_id)
    if not team_settings.may_edit_settings(deps, client, team_id=team_id, user_id=user_id):
        # The Home tab has no channel for an ephemeral reply, so the refusal is a small modal.
        client.views_open(trigger_id=body["trigger_id"], view=settings_refused_view())
        return
    channel_id = (body.get("channel") or {}).get("id")
    view = settings_modal(team_settings.team_settings(deps, team_id=team_id), channel_id=channel_id)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def share_board(
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Share in channel: post the board the member is looking at, saying who shared it."""
    user_id = str(context.user_id)
    outcome = board.leaderboard(
        from_context(context),
        client,
        team_id=workspace_of(context),
        user_id=user_id,
        text=str(action.get("value") or ""),
    )
    if isinstance(outcome, BoardUsage):
        usage = board_usage(unknown=outcome.unknown, clashes=outcome.clashes)
        respond(replace_original=False, **usage.as_kwargs())
        return
    sharer = outcome.viewer.display_name
    if isinstance(outcome, board.TeamPeopleBoard):
        message = people_board_message(
            outcome.board, viewer_id=user_id, shared=True, sharer_name=sharer
        )
    else:
        message = board_message(outcome.board, viewer_id=user_id, shared=True, sharer_name=sharer)
    channel_id = (body.get("channel") or {}).get("id") or context.channel_id or ""
    try:
        post_message(client, channel=channel_id, message=message)
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
    connection_id = _int(action.get("value"))
    start = connect.edit_form(
        from_context(context),
        team_id=workspace_of(context),
        user_id=str(context.user_id),
        connection_id=connection_id,
    )
    if isinstance(start, ChangeStatus):
        view = notice_modal(change_refused(start))
    else:
        form = FormContext(
            channel_id=(body.get("channel") or {}).get("id"), connection_id=connection_id
        )
        view = connection_form(prefill=start.prefill, today=start.today, form=form, editing=True)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def deleted(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """After Delete (App Home, behind Slack's confirm dialog): a refusal, and a fresh Home."""
    outcome = context.get(OUTCOME)
    if not isinstance(outcome, Changed):
        return
    if outcome.result.status is not ChangeStatus.DONE:
        refusal = notice_modal(change_refused(outcome.result.status))
        client.views_open(trigger_id=body["trigger_id"], view=refusal)
    progress.after_change(
        from_context(context), client, team_id=workspace_of(context), user_id=str(context.user_id)
    )


def forget_ack(ack: Ack, action: dict[str, Any], context: BoltContext) -> None:
    """Delete my data: everything of the member's goes, in one transaction, before the ack.

    The button carries the id of the member it was shown to; a click by anyone else (a
    forwarded or forged payload) deletes nothing.
    """
    owner = action.get("value")
    context[OUTCOME] = rights.forget_me(
        from_context(context),
        team_id=workspace_of(context),
        user_id=str(context.user_id),
        owner=owner if isinstance(owner, str) else None,
    )
    ack()


def forgot(client: WebClient, respond: Respond, context: BoltContext) -> None:
    """After Delete my data: say what went (in place of the question), and empty the Home."""
    outcome = context.get(OUTCOME)
    if isinstance(outcome, rights.NotYours):
        respond(replace_original=False, **forget_refused().as_kwargs())
        return
    if not isinstance(outcome, MemberData):
        return
    reply_then(
        lambda: respond(replace_original=True, **forgotten(outcome).as_kwargs()),
        lambda: _refresh_home(client, context),
    )


def forget_cancelled_reply(respond: Respond) -> None:
    """Cancel on the forget-me question: nothing changes; the question gives way to that."""
    respond(replace_original=True, **forget_cancelled().as_kwargs())


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def register(app: App) -> None:
    """Attach the button listeners."""
    app.action(ids.UNDO_ACTION)(ack=remove_ack, lazy=[after_ack(undone)])
    app.action(ids.OPEN_FORM_ACTION)(ack=acknowledge, lazy=[after_ack(open_form)])
    app.action(ids.OPEN_SETTINGS_ACTION)(ack=acknowledge, lazy=[after_ack(open_settings)])
    app.action(ids.SHARE_BOARD_ACTION)(ack=acknowledge, lazy=[after_ack(share_board)])
    app.action(ids.EDIT_ACTION)(ack=acknowledge, lazy=[after_ack(edit_entry)])
    app.action(ids.DELETE_ACTION)(ack=remove_ack, lazy=[after_ack(deleted)])
    app.action(ids.FORGET_ME_ACTION)(ack=forget_ack, lazy=[after_ack(forgot)])
    app.action(ids.FORGET_ME_CANCEL_ACTION)(
        ack=acknowledge, lazy=[after_ack(forget_cancelled_reply)]
    )
