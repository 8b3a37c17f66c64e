"""The JSON endpoints a Slack client needs: what a member sees, and the actions they take.

The sandbox's page is built on these; they work for any client (`curl`, tests, `slackapp
sandbox send`). GET /client/boot describes the workspace, GET /client/snapshot?user=U is what
that member sees, GET /client/wait?since=N returns once anything changed after version N, and
each POST acts as a member. Extra routes registered with `add_route` are served alike.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any, Final

from slackapp.sandbox.emulator.log import describe_request, person, place
from slackapp.sandbox.emulator.members import MemberActionError, Outcome
from slackapp.sandbox.emulator.webapi.directory import tz_details
from slackapp.sandbox.emulator.wire import Reply, json_reply
from slackapp.sandbox.emulator.workspace import Message, Workspace

if TYPE_CHECKING:
    from slackapp.sandbox.emulator.core import SlackEmulator

log = logging.getLogger("slackapp.sandbox.emulator")

#: Messages per conversation a snapshot carries.
SNAPSHOT_MESSAGES: Final = 200
#: The longest a long poll waits, in seconds.
MAX_WAIT: Final = 25.0


def serve(
    emulator: SlackEmulator, *, verb: str, path: str, query: dict[str, Any], body: bytes
) -> Reply:
    """Answer one client request."""
    try:
        params: dict[str, Any] = dict(query)
        if body:
            parsed = json.loads(body)
            if not isinstance(parsed, dict):
                raise ValueError("expected a JSON object")
            params.update(parsed)
    except ValueError:
        return json_reply({"ok": False, "error": "invalid_json"}, status=400)
    extra = emulator.routes.get((verb, path))
    try:
        if extra is not None:
            return json_reply(extra(params))
        handler = _GET.get(path) if verb == "GET" else _POST.get(path)
        if handler is None:
            return json_reply({"ok": False, "error": "not_found"}, status=404)
        return json_reply(handler(emulator, params))
    except MemberActionError as error:
        return json_reply(
            {"ok": False, "error": "invalid_action", "detail": str(error)}, status=400
        )
    except ValueError as error:
        # Missing or malformed arguments; anything else is a bug and shows as one (HTTP 500).
        return json_reply(
            {"ok": False, "error": "invalid_arguments", "detail": str(error)}, status=400
        )


def _text(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} is required")
    return value


def _optional(params: dict[str, Any], name: str) -> str | None:
    value = params.get(name)
    return value if isinstance(value, str) and value else None


# ----- reading ----------------------------------------------------------------------------------


def boot(emulator: SlackEmulator, params: dict[str, Any]) -> dict[str, Any]:
    """The workspace: team, members, channels, the app's commands and shortcuts."""
    ws = emulator.ws
    with emulator.lock:
        users = []
        for user in ws.users.values():
            tz_label, offset = tz_details(user.tz)
            users.append(
                {
                    "id": user.id,
                    "name": user.name,
                    "label": user.label,
                    "real_name": user.real_name,
                    "title": user.title,
                    "tz": user.tz,
                    "tz_label": tz_label,
                    "tz_offset": offset,
                    "is_admin": user.is_admin or user.is_owner,
                    "is_bot": user.is_bot,
                    "deleted": user.deleted,
                }
            )
        return {
            "ok": True,
            "team": {"id": ws.team_id, "name": ws.team_name, "domain": ws.domain},
            "bot": {"user_id": ws.bot_user_id, "bot_id": ws.bot_id},
            "app": emulator.surface.as_json(),
            "users": users,
            "channels": _channels(ws),
            "info": emulator.page_info,
            "version": ws.version,
        }


def _channels(ws: Workspace) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "name": c.name,
            "is_private": c.is_private,
            "bot_is_member": c.is_member,
            "is_archived": c.is_archived,
            "topic": c.topic,
        }
        for c in ws.channels.values()
    ]


def _message(message: Message) -> dict[str, Any]:
    return {
        "ts": message.ts,
        "user": message.user,
        "bot": message.bot_id is not None,
        "text": message.text,
        "blocks": message.blocks,
        "files": message.files,
        "ephemeral": message.visible_to is not None,
        "edited": message.edited,
        "command": message.command,
    }


def snapshot(emulator: SlackEmulator, params: dict[str, Any]) -> dict[str, Any]:
    """Everything one member sees: conversations, open modals, their Home tab."""
    user = _text(params, "user")
    ws = emulator.ws
    with emulator.lock:
        conversations: dict[str, list[dict[str, Any]]] = {}
        visible = [c.id for c in ws.channels.values() if not c.is_private or c.is_member]
        for channel in [*visible, ws.dm_of(user)]:
            shown = ws.visible_messages(channel, viewer=user)[-SNAPSHOT_MESSAGES:]
            conversations[channel] = [_message(m) for m in shown]
        home_id = ws.homes.get(user)
        home = ws.views.get(home_id) if home_id else None
        return {
            "ok": True,
            "version": ws.version,
            "user": user,
            "dm": ws.dm_of(user),
            "channels": _channels(ws),
            "conversations": conversations,
            "modals": [
                {**ws.view_payload(v), "errors": dict(v.errors)} for v in ws.modal_stack(user)
            ],
            "home": ws.view_payload(home) if home else None,
            "app_connected": emulator.hub.count() > 0 or bool(emulator.request_url),
            "socket_mode": emulator.hub.count() > 0,
        }


