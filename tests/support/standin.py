"""A local stand-in for the Slack Web API, used by the tests and the local sandbox.

It is a real HTTP server on 127.0.0.1 that answers the Web API methods Valueboard uses with the
shapes Slack returns, and records every request so tests can assert on what the app sent.
Only the standard library is imported, so the sandbox can run it without Slack packages:

    python -m tests.support.standin --port 8099
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import signal
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType, TracebackType
from typing import Any, Final
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["RecordedCall", "SlackStandIn", "main"]

# Methods Slack answers without a token (OAuth exchanges and the connectivity check).
_NO_AUTH_METHODS: Final = frozenset(
    {"api.test", "oauth.access", "oauth.v2.access", "oauth.v2.exchange", "openid.connect.token"}
)
_TOKEN_PREFIXES: Final = ("xoxb-", "xoxp-")
_BOT_NAME: Final = "valueboard"
_APP_ID: Final = "A0STANDIN"
# Slack's own limits; enforcing them here catches oversized messages before real Slack does.
_MAX_MESSAGE_BLOCKS: Final = 50
_MAX_VIEW_BLOCKS: Final = 100
_MAX_TEXT_CHARS: Final = 40_000
# Request bodies larger than this are refused rather than buffered.
_MAX_BODY_BYTES: Final = 64 * 1024 * 1024
# First message ts, in microseconds; each new message adds 100 like Slack's "...000100" suffixes.
_FIRST_TS_MICROS: Final = 1_700_000_000_000_100
_CREATED: Final = 1_700_000_000


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """One request the stand-in received, as the app sent it."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    body: bytes
    token: str | None
    at: float

    def json_param(self, name: str) -> Any:
        """Return params[name] decoded from JSON when it was sent as a string."""
        value = self.params[name]
        return json.loads(value) if isinstance(value, str) else value


@dataclass(slots=True)
class _User:
    id: str
    name: str
    real_name: str
    display_name: str
    tz: str
    is_admin: bool
    is_owner: bool
    is_bot: bool
    deleted: bool


@dataclass(slots=True)
class _Channel:
    id: str
    name: str
    is_private: bool
    is_member: bool
    is_archived: bool


@dataclass(slots=True)
class _Injection:
    kind: str  # "fail" or "ratelimit"
    error: str
    retry_after: int
    remaining: int | None  # None: every call, forever
    channel: str | None = None  # only calls to this channel (None: any call)


@dataclass(slots=True)
class _PendingFile:
    id: str
    filename: str
    length: int
    data: bytes | None = None


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


class _ApiError(Exception):
    """A Slack error code to answer with {"ok": false, "error": ...}."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class _BadRequest(Exception):
    """A body that cannot be parsed; answered with HTTP 400."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def _json_reply(
    payload: dict[str, Any], *, status: int = 200, headers: tuple[tuple[str, str], ...] = ()
) -> _Reply:
    body = json.dumps(payload).encode("utf-8")
    return _Reply(status, body, "application/json; charset=utf-8", headers)


def _text_reply(text: str, *, status: int = 200) -> _Reply:
    return _Reply(status, text.encode("utf-8"), "text/plain; charset=utf-8")


def _api_error(error: str) -> _Reply:
    # Slack reports method errors with HTTP 200; only rate limits and transport problems differ.
    return _json_reply({"ok": False, "error": error})


def _content_type(header: str) -> tuple[str, Message]:
    msg = Message()
    msg["content-type"] = header or "application/x-www-form-urlencoded"
    return msg.get_content_type(), msg


def _parse_multipart(body: bytes, boundary: str) -> list[tuple[dict[str, str], bytes]]:
    """Split a multipart/form-data body into (disposition params, content) pairs."""
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    # The CRLF before each delimiter belongs to the delimiter, so prefix one for the first part.
    pieces = (b"\r\n" + body).split(delimiter)
    parts: list[tuple[dict[str, str], bytes]] = []
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            return parts
        head, sep, content = piece.partition(b"\r\n\r\n")
        if not sep:
            raise _BadRequest("invalid_form_data")
        msg = Message()
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, colon, value = line.partition(":")
            if colon:
                msg[name.strip()] = value.strip()
        disposition = {
            "name": str(msg.get_param("name", "", header="content-disposition")),
            "filename": str(msg.get_param("filename", "", header="content-disposition")),
        }
        parts.append((disposition, content))
    # No closing delimiter: the body was cut short or is not multipart at all.
    raise _BadRequest("invalid_form_data")


