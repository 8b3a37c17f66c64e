"""The emulated workspace: members, channels, messages, views, files, triggers and response URLs.

Plain state with small helpers; the emulator's one lock guards every read and write, and each
change that a person could see bumps `version`, which wakes the page's long poll.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

#: How long a trigger_id may be exchanged for a modal (Slack: 3 seconds).
TRIGGER_SECONDS: Final = 3.0
#: A response_url takes this many posts, within RESPONSE_URL_SECONDS (Slack: 5 in 30 minutes).
RESPONSE_URL_USES: Final = 5
RESPONSE_URL_SECONDS: Final = 30 * 60
#: Messages kept per conversation; older ones scroll away for good.
HISTORY_LIMIT: Final = 500
BOT_NAME: Final = "valueboard"
APP_ID: Final = "A0EMULATOR"

Clock = Callable[[], datetime]


def system_now() -> datetime:
    """The real time, aware."""
    return datetime.now(UTC)


@dataclass(slots=True)
class User:
    """A workspace member as users.info describes them."""

    id: str
    name: str
    real_name: str
    display_name: str
    tz: str
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    deleted: bool = False
    title: str = ""

    @property
    def label(self) -> str:
        """The name Slack shows: display name, else real name, else handle."""
        return self.display_name or self.real_name or self.name


@dataclass(slots=True)
class Channel:
    """A channel; `is_member` says whether the bot is in it."""

    id: str
    name: str
    is_private: bool = False
    is_member: bool = True
    is_archived: bool = False
    topic: str = ""


@dataclass(slots=True)
class Message:
    """A message in a conversation; an ephemeral one has `visible_to`."""

    ts: str
    channel: str
    text: str
    user: str
    blocks: list[dict[str, Any]] | None = None
    bot_id: str | None = None
    visible_to: str | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    edited: bool = False
    #: For an in-channel reply to a slash command: the command, shown above it as Slack does.
    command: str | None = None

    def as_api(self, *, team_id: str) -> dict[str, Any]:
        """The message object as Slack's Web API and payloads carry it."""
        payload: dict[str, Any] = {
            "type": "message",
            "text": self.text,
            "user": self.user,
            "ts": self.ts,
            "team": team_id,
        }
        if self.blocks is not None:
            payload["blocks"] = self.blocks
        if self.bot_id:
            payload["bot_id"] = self.bot_id
            payload["app_id"] = APP_ID
        if self.files:
            payload["files"] = self.files
        if self.edited:
            payload["edited"] = {"user": self.user, "ts": self.ts}
        return payload


@dataclass(slots=True)
class View:
    """A modal or Home tab the app sent, with what Slack adds to it."""

    id: str
    view: dict[str, Any]
    hash: str
    user: str | None
    root_view_id: str
    previous_view_id: str | None = None
    #: Inline errors from the last submission, by block_id.
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return str(self.view.get("type", "modal"))


@dataclass(slots=True)
class StoredFile:
    """An upload: announced by files.getUploadURLExternal, filled by the upload itself."""

    id: str
    filename: str
    length: int
    data: bytes | None = None
    title: str = ""
    mimetype: str = "application/octet-stream"


@dataclass(slots=True)
class Trigger:
    """A trigger_id Slack issued for one interaction, exchangeable once within three seconds."""

    user: str
    channel: str | None
    issued: float
    used: bool = False


@dataclass(slots=True)
class ResponseTarget:
    """Where posts to one response_url land: the member, the channel, the message acted on."""

    user: str
    channel: str
    original_ts: str | None
    command: str | None = None
    uses: int = 0
    issued: float = field(default_factory=time.monotonic)


