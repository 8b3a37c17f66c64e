"""What Slack does when a member acts: the requests it sends the app, and what it shows after.

A slash command, a button, a modal submission, opening the App Home, a message shortcut: each
becomes the payload Slack would send (with a trigger_id and a response_url of its own), goes to
the app through `Deliverer`, and the acknowledgement is shown as Slack shows it: an ephemeral
reply, inline modal errors, an updated or closed modal, or Slack's own error line.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from slackapp.sandbox.emulator import delivery, state
from slackapp.sandbox.emulator.delivery import Answer, Deliverer
from slackapp.sandbox.emulator.surface import AppSurface
from slackapp.sandbox.emulator.workspace import APP_ID, Message, ResponseTarget, View, Workspace

log = logging.getLogger(__name__)

SLACKBOT: Final = "USLACKBOT"
#: What Slack shows in a modal whose submission the app did not acknowledge.
MODAL_TROUBLE: Final = "We had some trouble connecting. Try again?"
_MENTION = re.compile(r"(?<![\w<])@([A-Za-z0-9._-]+)")
_CHANNEL = re.compile(r"(?<![\w<])#([a-z0-9_-]+)")
_URL = re.compile(r"(?<![<|\w])(https?://[^\s<>|]+[^\s<>|.,;:!?)])")


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a member's action went: Slack's error code if it failed, and the app's answer."""

    ok: bool
    error: str | None = None
    answer: Answer | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"ok": self.ok}
        if self.error:
            data["error"] = self.error
        if self.answer is not None:
            data["via"] = self.answer.via
            data["elapsed_ms"] = round(self.answer.elapsed * 1000)
        return data


class MemberActionError(Exception):
    """The action cannot happen as asked (no such member, message or view)."""


