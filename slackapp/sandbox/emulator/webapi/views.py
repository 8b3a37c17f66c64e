"""views.*: modals opened with a trigger, stacked, updated, and each member's Home tab."""

from __future__ import annotations

import time
from typing import Any, Final

from slackapp.sandbox.emulator.webapi.call import Call
from slackapp.sandbox.emulator.wire import ApiError, blocks_param, json_value, str_param
from slackapp.sandbox.emulator.workspace import TRIGGER_SECONDS, Trigger, Workspace

MAX_VIEW_BLOCKS: Final = 100
#: Slack stacks at most three modals.
MAX_STACK: Final = 3


def _view_arg(params: dict[str, Any], *, kinds: tuple[str, ...]) -> dict[str, Any]:
    view = json_value(params, "view", error="invalid_arguments")
    if not isinstance(view, dict) or view.get("type") not in kinds:
        raise ApiError("invalid_arguments")
    blocks_param(view.get("blocks", []), limit=MAX_VIEW_BLOCKS, error="invalid_arguments")
    return view


def _exchange(ws: Workspace, trigger_id: str | None) -> Trigger | None:
    """The trigger's member, once, within its three seconds; None for ids we never issued."""
    if not trigger_id:
        raise ApiError("invalid_arguments")
    trigger = ws.triggers.get(trigger_id)
    if trigger is None:
        # Tests drive the app with trigger ids of their own; Slack would refuse those, but
        # there is no member to show the modal to anyway.
        return None
    if trigger.used:
        raise ApiError("exchanged_trigger_id")
    if time.monotonic() - trigger.issued > TRIGGER_SECONDS:
        raise ApiError("expired_trigger_id")
    trigger.used = True
    return trigger


def _check_hash(ws: Workspace, view_id: str, params: dict[str, Any]) -> None:
    sent = str_param(params, "hash")
    current = ws.views.get(view_id)
    if sent and current is not None and sent != current.hash:
        raise ApiError("hash_conflict")


def open_view(call: Call) -> dict[str, Any]:
    ws = call.ws
    trigger = _exchange(ws, str_param(call.params, "trigger_id"))
    view = _view_arg(call.params, kinds=("modal",))
    view_id = ws.new_id("V")
    user = trigger.user if trigger else None
    stored = ws.store_view(view, view_id=view_id, user=user, root_view_id=view_id)
    if user is not None:
        # A new modal replaces whatever the member had open.
        for old in ws.modals.get(user, []):
            ws.views.pop(old, None)
        ws.modals[user] = [view_id]
    return {"ok": True, "view": ws.view_payload(stored)}


def push_view(call: Call) -> dict[str, Any]:
    ws = call.ws
    trigger = _exchange(ws, str_param(call.params, "trigger_id"))
    view = _view_arg(call.params, kinds=("modal",))
    view_id = ws.new_id("V")
    if trigger is None:
        stored = ws.store_view(view, view_id=view_id, user=None, root_view_id=view_id)
        return {"ok": True, "view": ws.view_payload(stored)}
    stack = ws.modals.setdefault(trigger.user, [])
    if len(stack) >= MAX_STACK:
        raise ApiError("push_limit_reached")
    root = stack[0] if stack else view_id
    stored = ws.store_view(view, view_id=view_id, user=trigger.user, root_view_id=root)
    stored.previous_view_id = stack[-1] if stack else None
    stack.append(view_id)
    return {"ok": True, "view": ws.view_payload(stored)}


def update_view(call: Call) -> dict[str, Any]:
    ws = call.ws
    view_id = str_param(call.params, "view_id")
    external_id = str_param(call.params, "external_id")
    if not view_id and external_id:
        view_id = ws.views_by_external.get(external_id)
        if view_id is None:
            raise ApiError("not_found")
    if not view_id:
        raise ApiError("invalid_arguments")
    view = _view_arg(call.params, kinds=("modal", "home"))
    _check_hash(ws, view_id, call.params)
    stored = ws.store_view(view, view_id=view_id, user=None, root_view_id=None)
    return {"ok": True, "view": ws.view_payload(stored)}


def publish_view(call: Call) -> dict[str, Any]:
    ws = call.ws
    user_id = str_param(call.params, "user_id")
    if not user_id:
        raise ApiError("invalid_arguments")
    view = _view_arg(call.params, kinds=("home",))
    view_id = ws.homes.get(user_id) or ws.new_id("V")
    _check_hash(ws, view_id, call.params)
    ws.homes[user_id] = view_id
    stored = ws.store_view(view, view_id=view_id, user=user_id, root_view_id=view_id)
    return {"ok": True, "view": ws.view_payload(stored)}
