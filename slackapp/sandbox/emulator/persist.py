"""Saving what members see (messages and shared files) so a restarted sandbox keeps its history.

Modals, triggers and response URLs are short-lived in Slack too, so they are not kept; Home
tabs are published again whenever a member opens them.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any, Final

from slackapp.sandbox.emulator.workspace import Message, StoredFile, Workspace

FORMAT: Final = 1


def dump(ws: Workspace) -> dict[str, Any]:
    """The workspace's conversations and files as JSON-ready data; the caller holds the lock."""
    messages = {
        channel: [
            {
                "ts": m.ts,
                "text": m.text,
                "user": m.user,
                "blocks": m.blocks,
                "bot_id": m.bot_id,
                "files": m.files,
                "edited": m.edited,
                "command": m.command,
            }
            for m in history
            if m.visible_to is None
        ]
        for channel, history in ws.messages.items()
    }
    files = {
        f.id: {
            "filename": f.filename,
            "title": f.title,
            "mimetype": f.mimetype,
            "data": base64.b64encode(f.data).decode("ascii"),
        }
        for f in ws.files.values()
        if f.data is not None
    }
    return {"format": FORMAT, "messages": messages, "files": files, "next_id": ws.next_id}


def load(ws: Workspace, data: dict[str, Any]) -> None:
    """Restore what `dump` saved into an empty workspace; the caller holds the lock."""
    if data.get("format") != FORMAT:
        return
    for channel, history in (data.get("messages") or {}).items():
        for item in history:
            ws.messages.setdefault(channel, []).append(
                Message(
                    ts=item["ts"],
                    channel=channel,
                    text=item.get("text") or "",
                    user=item.get("user") or "",
                    blocks=item.get("blocks"),
                    bot_id=item.get("bot_id"),
                    files=item.get("files") or [],
                    edited=bool(item.get("edited")),
                    command=item.get("command"),
                )
            )
            ws.note_ts(item["ts"])
    for file_id, item in (data.get("files") or {}).items():
        raw = base64.b64decode(item["data"])
        ws.files[file_id] = StoredFile(
            file_id,
            item["filename"],
            len(raw),
            data=raw,
            title=item.get("title") or "",
            mimetype=item.get("mimetype") or "application/octet-stream",
        )
    ws.next_id = max(ws.next_id, int(data.get("next_id") or 1))
    ws.changed()


def save(ws: Workspace, path: Path) -> None:
    """Write the workspace to `path` atomically; the caller holds the lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(dump(ws)), encoding="utf-8")
    os.replace(temporary, path)


def restore(ws: Workspace, path: Path) -> bool:
    """Load `path` if it holds a saved workspace; whether it did."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict):
        return False
    load(ws, data)
    return True