def escape_text(ws: Workspace, text: str, *, mentions: bool, links: bool = False) -> str:
    """Text as Slack passes it on: &, < and > escaped; @names, #channels (and links) marked up."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if links:
        text = _URL.sub(r"<\1>", text)
    if not mentions:
        return text

    def person(match: re.Match[str]) -> str:
        user = ws.user_by_handle(match.group(1))
        return f"<@{user.id}|{user.name}>" if user else match.group(0)

    def place(match: re.Match[str]) -> str:
        channel = ws.channel_by_name(match.group(1))
        return f"<#{channel.id}|{channel.name}>" if channel else match.group(0)

    return _CHANNEL.sub(place, _MENTION.sub(person, text))


class Members:
    """Acts for any member of the workspace, the way their Slack client would."""

    def __init__(
        self,
        *,
        ws: Workspace,
        cond: threading.Condition,
        deliverer: Deliverer,
        surface: AppSurface,
        response_base: Callable[[], str],
    ) -> None:
        self.ws = ws
        self._cond = cond
        self._deliverer = deliverer
        self.surface = surface
        self._response_base = response_base

    # ----- helpers (lock held) -----------------------------------------------------------

    def _user_ref(self, user_id: str) -> dict[str, Any]:
        user = self.ws.users.get(user_id)
        handle = user.name if user else user_id.lower()
        return {"id": user_id, "username": handle, "name": handle, "team_id": self.ws.team_id}

    def _team_ref(self) -> dict[str, Any]:
        return {"id": self.ws.team_id, "domain": self.ws.domain}

    def _require_member(self, user_id: str) -> None:
        if user_id not in self.ws.users:
            raise MemberActionError(f"no member {user_id}")

    def _response_url(self, target: ResponseTarget) -> str:
        return f"{self._response_base()}/{self.ws.issue_response_url(target)}"

    def _slackbot_says(self, *, user: str, channel: str, text: str) -> None:
        self.ws.add_message(
            Message(ts=self.ws.new_ts(), channel=channel, text=text, user=SLACKBOT, visible_to=user)
        )

    def _common(self, user_id: str) -> dict[str, Any]:
        return {
            "team": self._team_ref(),
            "user": self._user_ref(user_id),
            "api_app_id": APP_ID,
            "token": "emulator-verification-token",
            "is_enterprise_install": False,
            "enterprise": None,
        }

    # ----- plain messages ----------------------------------------------------------------

    def post(self, *, user: str, channel: str, text: str) -> Message:
        """A member writes a message in a channel (Slack stores it escaped, mentions linked)."""
        with self._cond:
            self._require_member(user)
            message = Message(
                ts=self.ws.new_ts(),
                channel=channel,
                text=escape_text(self.ws, text, mentions=True, links=True),
                user=user,
            )
            return self.ws.add_message(message)

    def dismiss(self, *, user: str, channel: str, ts: str) -> bool:
        """Close an ephemeral message ("Dismiss"), as only its reader can."""
        with self._cond:
            found = self.ws.find_message(channel, ts)
            if found is None or found.visible_to != user:
                return False
            return self.ws.remove_message(channel, ts)

    # ----- slash commands ----------------------------------------------------------------

    def command(self, *, user: str, channel: str, text: str) -> Outcome:
        """A member sends "/command text" from a conversation's composer."""
        name, _, rest = text.strip().partition(" ")
        declared = self.surface.command(name)
        with self._cond:
            self._require_member(user)
            if declared is None:
                self._slackbot_says(
                    user=user,
                    channel=channel,
                    text=f"`{name}` is not a valid command. In Slack, all messages that start "
                    'with the "/" character are interpreted as commands.',
                )
                return Outcome(ok=False, error="unknown_command")
            target = ResponseTarget(user=user, channel=channel, original_ts=None, command=text)
            form = {
                "token": "emulator-verification-token",
                "team_id": self.ws.team_id,
                "team_domain": self.ws.domain,
                "channel_id": channel,
                "channel_name": self.ws.channel_name(channel),
                "user_id": user,
                "user_name": self._user_ref(user)["name"],
                "command": name,
                "text": escape_text(self.ws, rest.strip(), mentions=declared.should_escape),
                "api_app_id": APP_ID,
                "is_enterprise_install": "false",
                "response_url": self._response_url(target),
                "trigger_id": self.ws.issue_trigger(user=user, channel=channel),
            }
        answer = self._deliverer.send(delivery.SLASH_COMMANDS, form)
        with self._cond:
            if not answer.ok:
                self._slackbot_says(
                    user=user,
                    channel=channel,
                    text=f'{name} failed with the error "{answer.error}"',
                )
                return Outcome(ok=False, error=answer.error, answer=answer)
            message = _message_in(answer)
            if message is not None:
                self._show_reply(target, message)
        return Outcome(ok=True, answer=answer)

    def _show_reply(self, target: ResponseTarget, reply: dict[str, Any]) -> Message:
        """A command's answer or a response_url post, as a new message in the conversation."""
        in_channel = reply.get("response_type") == "in_channel"
        message = self.ws.add_message(
            Message(
                ts=self.ws.new_ts(),
                channel=target.channel,
                text=str(reply.get("text") or ""),
                blocks=reply.get("blocks") if isinstance(reply.get("blocks"), list) else None,
                user=self.ws.bot_user_id,
                bot_id=self.ws.bot_id,
                visible_to=None if in_channel else target.user,
                command=target.command if in_channel else None,
            )
        )
        if target.command is not None:
            # For a command, "the original" is the latest message it produced.
            target.original_ts = message.ts
        return message

    # ----- response_url ------------------------------------------------------------------

    def respond(self, key: str, params: dict[str, Any]) -> tuple[int, str]:
        """A post to a response_url we issued: (HTTP status, body) as Slack answers it."""
        target = self.ws.responses.get(key)
        if target is None:
            return 404, "invalid_token"
        if time.monotonic() - target.issued > 30 * 60:
            return 404, "expired_url"
        target.uses += 1
        if target.uses > 5:
            return 404, "used_url"
        original = (
            self.ws.find_message(target.channel, target.original_ts) if target.original_ts else None
        )
        if params.get("delete_original") in (True, "true"):
            if original is None:
                return 404, "message_not_found"
            self.ws.remove_message(original.channel, original.ts)
            return 200, "ok"
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            return 400, "no_text"
        if params.get("replace_original") in (True, "true") and original is not None:
            original.text = str(params.get("text") or "")
            blocks = params.get("blocks")
            original.blocks = blocks if isinstance(blocks, list) else None
            self.ws.changed()
            return 200, "ok"
        self._show_reply(target, params)
        return 200, "ok"

    # ----- buttons and selects -----------------------------------------------------------

    def click(
        self,
        *,
        user: str,
        block_id: str,
        action_id: str,
        channel: str | None = None,
        ts: str | None = None,
        view_id: str | None = None,
        value: Any = None,
        entered: dict[str, dict[str, Any]] | None = None,
    ) -> Outcome:
        """A member uses a button or select in a message (channel, ts) or a view (view_id)."""
        with self._cond:
            self._require_member(user)
            payload = self._common(user)
            payload["type"] = "block_actions"
            payload["trigger_id"] = self.ws.issue_trigger(user=user, channel=channel)
            if view_id is not None:
                stored = self.ws.views.get(view_id)
                if stored is None or stored.user not in (user, None):
                    raise MemberActionError(f"no view {view_id} for {user}")
                blocks = list(stored.view.get("blocks") or [])
                values = state.state_values(blocks, entered)
                payload["container"] = {"type": "view", "view_id": view_id}
                payload["view"] = self.ws.view_payload(stored, state=values)
                payload["state"] = {"values": values}
            else:
                if channel is None or ts is None:
                    raise MemberActionError("a click needs a message or a view")
                message = self.ws.find_message(channel, ts)
                if message is None or message.visible_to not in (None, user):
                    raise MemberActionError(f"no message {ts} in {channel} for {user}")
                blocks = list(message.blocks or [])
                ephemeral = message.visible_to is not None
                payload["container"] = {
                    "type": "message",
                    "message_ts": ts,
                    "channel_id": channel,
                    "is_ephemeral": ephemeral,
                }
                payload["channel"] = {"id": channel, "name": self.ws.channel_name(channel)}
                if not ephemeral:
                    payload["message"] = message.as_api(team_id=self.ws.team_id)
                payload["state"] = {"values": state.state_values(blocks, entered)}
                payload["response_url"] = self._response_url(
                    ResponseTarget(user=user, channel=channel, original_ts=ts)
                )
            element = state.find_element(blocks, block_id=block_id, action_id=action_id)
            if element is None:
                raise MemberActionError(f"no element {block_id}/{action_id}")
            payload["actions"] = [_action(element, block_id=block_id, value=value)]
        answer = self._deliverer.send(delivery.INTERACTIVE, payload)
        return Outcome(ok=answer.ok, error=answer.error, answer=answer)

    # ----- modals ------------------------------------------------------------------------

    def submit(
        self, *, user: str, view_id: str, entered: dict[str, dict[str, Any]] | None = None
    ) -> Outcome:
        """A member presses a modal's submit button."""
        with self._cond:
            self._require_member(user)
            stack = self.ws.modals.get(user, [])
            if not stack or stack[-1] != view_id:
                raise MemberActionError(f"{view_id} is not the modal {user} has in front")
            stored = self.ws.views[view_id]
            values = state.state_values(list(stored.view.get("blocks") or []), entered)
            payload = self._common(user)
            payload.update(
                {
                    "type": "view_submission",
                    "trigger_id": self.ws.issue_trigger(user=user, channel=None),
                    "view": self.ws.view_payload(stored, state=values),
                    "response_urls": [],
                }
            )
        answer = self._deliverer.send(delivery.INTERACTIVE, payload)
        with self._cond:
            self._after_submit(user, stored, answer)
        return Outcome(ok=answer.ok, error=answer.error, answer=answer)

    def _after_submit(self, user: str, stored: View, answer: Answer) -> None:
        if not answer.ok:
            stored.errors = {"": MODAL_TROUBLE}
            self.ws.changed()
            return
        body = answer.body or {}
        action = body.get("response_action")
        if action == "errors" and isinstance(body.get("errors"), dict):
            stored.errors = {str(k): str(v) for k, v in body["errors"].items()}
            self.ws.changed()
        elif action == "update" and isinstance(body.get("view"), dict):
            self.ws.store_view(body["view"], view_id=stored.id, user=user, root_view_id=None)
        elif action == "push" and isinstance(body.get("view"), dict):
            new_id = self.ws.new_id("V")
            pushed = self.ws.store_view(
                body["view"], view_id=new_id, user=user, root_view_id=stored.root_view_id
            )
            pushed.previous_view_id = stored.id
            self.ws.modals.setdefault(user, []).append(new_id)
        elif action == "clear":
            self.ws.close_modal(user, stored.id, all_views=True)
        else:
            self.ws.close_modal(user, stored.id)

    def close(self, *, user: str, view_id: str) -> Outcome:
        """A member closes a modal (Cancel or ×); the app hears of it if it asked to."""
        with self._cond:
            stored = self.ws.views.get(view_id)
            if stored is None or view_id not in self.ws.modals.get(user, []):
                raise MemberActionError(f"{user} has no modal {view_id}")
            notify = bool(stored.view.get("notify_on_close"))
            payload = self._common(user)
            payload.update(
                {"type": "view_closed", "view": self.ws.view_payload(stored), "is_cleared": False}
            )
            self.ws.close_modal(user, view_id)
        if not notify:
            return Outcome(ok=True)
        answer = self._deliverer.send(delivery.INTERACTIVE, payload)
        return Outcome(ok=answer.ok, error=answer.error, answer=answer)

    # ----- App Home and shortcuts ----------------------------------------------------------

    def open_app(self, *, user: str, tab: str = "home") -> Outcome:
        """A member opens the app's Home or Messages tab: Slack sends app_home_opened."""
        with self._cond:
            self._require_member(user)
            channel = self.ws.dm_of(user)
            event: dict[str, Any] = {
                "type": "app_home_opened",
                "user": user,
                "channel": channel,
                "tab": tab,
                "event_ts": self.ws.new_ts(),
            }
            home_id = self.ws.homes.get(user)
            if home_id and home_id in self.ws.views:
                event["view"] = self.ws.view_payload(self.ws.views[home_id])
            body = self._event_body(event)
        answer = self._deliverer.send(delivery.EVENTS_API, body)
        return Outcome(ok=answer.ok, error=answer.error, answer=answer)

    def _event_body(self, event: dict[str, Any]) -> dict[str, Any]:
        return {
            "token": "emulator-verification-token",
            "team_id": self.ws.team_id,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": self.ws.new_id("Ev"),
            "event_time": int(self.ws.clock().timestamp()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.ws.team_id,
                    "user_id": self.ws.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }

    def shortcut(self, *, user: str, channel: str, ts: str, callback_id: str) -> Outcome:
        """A member runs a message shortcut from a message's "More actions" menu."""
        with self._cond:
            self._require_member(user)
            message = self.ws.find_message(channel, ts)
            if message is None or message.visible_to is not None:
                raise MemberActionError(f"no message {ts} in {channel}")
            if self.surface.shortcut(callback_id) is None:
                raise MemberActionError(f"no shortcut {callback_id}")
            payload = self._common(user)
            payload.update(
                {
                    "type": "message_action",
                    "callback_id": callback_id,
                    "action_ts": f"{time.time():.6f}",
                    "trigger_id": self.ws.issue_trigger(user=user, channel=channel),
                    "channel": {"id": channel, "name": self.ws.channel_name(channel)},
                    "message_ts": ts,
                    "message": message.as_api(team_id=self.ws.team_id),
                    "response_url": self._response_url(
                        ResponseTarget(user=user, channel=channel, original_ts=None)
                    ),
                }
            )
        answer = self._deliverer.send(delivery.INTERACTIVE, payload)
        return Outcome(ok=answer.ok, error=answer.error, answer=answer)


def _message_in(answer: Answer) -> dict[str, Any] | None:
    """The message an acknowledgement carries, if any: JSON with text or blocks, or plain text."""
    if answer.body is not None and (answer.body.get("text") or answer.body.get("blocks")):
        return answer.body
    if answer.text:
        return {"text": answer.text}
    return None


def _action(element: dict[str, Any], *, block_id: str, value: Any) -> dict[str, Any]:
    """The `actions[0]` Slack sends for the element a member used."""
    kind = str(element.get("type"))
    action: dict[str, Any] = {
        "type": kind,
        "action_id": element.get("action_id", ""),
        "block_id": block_id,
        "action_ts": f"{time.time():.6f}",
    }
    if kind == "button":
        action["text"] = element.get("text")
        if "value" in element:
            action["value"] = element["value"]
        if element.get("style"):
            action["style"] = element["style"]
        return action
    if kind == "overflow":
        chosen = next((o for o in state.options_of(element) if o.get("value") == value), None)
        action["selected_option"] = chosen
        return action
    action.update({k: v for k, v in state.element_state(element, value).items() if k != "type"})
    return action
