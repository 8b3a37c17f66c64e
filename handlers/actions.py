"""Buttons: undo, open the form."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from slackapp import ids, services
from slackapp.blocks.connect import FormContext, change_refused, connection_form, undo_done
from slackapp.connections import ChangeStatus


def undo(ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Undo a connection just logged."""
    ack()
    valueboard = services.from_context(context)
    connection_id = _int(action.get("value"))
    result = valueboard.undo(
        team_id=str(context.team_id), user_id=str(context.user_id), connection_id=connection_id
    )
    if result.status is ChangeStatus.DONE and result.connection is not None:
        respond(replace_original=True, **undo_done(result.connection).as_kwargs())
    else:
        respond(replace_original=False, **change_refused(result.status).as_kwargs())


def open_form(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The "Log a connection" button: open the form."""
    ack()
    valueboard = services.from_context(context)
    start = valueboard.form_start(client, team_id=str(context.team_id), user_id=str(context.user_id))
    channel_id = (body.get("channel") or {}).get("id")
    view = connection_form(prefill=start.prefill, today=start.today, form=FormContext(channel_id=channel_id))
    client.views_open(trigger_id=body["trigger_id"], view=view)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def register(app: App) -> None:
    """Attach the button listeners."""
    app.action(ids.UNDO_ACTION)(undo)
    app.action(ids.OPEN_FORM_ACTION)(open_form)
