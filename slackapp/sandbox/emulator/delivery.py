"""Sending Slack's requests to the app: signed HTTP to its request URL, or Socket Mode envelopes.

Either way the app has three seconds to acknowledge, as with Slack; what it answers is read
the way Slack reads it (JSON, plain text or nothing), and failures are named with Slack's own
error codes ("operation_timeout", "dispatch_failed").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

from slackapp.sandbox.emulator.socket_mode import SocketHub

log = logging.getLogger(__name__)

#: Slack waits this long for an acknowledgement.
ACK_SECONDS: Final = 3.0

#: Socket Mode envelope types for each kind of request.
SLASH_COMMANDS: Final = "slash_commands"
INTERACTIVE: Final = "interactive"
EVENTS_API: Final = "events_api"


@dataclass(frozen=True, slots=True)
class Answer:
    """What the app acknowledged with: a JSON body, plain text, or a Slack-style error code."""

    body: dict[str, Any] | None = None
    text: str = ""
    error: str | None = None
    status: int | None = None
    elapsed: float = 0.0
    via: str = "http"

    @property
    def ok(self) -> bool:
        return self.error is None


def sign(secret: str, *, timestamp: str, body: bytes) -> str:
    """Slack's request signature: v0= HMAC-SHA256 of "v0:{timestamp}:{body}"."""
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def encode(kind: str, payload: dict[str, Any]) -> tuple[bytes, str]:
    """The HTTP body Slack posts for each kind of request, and its content type."""
    if kind == SLASH_COMMANDS:
        return urlencode(payload).encode("utf-8"), "application/x-www-form-urlencoded"
    if kind == INTERACTIVE:
        form = urlencode({"payload": json.dumps(payload)})
        return form.encode("utf-8"), "application/x-www-form-urlencoded"
    return json.dumps(payload).encode("utf-8"), "application/json"


def _read_answer(raw: bytes, content_type: str) -> tuple[dict[str, Any] | None, str]:
    text = raw.decode("utf-8", "replace").strip()
    if not text:
        return None, ""
    if "json" in content_type or text.startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            return None, text
        return (parsed, "") if isinstance(parsed, dict) else (None, text)
    return None, text


class Deliverer:
    """Sends requests to the app by whichever route it has: a live socket first, else HTTP."""

    def __init__(
        self,
        *,
        hub: SocketHub,
        signing_secret: str,
        request_url: str | None,
        ack_seconds: float = ACK_SECONDS,
    ) -> None:
        self.hub = hub
        self.signing_secret = signing_secret
        self.request_url = request_url
        self.ack_seconds = ack_seconds

    def send(self, kind: str, payload: dict[str, Any]) -> Answer:
        """Deliver one request and wait (at most `ack_seconds`) for its acknowledgement."""
        timeout = self.ack_seconds
        started = time.monotonic()
        if self.hub.count():
            delivered = self.hub.deliver(kind, payload, timeout=timeout)
            if delivered is not None:
                elapsed = time.monotonic() - started
                if not delivered.acked:
                    return Answer(error="operation_timeout", elapsed=elapsed, via="socket")
                return Answer(body=delivered.payload or None, elapsed=elapsed, via="socket")
        if not self.request_url:
            return Answer(error="dispatch_failed", text="no app is connected", via="none")
        return self._post(kind, payload, timeout=timeout, started=started)

    def _post(
        self, kind: str, payload: dict[str, Any], *, timeout: float, started: float
    ) -> Answer:
        assert self.request_url is not None
        body, content_type = encode(kind, payload)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(self.signing_secret, timestamp=timestamp, body=body),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        request = urllib.request.Request(  # noqa: S310 - the app's own http(s) URL
            self.request_url, data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                raw, status = response.read(), response.status
                reply_type = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            elapsed = time.monotonic() - started
            log.warning("the app answered HTTP %s to a %s request", error.code, kind)
            return Answer(error="dispatch_failed", status=error.code, elapsed=elapsed)
        except TimeoutError:
            return Answer(error="operation_timeout", elapsed=time.monotonic() - started)
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, TimeoutError):
                return Answer(error="operation_timeout", elapsed=time.monotonic() - started)
            log.warning("could not reach the app at %s: %s", self.request_url, reason)
            return Answer(error="dispatch_failed", text=str(reason))
        parsed, text = _read_answer(raw, reply_type)
        return Answer(body=parsed, text=text, status=status, elapsed=time.monotonic() - started)
