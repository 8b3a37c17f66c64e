"""The emulator's HTTP server: a thread per connection, bodies read with limits."""

from __future__ import annotations

import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from slackapp.sandbox.emulator.wire import MAX_BODY_BYTES, BadRequest, Reply, json_reply

if TYPE_CHECKING:
    from slackapp.sandbox.emulator.core import SlackEmulator


class Server(ThreadingHTTPServer):
    """A threading HTTP server that knows its emulator."""

    daemon_threads = True
    # The app sends bursts of concurrent calls; the default backlog is only 5.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: SlackEmulator) -> None:
        super().__init__(address, Handler)
        self.emulator = emulator
        #: Connections accepted so far (tests see whether clients keep theirs open).
        self.accepted = 0

    def process_request(self, request: Any, client_address: Any) -> None:
        """Count the connection, then serve it on a thread of its own."""
        self.accepted += 1  # only the serving thread accepts
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer (a closed tab) is normal; anything else is not."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    """Reads one request and hands it to the emulator; upgrades Socket Mode connections."""

    server: Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: without this, a client on a kept-alive
    # connection waits out the delayed ACK (40 ms) for the body, as no real server makes it.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the emulator logs calls in words instead of access lines."""

    def do_GET(self) -> None:
        """Answer a GET request (or upgrade it to a WebSocket)."""
        if self.headers.get("Upgrade", "").lower() == "websocket":
            self.server.emulator.upgrade(self)
            self.close_connection = True
            return
        self._serve("GET")

    def do_POST(self) -> None:
        """Answer a POST request."""
        self._serve("POST")

    def _serve(self, verb: str) -> None:
        at = time.monotonic()
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            body = self._read_body(headers)
        except BadRequest as exc:
            self.send(json_reply({"ok": False, "error": exc.error}, status=400))
            self.close_connection = True
            return
        try:
            reply = self.server.emulator.handle(
                verb=verb, target=self.path, headers=headers, body=body, at=at
            )
        except Exception:
            # A bug in the emulator must show up loudly without killing the server thread.
            traceback.print_exc(file=sys.stderr)
            reply = json_reply({"ok": False, "error": "emulator_internal_error"}, status=500)
        self.send(reply)

    def _read_body(self, headers: dict[str, str]) -> bytes:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return self._read_chunked()
        raw_length = headers.get("content-length", "0").strip() or "0"
        if not raw_length.isdigit():
            raise BadRequest("invalid_content_length")
        length = int(raw_length)
        if length > MAX_BODY_BYTES:
            raise BadRequest("request_too_large")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise BadRequest("invalid_chunked_body") from None
            if size == 0:
                # Drain optional trailers up to the blank line that ends the body.
                while self.rfile.readline(1024).strip():
                    pass
                return b"".join(chunks)
            total += size
            if size < 0 or total > MAX_BODY_BYTES:
                raise BadRequest("request_too_large")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def send(self, reply: Reply) -> None:
        """Write `reply` as the HTTP response."""
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)