def _parse_body(content_type_header: str, body: bytes) -> dict[str, Any]:
    """Parse a form, JSON or multipart body into params; raise _BadRequest when malformed."""
    if not body:
        return {}
    content_type, msg = _content_type(content_type_header)
    if content_type == "application/json":
        try:
            parsed = json.loads(body.decode(msg.get_content_charset() or "utf-8"))
        except (UnicodeDecodeError, LookupError, ValueError):
            raise _BadRequest("invalid_json") from None
        if not isinstance(parsed, dict):
            raise _BadRequest("invalid_json")
        return parsed
    if content_type == "application/x-www-form-urlencoded":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise _BadRequest("invalid_form_data") from None
        return dict(parse_qsl(text, keep_blank_values=True))
    if content_type == "multipart/form-data":
        boundary = msg.get_param("boundary")
        if not isinstance(boundary, str) or not boundary:
            raise _BadRequest("invalid_form_data")
        params: dict[str, Any] = {}
        for disposition, content in _parse_multipart(body, boundary):
            if disposition["filename"]:
                params[disposition["name"]] = content
            else:
                params[disposition["name"]] = content.decode("utf-8", "replace")
        return params
    raise _BadRequest("invalid_form_data")


def _bearer_token(headers: dict[str, str]) -> str | None:
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def _tz_details(tz: str) -> tuple[str, int]:
    """Return the zone's current abbreviation and UTC offset in seconds."""
    local = datetime.now(UTC).astimezone(ZoneInfo(tz))
    offset = local.utcoffset()
    return local.tzname() or tz, int(offset.total_seconds()) if offset is not None else 0


def _str_param(params: dict[str, Any], name: str) -> str | None:
    """Return a scalar param as text; JSON bodies may carry numbers where forms carry strings."""
    value = params.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    raise _ApiError("invalid_arguments")


def _json_value(params: dict[str, Any], name: str, *, error: str) -> Any:
    """Return a param that slack_sdk sends as a JSON string in forms and as-is in JSON bodies."""
    value = params.get(name)
    if isinstance(value, str):
        if not value:
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise _ApiError(error) from None
    return value


