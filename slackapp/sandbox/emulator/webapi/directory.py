"""Who and where: auth.test, team.info, users.*, conversations.*."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from slackapp.sandbox.emulator.webapi.call import Call
from slackapp.sandbox.emulator.wire import ApiError, str_param
from slackapp.sandbox.emulator.workspace import BOT_NAME, Channel, User, Workspace

#: When every user and channel of the emulator was "created".
CREATED: Final = 1_700_000_000


def tz_details(tz: str) -> tuple[str, int]:
    """The zone's current abbreviation and UTC offset in seconds."""
    local = datetime.now(UTC).astimezone(ZoneInfo(tz))
    offset = local.utcoffset()
    return local.tzname() or tz, int(offset.total_seconds()) if offset is not None else 0


def auth_test(call: Call) -> dict[str, Any]:
    ws = call.ws
    payload: dict[str, Any] = {
        "ok": True,
        "url": f"https://{ws.domain}.slack.com/",
        "team": ws.team_name,
        "user": BOT_NAME,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "is_enterprise_install": False,
    }
    if call.token is None or not call.token.startswith("xoxp-"):
        payload["bot_id"] = ws.bot_id
    return payload


def team_info(call: Call) -> dict[str, Any]:
    ws = call.ws
    team = {
        "id": ws.team_id,
        "name": ws.team_name,
        "domain": ws.domain,
        "email_domain": "",
        "icon": {"image_default": True},
    }
    return {"ok": True, "team": team}


def user_object(ws: Workspace, user: User) -> dict[str, Any]:
    """A member as users.info returns them."""
    tz_label, tz_offset = tz_details(user.tz)
    return {
        "id": user.id,
        "team_id": ws.team_id,
        "name": user.name,
        "deleted": user.deleted,
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": tz_label,
        "tz_offset": tz_offset,
        "is_admin": user.is_admin,
        "is_owner": user.is_owner,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": CREATED,
        "profile": {
            "title": user.title,
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "display_name": user.display_name,
            "display_name_normalized": user.display_name,
            "team": ws.team_id,
        },
    }


def users_info(call: Call) -> dict[str, Any]:
    user = call.ws.users.get(str_param(call.params, "user") or "")
    if user is None:
        raise ApiError("user_not_found")
    return {"ok": True, "user": user_object(call.ws, user)}


def users_list(call: Call) -> dict[str, Any]:
    ws = call.ws
    raw_limit = str_param(call.params, "limit") or "0"
    if not raw_limit.isdigit():
        raise ApiError("invalid_limit")
    limit = int(raw_limit)
    ids = list(ws.users)
    start = 0
    cursor = str_param(call.params, "cursor")
    if cursor:
        try:
            kind, _, user_id = base64.urlsafe_b64decode(cursor).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            raise ApiError("invalid_cursor") from None
        if kind != "user" or user_id not in ws.users:
            raise ApiError("invalid_cursor")
        start = ids.index(user_id)
    # Slack treats a missing or zero limit as "as many as fit"; the emulator returns all.
    end = len(ids) if limit == 0 else min(len(ids), start + limit)
    next_cursor = ""
    if end < len(ids):
        next_cursor = base64.urlsafe_b64encode(f"user:{ids[end]}".encode()).decode("ascii")
    return {
        "ok": True,
        "members": [user_object(ws, ws.users[i]) for i in ids[start:end]],
        "cache_ts": CREATED,
        "response_metadata": {"next_cursor": next_cursor},
    }


def channel_object(ws: Workspace, channel: Channel) -> dict[str, Any]:
    """A channel as conversations.info returns it."""
    return {
        "id": channel.id,
        "name": channel.name,
        "name_normalized": channel.name,
        "is_channel": not channel.is_private,
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "is_archived": channel.is_archived,
        "is_general": channel.name == "general",
        "is_member": channel.is_member,
        "created": CREATED,
        "context_team_id": ws.team_id,
        "topic": {"value": channel.topic, "creator": "", "last_set": 0},
    }


def conversations_open(call: Call) -> dict[str, Any]:
    channel = str_param(call.params, "channel")
    if channel:
        return {"ok": True, "channel": {"id": channel}}
    raw = str_param(call.params, "users") or ""
    users = [u.strip() for u in raw.split(",") if u.strip()]
    if not users:
        raise ApiError("users_list_not_supplied")
    if len(users) == 1:
        dm = call.ws.dm_of(users[0])
        return {"ok": True, "channel": {"id": dm, "is_im": True, "user": users[0]}}
    digest = hashlib.sha256(",".join(sorted(users)).encode()).hexdigest()[:10].upper()
    return {"ok": True, "channel": {"id": "G" + digest, "is_mpim": True}}


def _known_channel(call: Call) -> Channel:
    channel = call.ws.channels.get(str_param(call.params, "channel") or "")
    if channel is None:
        raise ApiError("channel_not_found")
    return channel


def conversations_join(call: Call) -> dict[str, Any]:
    channel = _known_channel(call)
    if channel.is_archived:
        raise ApiError("is_archived")
    if channel.is_private:
        raise ApiError("method_not_supported_for_channel_type")
    payload: dict[str, Any] = {"ok": True}
    if channel.is_member:
        payload["warning"] = "already_in_channel"
    channel.is_member = True
    call.ws.changed()
    payload["channel"] = channel_object(call.ws, channel)
    return payload


def conversations_info(call: Call) -> dict[str, Any]:
    ws = call.ws
    raw = str_param(call.params, "channel") or ""
    if raw.startswith("D") and raw not in ws.channels:
        im: dict[str, Any] = {"id": raw, "is_im": True, "is_private": True, "created": CREATED}
        if raw in ws.ims:
            im["user"] = ws.ims[raw]
        return {"ok": True, "channel": im}
    channel = _known_channel(call)
    if channel.is_private and not channel.is_member:
        raise ApiError("channel_not_found")
    return {"ok": True, "channel": channel_object(ws, channel)}


def conversations_history(call: Call) -> dict[str, Any]:
    ws = call.ws
    raw = str_param(call.params, "channel") or ""
    channel = ws.channels.get(raw)
    if channel is None and raw not in ws.messages:
        raise ApiError("channel_not_found")
    if channel is not None and not channel.is_member:
        raise ApiError("not_in_channel")
    shown = [m for m in ws.messages.get(raw, []) if m.visible_to is None]
    newest_first = [m.as_api(team_id=ws.team_id) for m in reversed(shown)]
    return {"ok": True, "messages": newest_first[:100], "has_more": len(newest_first) > 100}
