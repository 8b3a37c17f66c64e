"""Modal submissions: the connection form (new and edit) and team settings.

Each view's ack function checks and saves in one step: errors show inline in the modal, and
what the member submitted is committed before the modal closes. The confirmation and the Home
refresh follow the ack.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from slackapp.domain.entries import ChangeStatus
from slackapp.domain.team_settings import TeamSettings
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
from slackapp.slack.listening import OUTCOME, after_ack
from slackapp.slack.posting import tell_member
from slackapp.slack.workspace import workspace_of
from slackapp.usecases import connect, progress, team_settings
from slackapp.usecases.connect import Changed, Logged
from slackapp.usecases.deps import from_context
from slackapp.usecases.team_settings import NotAllowed


def check_connection(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """The connection form: inline errors, or save it and close."""
    team_id, user_id = _ids(body, view, context)
    outcome = connect.submit_form(
        from_context(context),
        team_id=team_id,
        user_id=user_id,
        form=read_form(view),
        # The view id is unique per opened modal: a second submission of it saves nothing new.
        client_token=f"view:{view['id']}",
    )
    if isinstance(outcome, dict):
        ack(response_action="errors", errors=form_errors(outcome))
        return
    context[OUTCOME] = outcome
    ack()


def confirm_connection(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """After the form closed: confirm where the member was, and refresh their Home."""
    outcome = context.get(OUTCOME)
    if not isinstance(outcome, Logged):
        return
    team_id, user_id = _ids(body, view, context)
    form = FormContext.load(view.get("private_metadata"))
    message = log_confirmation(
        outcome.result, today=outcome.today, hint=outcome.hint, follow_up=outcome.follow_up
    )
    tell_member(client, user_id=user_id, channel_id=form.channel_id, message=message)
    progress.after_change(
        from_context(context),
        client,
        team_id=team_id,
        user_id=user_id,
        refresh_profile=outcome.refresh_profile,
    )


def check_edit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """The edit form: inline errors, or save the changes and close."""
    form = FormContext.load(view.get("private_metadata"))
    if form.connection_id is None:
        ack()
        return
    team_id, user_id = _ids(body, view, context)
    outcome = connect.submit_edit(
        from_context(context),
        team_id=team_id,
        user_id=user_id,
        connection_id=form.connection_id,
        form=read_form(view),
    )
    if isinstance(outcome, dict):
        ack(response_action="errors", errors=form_errors(outcome))
        return
    context[OUTCOME] = outcome
    ack()


def confirm_edit(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """After the edit form closed: say what changed (or why not), and refresh the Home."""
    outcome = context.get(OUTCOME)
    if not isinstance(outcome, Changed):
        return
    team_id, user_id = _ids(body, view, context)
    result = outcome.result
    if result.status is ChangeStatus.DONE and result.connection is not None:
        message = updated(result.connection)
    else:
        message = change_refused(result.status)
    form = FormContext.load(view.get("private_metadata"))
    tell_member(client, user_id=user_id, channel_id=form.channel_id, message=message)
    progress.after_change(from_context(context), client, team_id=team_id, user_id=user_id)


def check_settings(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The settings form: inline errors (or a lost admin right), or save it and close."""
    team_id, user_id = _ids(body, view, context)
    outcome = team_settings.submit_settings(
        from_context(context),
        client,
        team_id=team_id,
        user_id=user_id,
        form=read_settings_form(view),
    )
    if isinstance(outcome, NotAllowed):
        ack(response_action="errors", errors=refusal_errors())
    elif isinstance(outcome, dict):
        ack(response_action="errors", errors=settings_errors(outcome))
    else:
        context[OUTCOME] = outcome
        ack()


def confirm_settings(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """After the settings form closed: show the saved settings back to the admin."""
    saved = context.get(OUTCOME)
    if not isinstance(saved, TeamSettings):
        return
    _, user_id = _ids(body, view, context)
    where = FormContext.load(view.get("private_metadata"))
    tell_member(client, user_id=user_id, channel_id=where.channel_id, message=settings_saved(saved))


def _ids(body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> tuple[str, str]:
    return workspace_of(context), str(body["user"]["id"])


def register(app: App) -> None:
    """Attach the modal listeners."""
    app.view(ids.CONNECT_VIEW)(ack=check_connection, lazy=[after_ack(confirm_connection)])
    app.view(ids.EDIT_VIEW)(ack=check_edit, lazy=[after_ack(confirm_edit)])
    app.view(ids.SETTINGS_VIEW)(ack=check_settings, lazy=[after_ack(confirm_settings)])
