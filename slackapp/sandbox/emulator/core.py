"""`SlackEmulator`: a local Slack for Valueboard, over real HTTP and WebSockets on 127.0.0.1.

It answers the Web API methods the app calls with Slack's shapes and errors, records every call
for tests, sends the app what Slack sends when members act (signed HTTP, or Socket Mode), and
keeps what members would see: messages, ephemeral replies, modals, Home tabs and files. The
sandbox's page is one client of it; tests are another. Only the standard library is used.
"""

from __future__ import annotations

import dataclasses
import logging
import mimetypes
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Final
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slackapp.sandbox.emulator import client_api, persist, websocket
from slackapp.sandbox.emulator.delivery import ACK_SECONDS, Deliverer
from slackapp.sandbox.emulator.faults import Faults, Injection
from slackapp.sandbox.emulator.log import describe_call
from slackapp.sandbox.emulator.members import Members
from slackapp.sandbox.emulator.oauth import TOKEN_LIFETIME, Identity, OAuthApp
from slackapp.sandbox.emulator.recording import CallLog, RecordedCall
from slackapp.sandbox.emulator.server import Handler, Server
from slackapp.sandbox.emulator.socket_mode import SOCKET_PATH, SocketConnection, SocketHub
from slackapp.sandbox.emulator.surface import AppSurface
from slackapp.sandbox.emulator.webapi import METHODS, NO_AUTH_METHODS, Call
from slackapp.sandbox.emulator.wire import (
    ApiError,
    BadRequest,
    Reply,
    api_error,
    bearer_token,
    content_type,
    json_reply,
    parse_body,
    parse_multipart,
    text_reply,
)
from slackapp.sandbox.emulator.workspace import Channel, Clock, User, Workspace, system_now
from slackapp.slack.scopes import BOT_SCOPES

__all__ = ["Route", "SlackEmulator"]

log = logging.getLogger("slackapp.sandbox.emulator")

_BOT_TOKEN_PREFIXES: Final = ("xoxb-", "xoxp-")
#: Answers for non-API endpoints that mean "gone for good" rather than "try again".
_GONE: Final = frozenset({"expired_url", "invalid_token", "no_service", "file_not_found"})

_STARTING: Final = (
    b"<!doctype html><meta charset=utf-8><meta http-equiv=refresh content=1>"
    b"<title>Starting</title><p style='font:16px sans-serif;margin:3em'>"
    b"The sandbox is starting; this page reloads by itself.</p>"
)

#: An extra JSON endpoint: params (query merged with the JSON body) in, payload out.
Route = Callable[[dict[str, Any]], dict[str, Any]]


