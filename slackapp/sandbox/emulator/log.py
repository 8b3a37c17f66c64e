"""One readable line per Web API call, response_url post and request sent to the app."""

from __future__ import annotations

import json
from typing import Any

from slackapp.sandbox.emulator.recording import RecordedCall
from slackapp.sandbox.emulator.workspace import Workspace

_TEXT_MAX = 70


def _short(text: str, limit: int = _TEXT_MAX) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _value(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def place(ws: Workspace, channel: str | None) -> str:
    """#name for a channel, "DM with Ana" for a DM, the id otherwise."""
    if not channel:
        return "?"
    known = ws.channels.get(channel)
    if known is not None:
        return f"#{known.name}"
    if channel.startswith("D") and channel in ws.ims:
        return f"DM with {person(ws, ws.ims[channel])}"
    if channel[:1] in "UW":
        return f"DM with {person(ws, channel)}"
    return channel


def person(ws: Workspace, user_id: str | None) -> str:
    """A member's name for the log, or their id when unknown."""
    if not user_id:
        return "?"
    user = ws.users.get(user_id)
    return user.label if user else user_id


def _title(view: Any) -> str:
    if not isinstance(view, dict):
        return "?"
    title = view.get("title")
    text = title.get("text") if isinstance(title, dict) else None
    blocks = view.get("blocks")
    count = len(blocks) if isinstance(blocks, list) else 0
    return f'"{text}" ({count} blocks)' if text else f"({count} blocks)"


def describe_call(ws: Workspace, call: RecordedCall, result: str) -> str:
    """What the app asked of Slack, in words, and how Slack answered."""
    p = call.params
    method = call.method
    text = _short(str(p.get("text") or ""))
    if method in {"chat.postMessage", "chat.update"}:
        detail = f'{place(ws, p.get("channel"))}: "{text}"'
    elif method == "chat.postEphemeral":
        detail = f'{place(ws, p.get("channel"))}, only {person(ws, p.get("user"))}: "{text}"'
    elif method in {"chat.delete", "chat.getPermalink"}:
        detail = f"{place(ws, p.get('channel'))} {p.get('ts') or p.get('message_ts')}"
    elif method in {"views.open", "views.push"}:
        detail = f"modal {_title(_value(p, 'view'))}"
    elif method == "views.update":
        detail = f"{p.get('view_id') or p.get('external_id')} → {_title(_value(p, 'view'))}"
    elif method == "views.publish":
        detail = f"Home of {person(ws, p.get('user_id'))} {_title(_value(p, 'view'))}"
    elif method == "users.info":
        detail = person(ws, p.get("user"))
    elif method in {"conversations.join", "conversations.info"}:
        detail = place(ws, p.get("channel"))
    elif method == "conversations.open":
        detail = str(p.get("users") or p.get("channel") or "")
    elif method == "files.getUploadURLExternal":
        detail = f"{p.get('filename')} ({p.get('length')} bytes)"
    elif method == "files.completeUploadExternal":
        detail = f"to {place(ws, p.get('channel_id'))}"
    elif method == "response_url":
        how = (
            "delete original"
            if p.get("delete_original") in (True, "true")
            else "replace original"
            if p.get("replace_original") in (True, "true")
            else str(p.get("response_type") or "ephemeral")
        )
        detail = f'{how}: "{text}"' if text else how
    elif method == "upload":
        detail = f"file {p.get('file_id')} ({len(call.body)} bytes)"
    else:
        shown = {k: v for k, v in p.items() if k != "token" and not isinstance(v, bytes)}
        detail = _short(json.dumps(shown, ensure_ascii=False, default=str), 100) if shown else ""
    return f"{method:<28} {detail}  → {result}"


def describe_request(kind: str, what: str, *, who: str, where: str, result: str) -> str:
    """A request Slack sent the app, in words, and how the app answered."""
    return f"{'→ app ' + kind:<28} {what} ({who}, {where})  → {result}"
