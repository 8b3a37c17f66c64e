"""Socket Mode: apps.connections.open hands out a URL; the app connects to it over a WebSocket
and receives Slack's requests as envelopes, which it acknowledges by envelope_id.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Final

from slackapp.sandbox.emulator import websocket
from slackapp.sandbox.emulator.workspace import APP_ID

log = logging.getLogger(__name__)

SOCKET_PATH: Final = "/socket-mode"
#: A ticket from apps.connections.open must be used within this many seconds.
TICKET_SECONDS: Final = 30.0


@dataclass(slots=True)
class _Waiting:
    done: threading.Event = field(default_factory=threading.Event)
    payload: dict[str, Any] | None = None


class SocketConnection:
    """One app connection: sends envelopes, reads acknowledgements, answers pings."""

    def __init__(self, hub: SocketHub, reader: BinaryIO, writer: BinaryIO) -> None:
        self._hub = hub
        self._reader = reader
        self._writer = writer
        self._send_lock = threading.Lock()
        self.open = True

    def send_json(self, message: dict[str, Any]) -> None:
        self._send(websocket.OP_TEXT, json.dumps(message).encode("utf-8"))

    def _send(self, opcode: int, payload: bytes) -> None:
        with self._send_lock:
            self._writer.write(websocket.encode_frame(opcode, payload))
            self._writer.flush()

    def close(self, reason: str = "") -> None:
        """Tell the app we are going away (Slack sends "disconnect" first), then close."""
        if not self.open:
            return
        self.open = False
        try:
            self.send_json({"type": "disconnect", "reason": reason or "link_disabled"})
            self._send(websocket.OP_CLOSE, b"\x03\xe8")
        except OSError:
            pass

    def serve(self) -> None:
        """Read until the app goes away; called on the connection's own server thread."""
        self.send_json(
            {
                "type": "hello",
                "num_connections": self._hub.count(),
                "debug_info": {"host": "emulator", "approximate_connection_time": 3600},
                "connection_info": {"app_id": APP_ID},
            }
        )
        try:
            while self.open:
                opcode, payload = websocket.read_message(self._reader)
                if opcode == websocket.OP_PING:
                    self._send(websocket.OP_PONG, payload)
                elif opcode == websocket.OP_CLOSE:
                    if self.open:
                        self._send(websocket.OP_CLOSE, payload[:2])
                    return
                elif opcode == websocket.OP_TEXT:
                    self._hub.acknowledged(payload)
        except (websocket.ConnectionClosed, OSError, ValueError):
            return
        finally:
            self.open = False
            self._hub.remove(self)


class SocketHub:
    """Every Socket Mode connection, the tickets that open them, and the envelopes in flight."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tickets: dict[str, float] = {}
        self._connections: list[SocketConnection] = []
        self._waiting: dict[str, _Waiting] = {}

    def new_ticket(self) -> str:
        ticket = secrets.token_urlsafe(16)
        with self._lock:
            self._tickets[ticket] = time.monotonic()
        return ticket

    def take_ticket(self, ticket: str) -> bool:
        """Whether `ticket` was issued and is still fresh; each works once."""
        with self._lock:
            issued = self._tickets.pop(ticket, None)
        return issued is not None and time.monotonic() - issued <= TICKET_SECONDS

    def add(self, connection: SocketConnection) -> None:
        with self._lock:
            self._connections.append(connection)
        log.info("Socket Mode: app connected (%d connection(s))", self.count())

    def remove(self, connection: SocketConnection) -> None:
        with self._lock:
            if connection in self._connections:
                self._connections.remove(connection)
        log.info("Socket Mode: app disconnected (%d connection(s))", self.count())

    def count(self) -> int:
        with self._lock:
            return len(self._connections)

    def acknowledged(self, raw: bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            log.warning("Socket Mode: the app sent something that is not JSON")
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        with self._lock:
            waiting = self._waiting.get(envelope_id) if isinstance(envelope_id, str) else None
        if waiting is None:
            log.warning("Socket Mode: acknowledgement of an unknown envelope %r", envelope_id)
            return
        payload = message.get("payload")
        waiting.payload = payload if isinstance(payload, dict) else {}
        waiting.done.set()

    def deliver(self, kind: str, payload: dict[str, Any], *, timeout: float) -> Delivered | None:
        """Send one envelope and wait for its acknowledgement; None when no app is connected."""
        envelope_id = str(uuid.uuid4())
        waiting = _Waiting()
        with self._lock:
            connections = list(reversed(self._connections))
            self._waiting[envelope_id] = waiting
        try:
            envelope = {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            }
            for connection in connections:
                try:
                    connection.send_json(envelope)
                    break
                except OSError:
                    connection.open = False
                    self.remove(connection)
            else:
                return None
            acked = waiting.done.wait(timeout)
            return Delivered(acked=acked, payload=waiting.payload if acked else None)
        finally:
            with self._lock:
                self._waiting.pop(envelope_id, None)

    def close_all(self) -> None:
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.close("link_disabled")


@dataclass(frozen=True, slots=True)
class Delivered:
    """The app's acknowledgement of an envelope: whether it came in time, and its payload."""

    acked: bool
    payload: dict[str, Any] | None