class SlackEmulator:
    """A recording emulation of Slack, served over real HTTP on localhost."""

    def __init__(
        self,
        *,
        team_id: str = "T0TEAM",
        team_name: str = "Acme",
        bot_user_id: str = "UBOT",
        bot_token: str = "xoxb-standin",  # noqa: S107 - a fake token only this fake accepts
        app_token: str = "xapp-1-emulator",  # noqa: S107 - likewise, for Socket Mode
        signing_secret: str = "emulator-signing-secret",  # noqa: S107
        request_url: str | None = None,
        ack_seconds: float = ACK_SECONDS,
        surface: AppSurface | None = None,
        clock: Clock = system_now,
        host: str = "127.0.0.1",
        port: int = 0,
        page_dir: Path | None = None,
        on_call: Callable[[RecordedCall], None] | None = None,
        log_calls: bool = False,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self._host = host
        self._port = port
        self._on_call = on_call
        self._log_calls = log_calls
        self.page_dir = page_dir
        #: Set while a page is on its way (the sandbox serves it once the app answers).
        self.page_coming = False
        # One condition guards all state; wait_for and the page's long poll sleep on it.
        self._cond = threading.Condition()
        self.ws = Workspace(
            team_id=team_id,
            team_name=team_name,
            bot_user_id=bot_user_id,
            clock=clock,
            cond=self._cond,
        )
        self._log = CallLog(self._cond)
        self._faults = Faults()
        self._tokens: set[str] = {bot_token}
        # What each token was granted, sent back as Slack does in `x-oauth-scopes`.
        self._scopes: dict[str, frozenset[str]] = {bot_token: BOT_SCOPES}
        self._app_tokens: set[str] = {app_token}
        # "Add to Slack": the app's credentials, whom each installed token speaks for, and when
        # rotating tokens expire (epoch seconds).
        self._oauth: OAuthApp | None = None
        self._identities: dict[str, Identity] = {}
        self._expires: dict[str, float] = {}
        self._revoked: set[str] = set()
        self.hub = SocketHub()
        self.deliverer = Deliverer(
            hub=self.hub,
            signing_secret=signing_secret,
            request_url=request_url,
            ack_seconds=ack_seconds,
        )
        self.surface = surface or AppSurface()
        self.members = Members(
            ws=self.ws,
            cond=self._cond,
            deliverer=self.deliverer,
            surface=self.surface,
            response_base=self._response_base,
        )
        self.routes: dict[tuple[str, str], Route] = {}
        #: Facts for the page about whoever runs the emulator (the sandbox's data folder…).
        self.page_info: dict[str, Any] = {}
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # ----- identity ------------------------------------------------------------------------

    @property
    def team_id(self) -> str:
        return self.ws.team_id

    @property
    def team_name(self) -> str:
        return self.ws.team_name

    @property
    def domain(self) -> str:
        return self.ws.domain

    @property
    def bot_user_id(self) -> str:
        return self.ws.bot_user_id

    @property
    def bot_id(self) -> str:
        return self.ws.bot_id

    @property
    def uploads(self) -> list[bytes]:
        """The bytes of every completed upload, in order."""
        return self.ws.uploads

    @property
    def lock(self) -> threading.Condition:
        """The lock guarding the workspace, for callers that read several things at once."""
        return self._cond

    # ----- lifecycle -------------------------------------------------------------------------

    def start(self) -> SlackEmulator:
        """Bind the port and serve in a daemon thread; returns self for chaining."""
        if self._server is not None:
            raise RuntimeError("the Slack emulator is already running")
        server = Server((self._host, self._port), self)
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.name = f"slack-emulator-{server.server_address[1]}"
        self._server, self._thread = server, thread
        thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is None:
            return
        self.hub.close_all()
        with self._cond:
            self._cond.notify_all()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> SlackEmulator:
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
    def running(self) -> bool:
        return self._server is not None

    @property
    def connections(self) -> int:
        """How many connections the server has accepted since it started."""
        return self._server.accepted if self._server is not None else 0

    @property
    def base_url(self) -> str:
        """The server root, e.g. "http://127.0.0.1:54321"."""
        if self._server is None:
            raise RuntimeError("start() the Slack emulator before asking for its URL")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL to pass as WebClient(base_url=...); ends with a slash."""
        return f"{self.base_url}/api/"

    def _response_base(self) -> str:
        return f"{self.base_url}/response"

    def response_url(self, key: str = "default") -> str:
        """A response_url whose POSTs are recorded as method "response_url" with "_key"."""
        return f"{self.base_url}/response/{quote(key, safe='')}"

    # ----- the app's side --------------------------------------------------------------------

    @property
    def request_url(self) -> str | None:
        """Where Slack's requests go over HTTP (the app's /slack/events)."""
        return self.deliverer.request_url

    @request_url.setter
    def request_url(self, url: str | None) -> None:
        self.deliverer.request_url = url

    @property
    def signing_secret(self) -> str:
        return self.deliverer.signing_secret

    def socket_connections(self) -> int:
        """How many Socket Mode connections the app holds open."""
        return self.hub.count()

    # ----- inspection --------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        """Return recorded calls in arrival order, optionally only those of one method."""
        return self._log.calls(method)

    def wait_for(self, method: str, *, count: int = 1, timeout: float = 5.0) -> list[RecordedCall]:
        """Block until `count` calls of `method` arrived and return them, else AssertionError."""
        return self._log.wait_for(method, count=count, timeout=timeout)

    def note(self, call: RecordedCall) -> None:
        """Record what Slack showed the member from an ack's own body, beside the calls."""
        with self._cond:
            self._log.record(call)

    def reset(self) -> None:
        """Forget recorded calls, uploads and pending failures; users and channels stay."""
        with self._cond:
            self._log.clear()
            self._faults.clear()
            self.ws.uploads.clear()
            self.ws.files.clear()

    def messages(self, channel: str, *, viewer: str | None = None) -> list[dict[str, Any]]:
        """A conversation's messages as the Web API shows them (ephemerals only to `viewer`)."""
        with self._cond:
            shown = self.ws.messages.get(channel, [])
            return [
                {**m.as_api(team_id=self.team_id), "visible_to": m.visible_to}
                for m in shown
                if m.visible_to is None or m.visible_to == viewer
            ]

    def modals(self, user: str) -> list[dict[str, Any]]:
        """The member's open modals, bottom first, with their inline errors."""
        with self._cond:
            return [
                {**self.ws.view_payload(v), "errors": dict(v.errors)}
                for v in self.ws.modal_stack(user)
            ]

    def home(self, user: str) -> dict[str, Any] | None:
        """The member's Home tab as last published, or None."""
        with self._cond:
            view_id = self.ws.homes.get(user)
            stored = self.ws.views.get(view_id) if view_id else None
            return self.ws.view_payload(stored) if stored else None

    def wait_until(self, check: Callable[[], bool], *, timeout: float = 5.0) -> None:
        """Block until `check()` (run under the lock after each change) is true."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not check():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"gave up after {timeout}s waiting for the workspace")
                self._cond.wait(remaining)

    def save(self, path: Path) -> int:
        """Save conversations and files to `path` (see `persist`); the version saved."""
        with self._cond:
            persist.save(self.ws, path)
            return self.ws.version

    def restore(self, path: Path) -> bool:
        """Load conversations and files saved by `save`; whether there was anything to load."""
        with self._cond:
            return persist.restore(self.ws, path)

    def describe_faults(self) -> list[str]:
        with self._cond:
            return self._faults.describe()

    # ----- scripting ---------------------------------------------------------------------------

    def fail(
        self, method: str, error: str, *, times: int | None = 1, channel: str | None = None
    ) -> None:
        """Answer the next `times` calls of `method` with {"ok": false, "error": error}.

        With `channel`, only calls whose `channel` argument is that id count.
        """
        with self._cond:
            self._faults.fail(method, error, times=times, channel=channel)

    def slow(self, method: str, seconds: float) -> None:
        """Answer every call of `method` only after `seconds` (0 makes it quick again)."""
        with self._cond:
            self._faults.slow(method, seconds)

    def rate_limit(
        self, method: str, *, retry_after: int = 1, times: int = 1, channel: str | None = None
    ) -> None:
        """Answer the next `times` calls of `method` with HTTP 429 and a Retry-After header.

        With `channel`, only calls whose `channel` argument is that id count.
        """
        with self._cond:
            self._faults.rate_limit(method, retry_after=retry_after, times=times, channel=channel)

    def add_token(self, token: str, *, scopes: Iterable[str] = BOT_SCOPES) -> None:
        """Accept another bot or user token as valid, granted `scopes` (the manifest's)."""
        if not token.startswith(_BOT_TOKEN_PREFIXES):
            raise ValueError(f"tokens must start with one of {_BOT_TOKEN_PREFIXES}")
        with self._cond:
            self._tokens.add(token)
            self._scopes[token] = frozenset(scopes)

    def enable_oauth(
        self,
        *,
        client_id: str,
        client_secret: str,
        token_rotation: bool = False,
        lifetime: int = TOKEN_LIFETIME,
    ) -> None:
        """Let the app be installed with these credentials (GET /oauth/v2/authorize)."""
        with self._cond:
            self._oauth = OAuthApp(
                client_id=client_id,
                client_secret=client_secret,
                token_rotation=token_rotation,
                lifetime=lifetime,
            )

    def set_redirect_url(self, url: str) -> None:
        """The app's redirect URL as configured at Slack (where the authorize page sends back)."""
        if self._oauth is None:
            raise RuntimeError("enable_oauth() first")
        with self._cond:
            self._oauth.redirect_url = url

    def add_installable(
        self,
        team_id: str | None,
        *,
        name: str | None = None,
        enterprise_id: str | None = None,
        enterprise_name: str | None = None,
        bot_user_id: str = "UBOT",
    ) -> None:
        """A workspace (or, with team_id None, an Enterprise Grid org) that can install the app.

        The authorize page's `team` parameter picks it by its team id (or enterprise id).
        """
        if self._oauth is None:
            raise RuntimeError("enable_oauth() first")
        identity = Identity(team_id, name, enterprise_id, enterprise_name, bot_user_id)
        with self._cond:
            self._oauth.installable[identity.key] = identity

    def identity_of(self, token: str) -> Identity | None:
        """Whom an installed token speaks for (None for tokens not handed out by installing)."""
        with self._cond:
            return self._identities.get(token)

    def installed_tokens(self) -> list[str]:
        """Every token handed out by installing or refreshing, oldest first."""
        with self._cond:
            return list(self._identities)

    def expire_token(self, token: str) -> None:
        """Make a rotating token expired now: Slack answers its calls with token_expired."""
        with self._cond:
            self._expires[token] = 0.0

    def revoke_token(self, token: str) -> None:
        """Revoke a token (as an uninstall does): its calls get token_revoked."""
        with self._cond:
            self._tokens.discard(token)
            self._revoked.add(token)

    def set_scopes(self, token: str, scopes: Iterable[str]) -> None:
        """Change what a known token was granted, as a reinstall with other scopes would."""
        with self._cond:
            if token not in self._tokens:
                raise ValueError(f"unknown token {token!r}: add_token it first")
            self._scopes[token] = frozenset(scopes)

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
        title: str = "",
    ) -> None:
        """Register (or replace) a workspace member for users.info, users.list and the page."""
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {tz!r}") from None
        handle = name or user_id.lower()
        user = User(
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
            title=title,
        )
        with self._cond:
            self.ws.users[user_id] = user
            self.ws.changed()

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
            self.ws.channels[channel_id] = Channel(
                channel_id, name.removeprefix("#"), is_private, is_member, is_archived
            )
            self.ws.changed()

    def set_topic(self, channel_id: str, topic: str) -> None:
        """Set a channel's topic, as the page shows it beside the channel's name."""
        with self._cond:
            self.ws.channels[channel_id].topic = topic
            self.ws.changed()

    def add_route(self, verb: str, path: str, route: Route) -> None:
        """Serve an extra JSON endpoint (how the sandbox adds its clock and sample data)."""
        self.routes[(verb.upper(), path)] = route

    # ----- request handling --------------------------------------------------------------------

    def handle(
        self, *, verb: str, target: str, headers: dict[str, str], body: bytes, at: float
    ) -> Reply:
        """Route one HTTP request; called from the server threads."""
        parts = urlsplit(target)
        path = parts.path
        query: dict[str, Any] = dict(parse_qsl(parts.query, keep_blank_values=True))
        if path in {"/_emulator/calls", "/_standin/calls"} and verb == "GET":
            return json_reply(self._log.as_json(query.get("method")))
        extra = self.routes.get((verb, path))
        if extra is not None or path.startswith("/client/"):
            return client_api.serve(self, verb=verb, path=path, query=query, body=body)
        if verb == "GET" and (path == "/" or path.startswith(("/page/", "/files/"))):
            return self._static(path)
        if verb == "GET" and path == "/oauth/v2/authorize":
            return self._authorize_page(query)
        for prefix, handler in (
            ("/api/", self._handle_api),
            ("/response/", self._handle_response_url),
            ("/upload/", self._handle_upload),
        ):
            if not path.startswith(prefix):
                continue
            raw_name = path.removeprefix(prefix)
            if not raw_name or "/" in raw_name:
                return json_reply({"ok": False, "error": "unknown_method"}, status=404)
            if verb != "POST" and prefix != "/api/":
                return json_reply({"ok": False, "error": "method_not_allowed"}, status=405)
            return handler(unquote(raw_name), query, headers, body, at)
        return json_reply({"ok": False, "error": "not_found"}, status=404)

    def _finish(self, call: RecordedCall, result: str) -> None:
        """After answering: log the call in words and tell whoever listens."""
        if self._log_calls:
            with self._cond:
                line = describe_call(self.ws, call, result)
            log.info("%s", line)
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
        declared: str | None = None,
    ) -> tuple[dict[str, Any], Reply | None]:
        """Merge query and body params; on a malformed body record the call and return a 400."""
        kind = headers.get("content-type", "") if declared is None else declared
        try:
            return {**query, **parse_body(kind, body)}, None
        except BadRequest as exc:
            call = RecordedCall(method, dict(query), headers, body, bearer_token(headers), at)
            with self._cond:
                self._log.record(call)
            self._finish(call, f"HTTP 400 {exc.error}")
            return {}, json_reply({"ok": False, "error": exc.error}, status=400)

    @staticmethod
    def _rate_limited(injection: Injection) -> Reply:
        return json_reply(
            {"ok": False, "error": "ratelimited"},
            status=429,
            headers=(("Retry-After", str(injection.retry_after)),),
        )

    def _handle_api(
        self, method: str, query: dict[str, Any], headers: dict[str, str], body: bytes, at: float
    ) -> Reply:
        params, bad = self._parse(method, query, headers, body, at)
        if bad is not None:
            return bad
        token = bearer_token(headers)
        if token is None and isinstance(params.get("token"), str) and params["token"]:
            token = params["token"]
        call = RecordedCall(method, params, headers, body, token, at)
        with self._cond:
            delay = self._faults.delay(method)
        if delay:
            time.sleep(delay)  # a slow Slack: outside the lock, so calls overlap as they would
        with self._cond:
            reply, result = self._answer_api(method, params, token, headers)
            granted = self._scopes.get(token or "") if token in self._tokens else None
            self._log.record(call)
        self._finish(call, result)
        if granted is not None:
            # Slack names a valid token's scopes on every Web API answer.
            scopes = ("X-OAuth-Scopes", ",".join(sorted(granted)))
            reply = dataclasses.replace(reply, headers=(*reply.headers, scopes))
        return reply

    def _authorize_page(self, query: dict[str, Any]) -> Reply:
        """Slack's authorize page, as if the person pressed Allow: back to the app with a code."""
        with self._cond:
            if self._oauth is None:
                return text_reply("this stand-in has no app to install (enable_oauth)", status=404)
            try:
                location = self._oauth.authorize(query)
            except ApiError as exc:
                return text_reply(f"cannot install: {exc.error}", status=400)
        return Reply(302, b"", "text/plain; charset=utf-8", (("Location", location),))

    def _oauth_access(self, params: dict[str, Any], headers: dict[str, str]) -> tuple[Reply, str]:
        """oauth.v2.access: a code or a refresh token for a bot token of one workspace."""
        if self._oauth is None:
            return api_error("invalid_client_id"), "invalid_client_id"
        try:
            self._oauth.check_client(params, headers)
            identity, token, scopes, answer = self._oauth.exchange(params)
        except ApiError as exc:
            return api_error(exc.error), exc.error
        self._tokens.add(token)
        self._scopes[token] = scopes
        self._identities[token] = identity
        expires = self._oauth.expires_at()
        if expires is not None:
            self._expires[token] = expires
        return json_reply(answer), "ok"

    def _answer_api(
        self,
        method: str,
        params: dict[str, Any],
        token: str | None,
        headers: dict[str, str] | None = None,
    ) -> tuple[Reply, str]:
        # Caller holds self._cond, so methods see and change state atomically.
        if method == "oauth.v2.access":
            return self._oauth_access(params, headers or {})
        if token in self._revoked:
            return api_error("token_revoked"), "token_revoked"
        if token is not None and self._expires.get(token, float("inf")) <= time.time():
            return api_error("token_expired"), "token_expired"
        if method == "auth.test" and token in self._identities and token in self._tokens:
            return json_reply(self._identities[token].auth_test()), "ok"
        if method not in NO_AUTH_METHODS:
            if not token:
                return api_error("not_authed"), "not_authed"
            if method == "apps.connections.open":
                if token in self._tokens:
                    return api_error("not_allowed_token_type"), "not_allowed_token_type"
                if token not in self._app_tokens:
                    return api_error("invalid_auth"), "invalid_auth"
            elif token in self._app_tokens:
                return api_error("not_allowed_token_type"), "not_allowed_token_type"
            elif token not in self._tokens:
                return api_error("invalid_auth"), "invalid_auth"
        channel = params.get("channel")
        injection = self._faults.take(method, channel if isinstance(channel, str) else None)
        if injection is not None:
            if injection.kind == "ratelimit":
                return self._rate_limited(injection), "HTTP 429 (scripted)"
            return api_error(injection.error), f"{injection.error} (scripted)"
        if method == "apps.connections.open":
            return self._connections_open(), "ok"
        handler = METHODS.get(method)
        if handler is None:
            return json_reply({"ok": True}), "ok (not emulated)"
        try:
            return json_reply(handler(Call(self.ws, params, token, self.base_url))), "ok"
        except ApiError as exc:
            return api_error(exc.error), exc.error

    def _connections_open(self) -> Reply:
        ticket = self.hub.new_ticket()
        host_port = self.base_url.removeprefix("http://")
        url = f"ws://{host_port}{SOCKET_PATH}?ticket={ticket}&app_id=A0EMULATOR"
        return json_reply({"ok": True, "url": url})

    def upgrade(self, handler: Handler) -> None:
        """Turn a GET /socket-mode request into a Socket Mode connection and serve it."""
        parts = urlsplit(handler.path)
        query = dict(parse_qsl(parts.query))
        key = handler.headers.get("Sec-WebSocket-Key", "")
        if (
            parts.path != SOCKET_PATH
            or not key
            or not self.hub.take_ticket(query.get("ticket", ""))
        ):
            handler.send(json_reply({"ok": False, "error": "invalid_ticket"}, status=401))
            return
        handler.send_response(101, "Switching Protocols")
        handler.send_header("Upgrade", "websocket")
        handler.send_header("Connection", "Upgrade")
        handler.send_header("Sec-WebSocket-Accept", websocket.accept_key(key))
        handler.end_headers()
        handler.wfile.flush()
        connection = SocketConnection(self.hub, handler.rfile, handler.wfile)  # type: ignore[arg-type]
        self.hub.add(connection)
        with self._cond:
            self.ws.changed()
        connection.serve()
        with self._cond:
            self.ws.changed()

    def _handle_response_url(
        self, key: str, query: dict[str, Any], headers: dict[str, str], body: bytes, at: float
    ) -> Reply:
        # Slack reads response_url bodies as JSON whatever the Content-Type says.
        params, bad = self._parse(
            "response_url", query, headers, body, at, declared="application/json"
        )
        if bad is not None:
            return bad
        params["_key"] = key
        call = RecordedCall("response_url", params, headers, body, None, at)
        with self._cond:
            delay = self._faults.delay("response_url")
        if delay:
            time.sleep(delay)  # as a slow Web API method: outside the lock
        with self._cond:
            injection = self._faults.take("response_url")
            self._log.record(call)
            status, text = 200, "ok"
            if injection is None and key in self.ws.responses:
                status, text = self.members.respond(key, params)
        if injection is not None:
            reply = self._injected(injection)
        elif key not in self.ws.responses and not (
            params.get("text")
            or params.get("blocks")
            or params.get("attachments")
            or params.get("delete_original")
        ):
            reply = text_reply("no_text", status=400)
        else:
            reply = text_reply(text, status=status)
        self._finish(call, reply.body.decode())
        return reply

    def _handle_upload(
        self, file_id: str, query: dict[str, Any], headers: dict[str, str], body: bytes, at: float
    ) -> Reply:
        kind, msg = content_type(headers.get("content-type", ""))
        params: dict[str, Any] = {**query, "file_id": file_id}
        data = body
        if kind == "multipart/form-data":
            boundary = msg.get_param("boundary")
            try:
                if not isinstance(boundary, str) or not boundary:
                    raise BadRequest("invalid_form_data")
                parts = parse_multipart(body, boundary)
            except BadRequest as exc:
                call = RecordedCall("upload", params, headers, body, None, at)
                with self._cond:
                    self._log.record(call)
                self._finish(call, f"HTTP 400 {exc.error}")
                return json_reply({"ok": False, "error": exc.error}, status=400)
            files = [content for disposition, content in parts if disposition["filename"]]
            data = files[0] if files else (parts[0][1] if parts else b"")
            for disposition, content in parts:
                if not disposition["filename"]:
                    params[disposition["name"]] = content.decode("utf-8", "replace")
        call = RecordedCall("upload", params, headers, body, None, at)
        with self._cond:
            pending = self.ws.files.get(file_id)
            injection = self._faults.take("upload") if pending is not None else None
            if pending is not None and injection is None:
                pending.data = data
                self.ws.uploads.append(data)
            self._log.record(call)
        if pending is None:
            reply = text_reply("file_not_found", status=404)
        elif injection is not None:
            reply = self._injected(injection)
        else:
            reply = text_reply(f"OK - {len(data)}")
        self._finish(call, reply.body.decode())
        return reply

    def _injected(self, injection: Injection) -> Reply:
        if injection.kind == "ratelimit":
            return self._rate_limited(injection)
        return text_reply(injection.error, status=404 if injection.error in _GONE else 400)

    def _static(self, path: str) -> Reply:
        """The page's own files, and uploaded files for the page to show."""
        if path.startswith("/files/"):
            file_id = path.removeprefix("/files/").split("/", 1)[0]
            with self._cond:
                stored = self.ws.files.get(file_id)
            if stored is None or stored.data is None:
                return text_reply("file_not_found", status=404)
            return Reply(200, stored.data, stored.mimetype, (("Cache-Control", "max-age=3600"),))
        if self.page_dir is None:
            if self.page_coming and path == "/":
                return Reply(503, _STARTING, "text/html; charset=utf-8", (("Retry-After", "1"),))
            return json_reply({"ok": False, "error": "not_found"}, status=404)
        name = "index.html" if path == "/" else path.removeprefix("/page/")
        if not name or "/" in name or name.startswith("."):
            return text_reply("not found", status=404)
        file = self.page_dir / name
        if not file.is_file():
            return text_reply("not found", status=404)
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in {"application/javascript", "text/javascript"}:
            kind += "; charset=utf-8"
        return Reply(200, file.read_bytes(), kind, (("Cache-Control", "no-cache"),))