def _blocks(value: Any, *, limit: int, error: str) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > limit:
        raise _ApiError(error)
    for block in value:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise _ApiError(error)
    return value


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The app under test sends bursts of concurrent calls; the default backlog is only 5.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], standin: SlackStandIn) -> None:
        super().__init__(address, _Handler)
        self.standin = standin


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests read recorded calls, not access logs."""

    def do_GET(self) -> None:
        """Answer a GET request."""
        self._serve("GET")

    def do_POST(self) -> None:
        """Answer a POST request."""
        self._serve("POST")

    def _serve(self, verb: str) -> None:
        at = time.monotonic()
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            body = self._read_body(headers)
        except _BadRequest as exc:
            self._send(_json_reply({"ok": False, "error": exc.error}, status=400))
            return
        try:
            reply = self.server.standin._handle(
                verb=verb, target=self.path, headers=headers, body=body, at=at
            )
        except Exception:
            # A bug in the stand-in must show up loudly without killing the server thread.
            traceback.print_exc(file=sys.stderr)
            reply = _json_reply({"ok": False, "error": "standin_internal_error"}, status=500)
        self._send(reply)

    def _read_body(self, headers: dict[str, str]) -> bytes:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return self._read_chunked()
        raw_length = headers.get("content-length", "0").strip() or "0"
        if not raw_length.isdigit():
            raise _BadRequest("invalid_content_length")
        length = int(raw_length)
        if length > _MAX_BODY_BYTES:
            raise _BadRequest("request_too_large")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise _BadRequest("invalid_chunked_body") from None
            if size == 0:
                # Drain optional trailers up to the blank line that ends the body.
                while self.rfile.readline(1024).strip():
                    pass
                return b"".join(chunks)
            total += size
            if size < 0 or total > _MAX_BODY_BYTES:
                raise _BadRequest("request_too_large")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _send(self, reply: _Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)


class SlackStandIn:
    """A recording fake of the Slack Web API served over real HTTP on localhost."""

    def __init__(
        self,
        *,
        team_id: str = "T0TEAM",
        team_name: str = "Acme",
        bot_user_id: str = "UBOT",
        bot_token: str = "xoxb-standin",  # noqa: S107 - a fake token only this fake accepts
        host: str = "127.0.0.1",
        port: int = 0,
        on_call: Callable[[RecordedCall], None] | None = None,
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_token = bot_token
        self.bot_id = "B" + bot_user_id.removeprefix("U")
        self.domain = "".join(ch for ch in team_name.lower() if ch.isalnum()) or "workspace"
        self.uploads: list[bytes] = []
        self._host = host
        self._port = port
        self._on_call = on_call
        # One condition guards all state; wait_for sleeps on it until a call is recorded.
        self._cond = threading.Condition()
        self._calls: list[RecordedCall] = []
        self._injections: dict[str, list[_Injection]] = {}
        self._delays: dict[str, float] = {}
        self._tokens: set[str] = {bot_token}
        self._users: dict[str, _User] = {}
        self._channels: dict[str, _Channel] = {}
        self._ims: dict[str, str] = {}
        self._files: dict[str, _PendingFile] = {}
        self._view_hashes: dict[str, str] = {}
        self._view_ids_by_external: dict[str, str] = {}
        self._home_views: dict[str, str] = {}
        self._next_ts = _FIRST_TS_MICROS
        self._next_id = 1
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._methods: dict[str, Callable[[dict[str, Any], str | None], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "conversations.open": self._conversations_open,
            "conversations.join": self._conversations_join,
            "conversations.info": self._conversations_info,
            "team.info": self._team_info,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    # ----- lifecycle -------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        """Bind the port and serve in a daemon thread; returns self for chaining."""
        if self._server is not None:
            raise RuntimeError("the Slack stand-in is already running")
        server = _Server((self._host, self._port), self)
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.name = f"slack-standin-{server.server_address[1]}"
        self._server, self._thread = server, thread
        thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> SlackStandIn:
        """Start the server for a with-block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server when the with-block ends."""
        self.stop()

    @property
    def base_url(self) -> str:
        """The server root, e.g. "http://127.0.0.1:54321"."""
        if self._server is None:
            raise RuntimeError("start() the Slack stand-in before asking for its URL")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL to pass as WebClient(base_url=...); ends with a slash."""
        return f"{self.base_url}/api/"

    def response_url(self, key: str = "default") -> str:
        """A response_url whose POSTs are recorded as method "response_url" with "_key"."""
        return f"{self.base_url}/response/{quote(key, safe='')}"

    # ----- inspection ------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        """Return recorded calls in arrival order, optionally only those of one method."""
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(self, method: str, *, count: int = 1, timeout: float = 5.0) -> list[RecordedCall]:
        """Block until `count` calls of `method` arrived and return them, else AssertionError."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matching = [c for c in self._calls if c.method == method]
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    arrived = Counter(c.method for c in self._calls)
                    seen = ", ".join(f"{m} x{n}" for m, n in arrived.items()) or "nothing"
                    raise AssertionError(
                        f"waited {timeout}s for {count} {method} call(s), got {len(matching)}; "
                        f"arrived: {seen}"
                    )
                self._cond.wait(remaining)

    def note(self, call: RecordedCall) -> None:
        """Record what Slack showed the member from an ack's own body, beside the calls."""
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()

    def reset(self) -> None:
        """Forget recorded calls, uploads and pending failures; users and channels stay."""
        with self._cond:
            self._calls.clear()
            self._injections.clear()
            self.uploads.clear()
            self._files.clear()

    # ----- scripting -------------------------------------------------------------------------

    def fail(
        self, method: str, error: str, *, times: int | None = 1, channel: str | None = None
    ) -> None:
        """Answer the next `times` calls of `method` with {"ok": false, "error": error}.

        With `channel`, only calls whose `channel` argument is that id count.
        """
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for every call")
        with self._cond:
            self._injections.setdefault(method, []).append(
                _Injection("fail", error, 0, times, channel)
            )

    def slow(self, method: str, seconds: float) -> None:
        """Answer every call of `method` only after `seconds` (0 makes it quick again)."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        with self._cond:
            self._delays[method] = seconds

    def rate_limit(
        self, method: str, *, retry_after: int = 1, times: int = 1, channel: str | None = None
    ) -> None:
        """Answer the next `times` calls of `method` with HTTP 429 and a Retry-After header.

        With `channel`, only calls whose `channel` argument is that id count.
        """
        if times < 1 or retry_after < 0:
            raise ValueError("times must be at least 1 and retry_after not negative")
        with self._cond:
            self._injections.setdefault(method, []).append(
                _Injection("ratelimit", "ratelimited", retry_after, times, channel)
            )

    def add_token(self, token: str) -> None:
        """Accept another bot or user token as valid."""
        if not token.startswith(_TOKEN_PREFIXES):
            raise ValueError(f"tokens must start with one of {_TOKEN_PREFIXES}")
        with self._cond:
            self._tokens.add(token)

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        display_name: str | None = None,
        tz: str = "America/New_York",
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
    ) -> None:
        """Register (or replace) a workspace member for users.info and users.list."""
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {tz!r}") from None
        handle = name or user_id.lower()
        user = _User(
            id=user_id,
            name=handle,
            real_name=real_name if real_name is not None else handle,
            # Slack leaves display_name empty until the person sets one.
            display_name=display_name or "",
            tz=tz,
            is_admin=is_admin,
            is_owner=is_owner,
            is_bot=is_bot,
            deleted=deleted,
        )
        with self._cond:
            self._users[user_id] = user

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str,
        is_private: bool = False,
        is_member: bool = True,
        is_archived: bool = False,
    ) -> None:
        """Register (or replace) a channel; unknown C... ids are still accepted for posting."""
        with self._cond:
            self._channels[channel_id] = _Channel(
                channel_id, name.removeprefix("#"), is_private, is_member, is_archived
            )

    # ----- request handling ------------------------------------------------------------------

    def _handle(
        self, *, verb: str, target: str, headers: dict[str, str], body: bytes, at: float
    ) -> _Reply:
        """Route one HTTP request; called from the server threads."""
        parts = urlsplit(target)
        path = parts.path
        query: dict[str, Any] = dict(parse_qsl(parts.query, keep_blank_values=True))
        if path == "/_standin/calls" and verb == "GET":
            return self._dump_calls(query.get("method"))
        for prefix, handler in (
            ("/api/", self._handle_api),
            ("/response/", self._handle_response_url),
            ("/upload/", self._handle_upload),
        ):
            if not path.startswith(prefix):
                continue
            raw_name = path.removeprefix(prefix)
            if not raw_name or "/" in raw_name:
                return _json_reply({"ok": False, "error": "unknown_method"}, status=404)
            if verb != "POST" and prefix != "/api/":
                return _json_reply({"ok": False, "error": "method_not_allowed"}, status=405)
            return handler(unquote(raw_name), query, headers, body, at)
        return _json_reply({"ok": False, "error": "not_found"}, status=404)

    def _record(self, call: RecordedCall) -> None:
        # Caller holds self._cond.
        self._calls.append(call)
        self._cond.notify_all()

    def _after_record(self, call: RecordedCall) -> None:
        if self._on_call is not None:
            self._on_call(call)

    def _parse(
        self,
        method: str,
        query: dict[str, Any],
        headers: dict[str, str],
        body: bytes,
        at: float,
        *,
        content_type: str | None = None,
    ) -> tuple[dict[str, Any], _Reply | None]:
        """Merge query and body params; on a malformed body record the call and return a 400."""
        declared = headers.get("content-type", "") if content_type is None else content_type
        try:
            return {**query, **_parse_body(declared, body)}, None
        except _BadRequest as exc:
            call = RecordedCall(method, dict(query), headers, body, _bearer_token(headers), at)
            with self._cond:
                self._record(call)
            self._after_record(call)
            return {}, _json_reply({"ok": False, "error": exc.error}, status=400)

    def _take_injection(
        self, method: str, params: dict[str, Any] | None = None
    ) -> _Injection | None:
        # Caller holds self._cond.
        queue = self._injections.get(method)
        if not queue:
            return None
        channel = (params or {}).get("channel")
        injection = next((i for i in queue if i.channel is None or i.channel == channel), None)
        if injection is None:
            return None
        if injection.remaining is not None:
            injection.remaining -= 1
            if injection.remaining <= 0:
                queue.remove(injection)
        return injection

    @staticmethod
    def _rate_limited(injection: _Injection) -> _Reply:
        return _json_reply(
            {"ok": False, "error": "ratelimited"},
            status=429,
            headers=(("Retry-After", str(injection.retry_after)),),
        )

    def _handle_api(
        self, method: str, query: dict[str, Any], headers: dict[str, str], body: bytes, at: float
    ) -> _Reply:
        params, bad = self._parse(method, query, headers, body, at)
        if bad is not None:
            return bad
        token = _bearer_token(headers)
        if token is None and isinstance(params.get("token"), str) and params["token"]:
            token = params["token"]
        call = RecordedCall(method, params, headers, body, token, at)
        delay = self._delays.get(method, 0.0)
        if delay:
            time.sleep(delay)  # a slow Slack: outside the lock, so calls overlap as they would
        with self._cond:
            reply = self._answer_api(method, params, token)
            self._record(call)
        self._after_record(call)
        return reply

    def _answer_api(self, method: str, params: dict[str, Any], token: str | None) -> _Reply:
        # Caller holds self._cond, so handlers see and change state atomically.
        if method not in _NO_AUTH_METHODS:
            if not token:
                return _api_error("not_authed")
            if token not in self._tokens:
                return _api_error("invalid_auth")
        injection = self._take_injection(method, params)
        if injection is not None:
            if injection.kind == "ratelimit":
                return self._rate_limited(injection)
            return _api_error(injection.error)
        handler = self._methods.get(method)
        if handler is None:
            return _json_reply({"ok": True})
        try:
            return _json_reply(handler(params, token))
        except _ApiError as exc:
            return _api_error(exc.error)

    def _handle_response_url(
        self, key: str, query: dict[str, Any], headers: dict[str, str], body: bytes, at: float
    ) -> _Reply:
        # Slack reads response_url bodies as JSON whatever the Content-Type says.
        params, bad = self._parse(
            "response_url", query, headers, body, at, content_type="application/json"
        )
        if bad is not None:
            return bad
        params["_key"] = key
        call = RecordedCall("response_url", params, headers, body, None, at)
        with self._cond:
            injection = self._take_injection("response_url")
            self._record(call)
        self._after_record(call)
        if injection is None and not (
            params.get("text")
            or params.get("blocks")
            or params.get("attachments")
            or params.get("delete_original")
        ):
            return _text_reply("no_text", status=400)
        return self._non_api_reply(injection, ok_text="ok")

    def _handle_upload(
        self, file_id: str, query: dict[str, Any], headers: dict[str, str], body: bytes, at: float
    ) -> _Reply:
        content_type, msg = _content_type(headers.get("content-type", ""))
        params: dict[str, Any] = {**query, "file_id": file_id}
        data = body
        if content_type == "multipart/form-data":
            boundary = msg.get_param("boundary")
            try:
                if not isinstance(boundary, str) or not boundary:
                    raise _BadRequest("invalid_form_data")
                parts = _parse_multipart(body, boundary)
            except _BadRequest as exc:
                call = RecordedCall("upload", params, headers, body, None, at)
                with self._cond:
                    self._record(call)
                self._after_record(call)
                return _json_reply({"ok": False, "error": exc.error}, status=400)
            files = [content for disposition, content in parts if disposition["filename"]]
            data = files[0] if files else (parts[0][1] if parts else b"")
            for disposition, content in parts:
                if not disposition["filename"]:
                    params[disposition["name"]] = content.decode("utf-8", "replace")
        call = RecordedCall("upload", params, headers, body, None, at)
        with self._cond:
            pending = self._files.get(file_id)
            injection = self._take_injection("upload") if pending is not None else None
            if pending is not None and injection is None:
                pending.data = data
                self.uploads.append(data)
            self._record(call)
        self._after_record(call)
        if pending is None:
            return _text_reply("file_not_found", status=404)
        return self._non_api_reply(injection, ok_text=f"OK - {len(data)}")

    def _non_api_reply(self, injection: _Injection | None, *, ok_text: str) -> _Reply:
        if injection is None:
            return _text_reply(ok_text)
        if injection.kind == "ratelimit":
            return self._rate_limited(injection)
        gone = injection.error in {"expired_url", "invalid_token", "no_service", "file_not_found"}
        return _text_reply(injection.error, status=404 if gone else 400)

    def _dump_calls(self, method: str | None) -> _Reply:
        """Serve recorded calls as JSON so a sandbox in another process can inspect them."""
        calls = [
            {"method": c.method, "params": c.params, "token": c.token, "at": c.at}
            for c in self.calls(method)
        ]

        def bytes_summary(value: object) -> str:
            if isinstance(value, bytes):
                return f"<{len(value)} bytes>"
            raise TypeError(f"cannot encode {type(value).__name__}")

        body = json.dumps({"ok": True, "calls": calls}, default=bytes_summary).encode("utf-8")
        return _Reply(200, body, "application/json; charset=utf-8")

    # ----- ids -------------------------------------------------------------------------------

    def _new_ts(self) -> str:
        micros = self._next_ts
        self._next_ts += 100
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _new_id(self, prefix: str) -> str:
        number = self._next_id
        self._next_id += 1
        return f"{prefix}0STANDIN{number:04d}"

    # ----- Web API methods (called with self._cond held) --------------------------------------

    def _auth_test(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "ok": True,
            "url": f"https://{self.domain}.slack.com/",
            "team": self.team_name,
            "user": _BOT_NAME,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "is_enterprise_install": False,
        }
        if token is None or not token.startswith("xoxp-"):
            payload["bot_id"] = self.bot_id
        return payload

    def _channel_by_name(self, name: str) -> _Channel | None:
        return next((c for c in self._channels.values() if c.name == name), None)

    def _postable_channel(self, raw: str | None) -> str:
        """Resolve a channel argument the way chat.postMessage does, or raise its error."""
        if not raw:
            raise _ApiError("channel_not_found")
        channel = self._channels.get(raw)
        if channel is None and (raw.startswith("#") or raw[0] not in "CGDUW"):
            # Slack also takes a channel name; ids always start with an upper-case letter.
            channel = self._channel_by_name(raw.removeprefix("#"))
            if channel is None:
                raise _ApiError("channel_not_found")
        if channel is not None:
            if channel.is_archived:
                raise _ApiError("is_archived")
            if not channel.is_member:
                # A bot outside a private channel cannot even see that it exists.
                raise _ApiError("channel_not_found" if channel.is_private else "not_in_channel")
            return channel.id
        if raw[0] in "UW":
            # Posting to a user id lands in the bot's DM with that person.
            dm = "D" + raw
            self._ims[dm] = raw
            return dm
        return raw

    def _message_content(self, params: dict[str, Any], *, required: bool) -> dict[str, Any]:
        text = _str_param(params, "text")
        blocks = _blocks(
            _json_value(params, "blocks", error="invalid_blocks"),
            limit=_MAX_MESSAGE_BLOCKS,
            error="invalid_blocks",
        )
        if required and not text and not blocks and not params.get("attachments"):
            raise _ApiError("no_text")
        if text is not None and len(text) > _MAX_TEXT_CHARS:
            raise _ApiError("msg_too_long")
        content: dict[str, Any] = {"text": text or ""}
        if blocks is not None:
            content["blocks"] = blocks
        return content

    def _chat_post_message(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel = self._postable_channel(_str_param(params, "channel"))
        content = self._message_content(params, required=True)
        ts = self._new_ts()
        message: dict[str, Any] = {
            "type": "message",
            **content,
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": _APP_ID,
            "team": self.team_id,
            "ts": ts,
        }
        thread_ts = _str_param(params, "thread_ts")
        if thread_ts:
            message["thread_ts"] = thread_ts
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_post_ephemeral(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        self._postable_channel(_str_param(params, "channel"))
        if not _str_param(params, "user"):
            raise _ApiError("user_not_found")
        self._message_content(params, required=True)
        return {"ok": True, "message_ts": self._new_ts()}

    def _existing_message(self, params: dict[str, Any], *, ts_param: str) -> tuple[str, str]:
        channel = _str_param(params, "channel")
        if not channel:
            raise _ApiError("channel_not_found")
        known = self._channels.get(channel)
        if known is not None and known.is_archived:
            raise _ApiError("is_archived")
        ts = _str_param(params, ts_param)
        if not ts:
            raise _ApiError("message_not_found")
        return channel, ts

    def _chat_update(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel, ts = self._existing_message(params, ts_param="ts")
        content = self._message_content(params, required=False)
        message = {**content, "user": self.bot_user_id, "bot_id": self.bot_id}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": content["text"],
            "message": message,
        }

    def _chat_delete(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel, ts = self._existing_message(params, ts_param="ts")
        return {"ok": True, "channel": channel, "ts": ts}

    def _chat_get_permalink(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel, ts = self._existing_message(params, ts_param="message_ts")
        permalink = f"https://{self.domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": permalink}

    def _view_arg(self, params: dict[str, Any], *, kinds: tuple[str, ...]) -> dict[str, Any]:
        view = _json_value(params, "view", error="invalid_arguments")
        if not isinstance(view, dict) or view.get("type") not in kinds:
            raise _ApiError("invalid_arguments")
        _blocks(view.get("blocks", []), limit=_MAX_VIEW_BLOCKS, error="invalid_arguments")
        return view

    def _echo_view(
        self, view: dict[str, Any], *, view_id: str, root_view_id: str | None = None
    ) -> dict[str, Any]:
        view_hash = f"{self._next_id:010d}.standin"
        self._next_id += 1
        self._view_hashes[view_id] = view_hash
        external_id = view.get("external_id") or ""
        if external_id:
            self._view_ids_by_external[external_id] = view_id
        return {
            **view,
            "id": view_id,
            "team_id": self.team_id,
            "callback_id": view.get("callback_id", ""),
            "private_metadata": view.get("private_metadata", ""),
            "external_id": external_id,
            "state": {"values": {}},
            "hash": view_hash,
            "root_view_id": root_view_id or view_id,
            "previous_view_id": None,
            "app_id": _APP_ID,
            "bot_id": self.bot_id,
        }

    def _views_open(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if not _str_param(params, "trigger_id"):
            raise _ApiError("invalid_arguments")
        view = self._view_arg(params, kinds=("modal",))
        return {"ok": True, "view": self._echo_view(view, view_id=self._new_id("V"))}

    def _check_hash(self, view_id: str, params: dict[str, Any]) -> None:
        sent = _str_param(params, "hash")
        current = self._view_hashes.get(view_id)
        if sent and current is not None and sent != current:
            raise _ApiError("hash_conflict")

    def _views_update(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        view_id = _str_param(params, "view_id")
        external_id = _str_param(params, "external_id")
        if not view_id and external_id:
            view_id = self._view_ids_by_external.get(external_id)
            if view_id is None:
                raise _ApiError("not_found")
        if not view_id:
            raise _ApiError("invalid_arguments")
        view = self._view_arg(params, kinds=("modal", "home"))
        self._check_hash(view_id, params)
        return {"ok": True, "view": self._echo_view(view, view_id=view_id)}

    def _views_publish(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        user_id = _str_param(params, "user_id")
        if not user_id:
            raise _ApiError("invalid_arguments")
        view = self._view_arg(params, kinds=("home",))
        view_id = self._home_views.get(user_id) or self._new_id("V")
        self._home_views[user_id] = view_id
        self._check_hash(view_id, params)
        return {"ok": True, "view": self._echo_view(view, view_id=view_id)}

    def _user_object(self, user: _User) -> dict[str, Any]:
        tz_label, tz_offset = _tz_details(user.tz)
        return {
            "id": user.id,
            "team_id": self.team_id,
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
            "updated": _CREATED,
            "profile": {
                "real_name": user.real_name,
                "real_name_normalized": user.real_name,
                "display_name": user.display_name,
                "display_name_normalized": user.display_name,
                "team": self.team_id,
            },
        }

    def _users_info(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        user = self._users.get(_str_param(params, "user") or "")
        if user is None:
            raise _ApiError("user_not_found")
        return {"ok": True, "user": self._user_object(user)}

    def _users_list(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        raw_limit = _str_param(params, "limit") or "0"
        if not raw_limit.isdigit():
            raise _ApiError("invalid_limit")
        limit = int(raw_limit)
        ids = list(self._users)
        start = 0
        cursor = _str_param(params, "cursor")
        if cursor:
            try:
                kind, _, user_id = base64.urlsafe_b64decode(cursor).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                raise _ApiError("invalid_cursor") from None
            if kind != "user" or user_id not in self._users:
                raise _ApiError("invalid_cursor")
            start = ids.index(user_id)
        # Slack treats a missing or zero limit as "as many as fit"; the fake returns all.
        end = len(ids) if limit == 0 else min(len(ids), start + limit)
        next_cursor = ""
        if end < len(ids):
            next_cursor = base64.urlsafe_b64encode(f"user:{ids[end]}".encode()).decode("ascii")
        members = [self._user_object(self._users[i]) for i in ids[start:end]]
        return {
            "ok": True,
            "members": members,
            "cache_ts": _CREATED,
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _channel_object(self, channel: _Channel) -> dict[str, Any]:
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
            "is_general": False,
            "is_member": channel.is_member,
            "created": _CREATED,
            "context_team_id": self.team_id,
        }

    def _conversations_open(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel = _str_param(params, "channel")
        if channel:
            return {"ok": True, "channel": {"id": channel}}
        users = [u.strip() for u in (_str_param(params, "users") or "").split(",") if u.strip()]
        if not users:
            raise _ApiError("users_list_not_supplied")
        if len(users) == 1:
            dm = "D" + users[0]
            self._ims[dm] = users[0]
            return {"ok": True, "channel": {"id": dm, "is_im": True, "user": users[0]}}
        digest = hashlib.sha256(",".join(sorted(users)).encode()).hexdigest()[:10].upper()
        return {"ok": True, "channel": {"id": "G" + digest, "is_mpim": True}}

    def _known_channel(self, params: dict[str, Any]) -> _Channel:
        channel = self._channels.get(_str_param(params, "channel") or "")
        if channel is None:
            raise _ApiError("channel_not_found")
        return channel

    def _conversations_join(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel = self._known_channel(params)
        if channel.is_archived:
            raise _ApiError("is_archived")
        if channel.is_private:
            raise _ApiError("method_not_supported_for_channel_type")
        payload: dict[str, Any] = {"ok": True}
        if channel.is_member:
            payload["warning"] = "already_in_channel"
        channel.is_member = True
        payload["channel"] = self._channel_object(channel)
        return payload

    def _conversations_info(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        raw = _str_param(params, "channel") or ""
        if raw.startswith("D") and raw not in self._channels:
            im: dict[str, Any] = {"id": raw, "is_im": True, "is_private": True, "created": _CREATED}
            if raw in self._ims:
                im["user"] = self._ims[raw]
            return {"ok": True, "channel": im}
        channel = self._known_channel(params)
        if channel.is_private and not channel.is_member:
            raise _ApiError("channel_not_found")
        return {"ok": True, "channel": self._channel_object(channel)}

    def _team_info(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {
            "ok": True,
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "domain": self.domain,
                "email_domain": "",
                "icon": {"image_default": True},
            },
        }

    def _files_get_upload_url(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        filename = _str_param(params, "filename")
        length = _str_param(params, "length")
        if not filename or not length or not length.isdigit() or int(length) < 1:
            raise _ApiError("invalid_arguments")
        file_id = self._new_id("F")
        self._files[file_id] = _PendingFile(file_id, filename, int(length))
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        files = _json_value(params, "files", error="invalid_arguments")
        if not isinstance(files, list) or not files:
            raise _ApiError("invalid_arguments")
        channel_ids = [_str_param(params, "channel_id") or ""]
        channel_ids += (_str_param(params, "channels") or "").split(",")
        for channel_id in filter(None, channel_ids):
            self._postable_channel(channel_id)
        completed: list[dict[str, Any]] = []
        for item in files:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise _ApiError("invalid_arguments")
            pending = self._files.get(item["id"])
            if pending is None or pending.data is None:
                raise _ApiError("file_not_found")
            completed.append({"id": pending.id, "title": item.get("title") or pending.filename})
        return {"ok": True, "files": completed}


def _describe(call: RecordedCall) -> str:
    """One line per call for the foreground server's console."""
    shown = {
        k: (f"<{len(v)} bytes>" if isinstance(v, bytes) else v) for k, v in call.params.items()
    }
    shown.pop("token", None)
    text = json.dumps(shown, ensure_ascii=False)
    return f"{call.method} {text[:200]}{'…' if len(text) > 200 else ''}"


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the stand-in in the foreground until interrupted, printing its URL and each call."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.standin",
        description="Serve a local stand-in for the Slack Web API until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--team-id", default="T0TEAM")
    parser.add_argument("--team-name", default="Acme")
    parser.add_argument("--bot-user-id", default="UBOT")
    parser.add_argument("--bot-token", default="xoxb-standin")
    parser.add_argument("--quiet", action="store_true", help="do not print each call")
    args = parser.parse_args(argv)

    def show(call: RecordedCall) -> None:
        print(_describe(call), flush=True)

    standin = SlackStandIn(
        team_id=args.team_id,
        team_name=args.team_name,
        bot_user_id=args.bot_user_id,
        bot_token=args.bot_token,
        host=args.host,
        port=args.port,
        on_call=None if args.quiet else show,
    )
    standin.start()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    print(f"Slack stand-in ready at {standin.api_url} (bot token {args.bot_token})", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        standin.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