class Workspace:
    """Everything the emulated Slack knows; the caller holds `cond` for every use."""

    def __init__(
        self,
        *,
        team_id: str,
        team_name: str,
        bot_user_id: str,
        clock: Clock,
        cond: threading.Condition,
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.domain = "".join(ch for ch in team_name.lower() if ch.isalnum()) or "workspace"
        self.bot_user_id = bot_user_id
        self.bot_id = "B" + bot_user_id.removeprefix("U")
        self.clock = clock
        self.cond = cond
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.ims: dict[str, str] = {}
        self.messages: dict[str, list[Message]] = {}
        self.views: dict[str, View] = {}
        self.modals: dict[str, list[str]] = {}
        self.homes: dict[str, str] = {}
        self.views_by_external: dict[str, str] = {}
        self.files: dict[str, StoredFile] = {}
        self.uploads: list[bytes] = []
        self.triggers: dict[str, Trigger] = {}
        self.responses: dict[str, ResponseTarget] = {}
        self.version = 0
        self._last_ts_micros = 0
        self.next_id = 1

    # ----- ids ---------------------------------------------------------------------------

    def new_ts(self) -> str:
        """A message ts from the clock, strictly increasing like Slack's within a workspace."""
        micros = max(self._last_ts_micros + 100, int(self.clock().timestamp() * 1_000_000))
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def note_ts(self, ts: str) -> None:
        """Make later ts values follow `ts` (after restoring saved messages)."""
        seconds, _, micros = ts.partition(".")
        if seconds.isdigit() and micros.isdigit():
            self._last_ts_micros = max(self._last_ts_micros, int(seconds) * 1_000_000 + int(micros))

    def new_id(self, prefix: str) -> str:
        """A fresh Slack-looking id: V0E0000001, F0E0000002…"""
        number = self.next_id
        self.next_id += 1
        return f"{prefix}0E{number:07d}"

    def changed(self) -> None:
        """Note a change a person could see, and wake whoever waits for one."""
        self.version += 1
        self.cond.notify_all()

    # ----- people and places -------------------------------------------------------------

    def dm_of(self, user_id: str) -> str:
        """The id of the bot's DM with a member (Slack's are D…; ours derive from the user)."""
        dm = "D" + user_id
        self.ims[dm] = user_id
        return dm

    def channel_name(self, channel_id: str) -> str:
        """How a conversation is named in payloads: the channel name, or "directmessage"."""
        channel = self.channels.get(channel_id)
        if channel is not None:
            return channel.name
        return "directmessage" if channel_id.startswith("D") else channel_id

    def channel_by_name(self, name: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.name == name), None)

    def user_by_handle(self, handle: str) -> User | None:
        """A member by @handle or display name, as a typed mention names them."""
        wanted = handle.lower()
        for user in self.users.values():
            if wanted in {user.name.lower(), user.display_name.lower()}:
                return user
        return None

    # ----- messages ----------------------------------------------------------------------

    def add_message(self, message: Message) -> Message:
        """Append a message to its conversation (trimming old history)."""
        history = self.messages.setdefault(message.channel, [])
        history.append(message)
        if len(history) > HISTORY_LIMIT:
            del history[: len(history) - HISTORY_LIMIT]
        self.changed()
        return message

    def find_message(self, channel: str, ts: str) -> Message | None:
        return next((m for m in self.messages.get(channel, []) if m.ts == ts), None)

    def remove_message(self, channel: str, ts: str) -> bool:
        history = self.messages.get(channel, [])
        for index, message in enumerate(history):
            if message.ts == ts:
                del history[index]
                self.changed()
                return True
        return False

    def visible_messages(self, channel: str, *, viewer: str) -> list[Message]:
        """A conversation as one member sees it: everyone's messages and their own ephemerals."""
        return [
            m
            for m in self.messages.get(channel, [])
            if m.visible_to is None or m.visible_to == viewer
        ]

    # ----- views -------------------------------------------------------------------------

    def store_view(
        self, view: dict[str, Any], *, view_id: str, user: str | None, root_view_id: str | None
    ) -> View:
        """Save (or replace) a view under `view_id` with a new hash; its errors are cleared."""
        view_hash = f"{self.next_id:010d}.emulator"
        self.next_id += 1
        previous = self.views.get(view_id)
        stored = View(
            id=view_id,
            view=view,
            hash=view_hash,
            user=user if user is not None else (previous.user if previous else None),
            root_view_id=root_view_id or (previous.root_view_id if previous else view_id),
            previous_view_id=previous.previous_view_id if previous else None,
        )
        self.views[view_id] = stored
        external_id = view.get("external_id") or ""
        if external_id:
            self.views_by_external[external_id] = view_id
        self.changed()
        return stored

    def view_payload(self, stored: View, *, state: dict[str, Any] | None = None) -> dict[str, Any]:
        """The view object as Slack returns and sends it."""
        view = stored.view
        return {
            **view,
            "id": stored.id,
            "team_id": self.team_id,
            "callback_id": view.get("callback_id", ""),
            "private_metadata": view.get("private_metadata", ""),
            "external_id": view.get("external_id") or "",
            "state": {"values": state or {}},
            "hash": stored.hash,
            "root_view_id": stored.root_view_id,
            "previous_view_id": stored.previous_view_id,
            "app_id": APP_ID,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }

    def modal_stack(self, user: str) -> list[View]:
        return [self.views[v] for v in self.modals.get(user, []) if v in self.views]

    def close_modal(self, user: str, view_id: str, *, all_views: bool = False) -> None:
        """Close the member's modal `view_id` (and those above it), or the whole stack."""
        stack = self.modals.get(user, [])
        if all_views or view_id not in stack:
            closing = list(stack) if all_views else []
            self.modals[user] = [] if all_views else stack
        else:
            index = stack.index(view_id)
            closing = stack[index:]
            self.modals[user] = stack[:index]
        for gone in closing:
            self.views.pop(gone, None)
        self.changed()

    # ----- triggers and response URLs ------------------------------------------------------

    def issue_trigger(self, *, user: str, channel: str | None) -> str:
        trigger_id = f"{self.next_id}.{int(time.time())}.{self.next_id * 7919:x}"
        self.next_id += 1
        self.triggers[trigger_id] = Trigger(user=user, channel=channel, issued=time.monotonic())
        return trigger_id

    def issue_response_url(self, target: ResponseTarget) -> str:
        key = f"R{self.next_id:07d}{self.next_id * 104729 % 100000:05d}"
        self.next_id += 1
        self.responses[key] = target
        return key
