"""chat.*: posting, ephemeral replies, edits, deletions and permalinks."""

from __future__ import annotations

from typing import Any, Final

from slackapp.sandbox.emulator.webapi.call import Call
from slackapp.sandbox.emulator.wire import ApiError, blocks_param, json_value, str_param
from slackapp.sandbox.emulator.workspace import Message, Workspace

# Slack's own limits; enforcing them here catches oversized messages before real Slack does.
MAX_MESSAGE_BLOCKS: Final = 50
MAX_TEXT_CHARS: Final = 40_000


def postable_channel(ws: Workspace, raw: str | None) -> str:
    """Resolve a channel argument the way chat.postMessage does, or raise its error."""
    if not raw:
        raise ApiError("channel_not_found")
    channel = ws.channels.get(raw)
    if channel is None and (raw.startswith("#") or raw[0] not in "CGDUW"):
        # Slack also takes a channel name; ids always start with an upper-case letter.
        channel = ws.channel_by_name(raw.removeprefix("#"))
        if channel is None:
            raise ApiError("channel_not_found")
    if channel is not None:
        if channel.is_archived:
            raise ApiError("is_archived")
        if not channel.is_member:
            # A bot outside a private channel cannot even see that it exists.
            raise ApiError("channel_not_found" if channel.is_private else "not_in_channel")
        return channel.id
    if raw[0] in "UW":
        # Posting to a user id lands in the bot's DM with that person.
        return ws.dm_of(raw)
    # Unknown ids are accepted, as tests post to channels they never declared.
    return raw


def message_content(params: dict[str, Any], *, required: bool) -> dict[str, Any]:
    """Text and blocks of a message, checked against Slack's limits."""
    text = str_param(params, "text")
    blocks = blocks_param(
        json_value(params, "blocks", error="invalid_blocks"),
        limit=MAX_MESSAGE_BLOCKS,
        error="invalid_blocks",
    )
    if required and not text and not blocks and not params.get("attachments"):
        raise ApiError("no_text")
    if text is not None and len(text) > MAX_TEXT_CHARS:
        raise ApiError("msg_too_long")
    content: dict[str, Any] = {"text": text or ""}
    if blocks is not None:
        content["blocks"] = blocks
    return content


def post_message(call: Call) -> dict[str, Any]:
    ws = call.ws
    channel = postable_channel(ws, str_param(call.params, "channel"))
    content = message_content(call.params, required=True)
    message = ws.add_message(
        Message(
            ts=ws.new_ts(),
            channel=channel,
            text=content["text"],
            blocks=content.get("blocks"),
            user=ws.bot_user_id,
            bot_id=ws.bot_id,
        )
    )
    payload = message.as_api(team_id=ws.team_id)
    thread_ts = str_param(call.params, "thread_ts")
    if thread_ts:
        payload["thread_ts"] = thread_ts
    return {"ok": True, "channel": channel, "ts": message.ts, "message": payload}


def post_ephemeral(call: Call) -> dict[str, Any]:
    ws = call.ws
    channel = postable_channel(ws, str_param(call.params, "channel"))
    user = str_param(call.params, "user")
    if not user:
        raise ApiError("user_not_found")
    content = message_content(call.params, required=True)
    message = ws.add_message(
        Message(
            ts=ws.new_ts(),
            channel=channel,
            text=content["text"],
            blocks=content.get("blocks"),
            user=ws.bot_user_id,
            bot_id=ws.bot_id,
            visible_to=user,
        )
    )
    return {"ok": True, "message_ts": message.ts}


def _existing(call: Call, *, ts_param: str) -> tuple[str, str, Message | None]:
    ws = call.ws
    channel = str_param(call.params, "channel")
    if not channel:
        raise ApiError("channel_not_found")
    known = ws.channels.get(channel)
    if known is not None and known.is_archived:
        raise ApiError("is_archived")
    ts = str_param(call.params, ts_param)
    if not ts:
        raise ApiError("message_not_found")
    return channel, ts, ws.find_message(channel, ts)


def update(call: Call) -> dict[str, Any]:
    ws = call.ws
    channel, ts, found = _existing(call, ts_param="ts")
    content = message_content(call.params, required=False)
    if found is not None:
        if found.bot_id != ws.bot_id or found.visible_to is not None:
            raise ApiError("cant_update_message")
        found.text = content["text"]
        if "blocks" in content:
            found.blocks = content["blocks"]
        found.edited = True
        ws.changed()
    message = {**content, "user": ws.bot_user_id, "bot_id": ws.bot_id}
    return {"ok": True, "channel": channel, "ts": ts, "text": content["text"], "message": message}


def delete(call: Call) -> dict[str, Any]:
    ws = call.ws
    channel, ts, found = _existing(call, ts_param="ts")
    if found is not None:
        if found.bot_id != ws.bot_id or found.visible_to is not None:
            raise ApiError("cant_delete_message")
        ws.remove_message(channel, ts)
    return {"ok": True, "channel": channel, "ts": ts}


def get_permalink(call: Call) -> dict[str, Any]:
    channel, ts, _ = _existing(call, ts_param="message_ts")
    permalink = f"https://{call.ws.domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
    return {"ok": True, "channel": channel, "permalink": permalink}