def wait(emulator: SlackEmulator, params: dict[str, Any]) -> dict[str, Any]:
    """Return once the workspace changed after version `since` (or after `timeout` seconds)."""
    since = int(params.get("since") or 0)
    timeout = min(float(params.get("timeout") or MAX_WAIT), MAX_WAIT)
    with emulator.lock:
        if emulator.ws.version <= since and emulator.running:
            emulator.lock.wait_for(
                lambda: emulator.ws.version > since or not emulator.running, timeout
            )
        return {"ok": True, "version": emulator.ws.version}


# ----- acting -----------------------------------------------------------------------------------


def _logged(
    emulator: SlackEmulator, outcome: Outcome, *, kind: str, what: str, user: str, where: str
) -> dict[str, Any]:
    with emulator.lock:
        who, at = person(emulator.ws, user), place(emulator.ws, where) if where else "App Home"
    answer = outcome.answer
    if outcome.error:
        result = outcome.error
    elif answer is not None:
        result = f"{answer.status or 'ack'} in {answer.elapsed * 1000:.0f} ms via {answer.via}"
    else:
        result = "ok"
    log.info("%s", describe_request(kind, what, who=who, where=at, result=result))
    return outcome.as_json()


def command(emulator: SlackEmulator, params: dict[str, Any]) -> dict[str, Any]:
    user, channel, text = _text(params, "user"), _text(params, "channel"), _text(params, "text")
    outcome = emulator.members.command(user=user, channel=channel, text=text)
    return _logged(emulator, outcome, kind="command", what=text[:60], user=user, where=channel)


def message(emulator: SlackEmulator, params: dict[str, Any]) -> dict[str, Any]:
    user, channel, text = _text(params, "user"), _text(params, "channel"), _text(params, "text")
    posted = emulator.members.post(user=user, channel=channel, text=text)
    return {"ok": True, "ts": posted.ts}


def action(emulator: SlackEmulator, params: dict[str, Any]) -> dict[str, Any]:
    user = _text(params, "user")
    values = params.get("values")
    outcome = emulator.members.click(
        user=user,
        block_id=_text(params, "block_id"),
        action_id=str(params.get("action_id") or ""),
        channel=_optional(params, "channel"),
        ts=_optional(params, "ts"),
        view_id=_optional(params, "view_id"),
        value=params.get("value"),
        entered=values if isinstance(values, dict) else None,
    )
    what = f"block_actions {params.get('action_id')}"
    where = _optional(params, "channel") or ""
    return _logged(emulator, outcome, kind="interactive", what=what, user=user, where=where)


def submit(emulator: SlackEmulator, params: dict[str, Any]) -> dict[str, Any]:
    user, view_id = _text(params, "user"), _text(params, "view_id")
    values = params.get("values")
    outcome = emulator.members.submit(
        user=user, view_id=view_id, entered=values if isinstance(values, dict) else None
    )
    return _logged(
        emulator, outcome, kind="interactive", what="view_submission", user=user, where=""
    )


def close(emulator: SlackEmulator, params: dict[str, Any]) -> dict[str, Any]:
    outcome = emulator.members.close(user=_text(params, "user"), view_id=_text(params, "view_id"))
    return outcome.as_json()


def open_app(emulator: SlackEmulator, params: dict[str, Any]) -> dict[str, Any]:
    user = _text(params, "user")
    tab = _optional(params, "tab") or "home"
    outcome = emulator.members.open_app(user=user, tab=tab)
    return _logged(
        emulator, outcome, kind="event", what=f"app_home_opened ({tab})", user=user, where=""
    )


def shortcut(emulator: SlackEmulator, params: dict[str, Any]) -> dict[str, Any]:
    user, channel = _text(params, "user"), _text(params, "channel")
    outcome = emulator.members.shortcut(
        user=user, channel=channel, ts=_text(params, "ts"), callback_id=_text(params, "callback_id")
    )
    what = f"message_action {params.get('callback_id')}"
    return _logged(emulator, outcome, kind="interactive", what=what, user=user, where=channel)


def dismiss(emulator: SlackEmulator, params: dict[str, Any]) -> dict[str, Any]:
    gone = emulator.members.dismiss(
        user=_text(params, "user"), channel=_text(params, "channel"), ts=_text(params, "ts")
    )
    return {"ok": gone}


def fault(emulator: SlackEmulator, params: dict[str, Any]) -> dict[str, Any]:
    """Script a fault: {method, error[, times]}, {method, ratelimit: secs}, {method, slow: secs}."""
    method = _text(params, "method")
    times = params.get("times", 1)
    if "slow" in params:
        emulator.slow(method, float(params["slow"]))
    elif "ratelimit" in params:
        emulator.rate_limit(method, retry_after=int(params["ratelimit"]), times=int(times or 1))
    else:
        emulator.fail(method, _text(params, "error"), times=None if times is None else int(times))
    return {"ok": True, "faults": emulator.describe_faults()}


_GET = {
    "/client/boot": boot,
    "/client/snapshot": snapshot,
    "/client/wait": wait,
}
_POST = {
    "/client/command": command,
    "/client/message": message,
    "/client/action": action,
    "/client/submit": submit,
    "/client/close": close,
    "/client/open_app": open_app,
    "/client/shortcut": shortcut,
    "/client/dismiss": dismiss,
    "/client/fault": fault,
}
