"""files.*: the two steps around the upload files_upload_v2 makes (the server takes the bytes)."""

from __future__ import annotations

import mimetypes
from typing import Any

from slackapp.sandbox.emulator.webapi.call import Call
from slackapp.sandbox.emulator.webapi.chat import postable_channel
from slackapp.sandbox.emulator.wire import ApiError, json_value, str_param
from slackapp.sandbox.emulator.workspace import Message, StoredFile, Workspace


def get_upload_url(call: Call) -> dict[str, Any]:
    filename = str_param(call.params, "filename")
    length = str_param(call.params, "length")
    if not filename or not length or not length.isdigit() or int(length) < 1:
        raise ApiError("invalid_arguments")
    file_id = call.ws.new_id("F")
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    call.ws.files[file_id] = StoredFile(file_id, filename, int(length), mimetype=mimetype)
    return {"ok": True, "upload_url": f"{call.base_url}/upload/{file_id}", "file_id": file_id}


def file_object(ws: Workspace, stored: StoredFile, *, base_url: str) -> dict[str, Any]:
    """A file as a message carries it; url_private serves the bytes from the emulator."""
    return {
        "id": stored.id,
        "name": stored.filename,
        "title": stored.title or stored.filename,
        "mimetype": stored.mimetype,
        "size": len(stored.data or b""),
        "url_private": f"{base_url}/files/{stored.id}/{stored.filename}",
        "user": ws.bot_user_id,
    }


def complete_upload(call: Call) -> dict[str, Any]:
    ws = call.ws
    items = json_value(call.params, "files", error="invalid_arguments")
    if not isinstance(items, list) or not items:
        raise ApiError("invalid_arguments")
    channel_ids = [str_param(call.params, "channel_id") or ""]
    channel_ids += (str_param(call.params, "channels") or "").split(",")
    targets = [postable_channel(ws, channel_id) for channel_id in filter(None, channel_ids)]
    completed: list[StoredFile] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise ApiError("invalid_arguments")
        stored = ws.files.get(item["id"])
        if stored is None or stored.data is None:
            raise ApiError("file_not_found")
        stored.title = str(item.get("title") or stored.filename)
        completed.append(stored)
    shared = [file_object(ws, f, base_url=call.base_url) for f in completed]
    for channel in targets:
        ws.add_message(
            Message(
                ts=ws.new_ts(),
                channel=channel,
                text=str_param(call.params, "initial_comment") or "",
                user=ws.bot_user_id,
                bot_id=ws.bot_id,
                files=shared,
            )
        )
    return {"ok": True, "files": [{"id": f.id, "title": f.title} for f in completed]}
