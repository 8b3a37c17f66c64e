"""Modal submissions: the connection form (new and edit) and team settings.

Each view has an ack function that validates (errors show inline in the modal) and a lazy
function that saves after the modal has closed.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from slackapp.domain.entries import ChangeStatus, Draft, FormField
from slackapp.domain.team_settings import validate_settings
from slackapp.render import ids
from slackapp.render.connect import (
    change_refused,
    form_errors,
    log_confirmation,
    read_form,
    updated,
)
from slackapp.render.kit import FormContext
from slackapp.render.settings import (
    read_settings_form,
    refusal_errors,
    settings_errors,
    settings_saved,
)
from slackapp.slack.listening import after_ack
from slackapp.slack.posting import tell_member
from slackapp.usecases import services


def check_connection(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """Ack the connection form (new or edit): inline errors, or close it."""
    draft = _draft(body, view, context)
    if isinstance(draft, dict):
        ack(response_action="errors", errors=form_errors(draft))
    else:
        ack()


def save_connection(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Save a new connection from the form and confirm it where the member was."""
    valueboard = services.from_context(context)
    team_id, user_id = _ids(body)
    draft = _draft(body, view, context)
    if isinstance(draft, dict):
        return  # already answered with inline errors
    logged = valueboard.log_draft(
        team_id=team_id,
        user_id=user_id,
        draft=draft,
        source="modal",
        # The view id is unique per opened modal: a second submission of it saves nothing new.
        client_token=f"view:{view['id']}",
    )
    form = FormContext.load(view.get("private_metadata"))
    message = log_confirmation(logged.result, today=logged.today)
    tell_member(client, user_id=user_id, channel_id=form.channel_id, message=message)
    valueboard.publish_home(client, team_id=team_id, user_id=user_id)


def save_edit(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Save changes to one of the member's own entries."""
    valueboard = services.from_context(context)
    team_id, user_id = _ids(body)
    draft = _draft(body, view, context)
    form = FormContext.load(view.get("private_metadata"))
    if isinstance(draft, dict) or form.connection_id is None:
        return
    result = valueboard.update(
        team_id=team_id, user_id=user_id, connection_id=form.connection_id, draft=draft
    )
    if result.status is ChangeStatus.DONE and result.connection is not None:
        message = updated(result.connection)
    else:
        message = change_refused(result.status)
    tell_member(client, user_id=user_id, channel_id=form.channel_id, message=message)
    valueboard.publish_home(client, team_id=team_id, user_id=user_id)


def check_settings(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """Ack the settings form: inline errors (or a lost admin right), or close it."""
    valueboard = services.from_context(context)
    team_id, user_id = _ids(body)
    # Cache only: this runs before the ack, which Slack wants within 3 seconds.
    if not valueboard.may_edit_settings_cached(team_id=team_id, user_id=user_id):
        ack(response_action="errors", errors=refusal_errors())
        return
    update = validate_settings(read_settings_form(view))
    if isinstance(update, dict):
        ack(response_action="errors", errors=settings_errors(update))
        return
    ack()


def save_settings(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Save team settings and show them back to the admin."""
    valueboard = services.from_context(context)
    team_id, user_id = _ids(body)
    update = validate_settings(read_settings_form(view))
    if isinstance(update, dict) or not valueboard.may_edit_settings_cached(
        team_id=team_id, user_id=user_id
    ):
        return  # already answered with inline errors
    saved = valueboard.save_team_settings(team_id=team_id, user_id=user_id, update=update)
    where = FormContext.load(view.get("private_metadata"))
    tell_member(client, user_id=user_id, channel_id=where.channel_id, message=settings_saved(saved))


def _draft(
    body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> Draft | dict[FormField, str]:
    team_id, user_id = _ids(body)
    valueboard = services.from_context(context)
    return valueboard.validate_form(team_id=team_id, user_id=user_id, form=read_form(view))


def _ids(body: dict[str, Any]) -> tuple[str, str]:
    user = body["user"]
    team_id = (body.get("team") or {}).get("id") or user.get("team_id")
    return str(team_id), str(user["id"])


def register(app: App) -> None:
    """Attach the modal listeners."""
    app.view(ids.CONNECT_VIEW)(ack=check_connection, lazy=[after_ack(save_connection)])
    app.view(ids.EDIT_VIEW)(ack=check_connection, lazy=[after_ack(save_edit)])
    app.view(ids.SETTINGS_VIEW)(ack=check_settings, lazy=[after_ack(save_settings)])
