"""Which workspace a request belongs to: the one that installed Valueboard, never "None".

Bolt's `context.team_id` is that workspace for single-workspace installs and for Slack Connect
(a modal's `view.app_installed_team_id`, an event's `authorizations`). For an org-wide
(Enterprise Grid) install the authorization carries no team, so the workspace comes from the
payload: `team_id`, the event's `team`, `view.team_id`, `user.team_id`.

Entries belong to the installed workspace. A member of another organisation, acting in a
shared channel, cannot log on its board: they are told so kindly, and nothing is saved.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import BoltContext, BoltResponse

from slackapp.render.widgets import notice

#: Context key of the resolved workspace id.
WORKSPACE = "valueboard_workspace"

NO_WORKSPACE = (
    "Valueboard couldn't tell which workspace that came from, so nothing was saved. "
    "Please try again from a channel or your DM with Valueboard."
)
EXTERNAL_MEMBER = (
    "Valueboard keeps this workspace's board for its own members, so nothing was saved. "
    "To log your own connections, ask an admin of your workspace to add Valueboard there."
)

_INTERACTIVE = {"block_actions", "view_submission", "message_action", "shortcut"}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value and value != "None" else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def installed_workspace(body: dict[str, Any], context: BoltContext) -> str | None:
    """The id of the workspace this request belongs to, or None when nothing says."""
    view, event, user, team = (_dict(body.get(k)) for k in ("view", "event", "user", "team"))
    for candidate in (
        view.get("app_installed_team_id"),
        context.team_id,
        body.get("team_id"),
        event.get("team"),
        view.get("team_id"),
        team.get("id"),
        user.get("team_id"),
    ):
        if found := _text(candidate):
            return found
    return None


def is_external(body: dict[str, Any], workspace_id: str) -> bool:
    """Whether the acting member belongs to another organisation (Slack Connect).

    Within an Enterprise Grid org a member's home workspace may differ from the one they act
    in; they are still of the same organisation, so only non-enterprise payloads are judged.
    """
    if body.get("enterprise") or body.get("enterprise_id") or body.get("is_enterprise_install"):
        return False
    user_team = _text(_dict(body.get("user")).get("team_id"))
    return user_team is not None and user_team != workspace_id


def resolve_workspace(body: dict[str, Any], context: BoltContext, next: Any) -> Any:
    """Middleware: put the workspace in the context, or answer why nothing will happen."""
    kind = body.get("type") or ("slash_command" if "command" in body else None)
    workspace_id = installed_workspace(body, context)
    if workspace_id is None:
        return _refuse(kind, NO_WORKSPACE)
    if kind in _INTERACTIVE and is_external(body, workspace_id):
        return _refuse(kind, EXTERNAL_MEMBER)
    context[WORKSPACE] = workspace_id
    return next()


def workspace_of(context: BoltContext) -> str:
    """The workspace `resolve_workspace` found for this request."""
    workspace_id = context.get(WORKSPACE)
    assert isinstance(workspace_id, str) and workspace_id
    return workspace_id


def _refuse(kind: str | None, text: str) -> BoltResponse:
    message = notice(text, emoji=":information_source:")
    if kind == "slash_command":
        payload: dict[str, Any] = {"response_type": "ephemeral", **message.as_kwargs()}
    elif kind == "view_submission":
        payload = {
            "response_action": "update",
            "view": {
                "type": "modal",
                "title": {"type": "plain_text", "text": "Valueboard"},
                "close": {"type": "plain_text", "text": "Close"},
                "blocks": message.blocks,
            },
        }
    else:
        # Events and buttons have no place to show text in the ack; nothing is done for them.
        return BoltResponse(status=200, body="")
    return BoltResponse(
        status=200,
        body=json.dumps(payload),
        headers={"content-type": "application/json;charset=utf-8"},
    )
