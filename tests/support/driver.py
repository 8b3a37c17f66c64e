"""Drive a served Valueboard the way Slack does: signed HTTP requests to /slack/events."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from collections.abc import Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import count
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_sdk.signature import SignatureVerifier

from slackapp.config import Settings
from slackapp.runtime.app import build_app
from slackapp.runtime.web import create_wsgi_app
from slackapp.sandbox.emulator import RecordedCall, SlackEmulator
from slackapp.slack.listening import FollowUps
from slackapp.store.db import Database
from slackapp.usecases.deps import Deps

SIGNING_SECRET = "test-signing-secret"
#: The Enterprise Grid organisation of org-wide install payloads.
ORG_ID = "E0ORG"


class FakeClock:
    """A clock tests set by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Reply:
    status: int
    body: bytes
    elapsed: float
    #: The response_url key the request carried, for `SlackDriver.response_to`.
    response_key: str | None = None
    #: time.monotonic() when the answer arrived (the stand-in stamps its calls the same way).
    answered_at: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # Tests send bursts of concurrent requests; the default backlog of 5 would reset some.
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class SlackDriver:
    """Sends Slack-shaped requests to the served app and reads what the stand-in received."""

    url: str
    standin: SlackEmulator
    db: Database
    clock: FakeClock
    deps: Deps
    team_id: str = "T0TEAM"
    #: Which install the payloads come from: "workspace", or "org" (an Enterprise Grid org-wide
    #: install: interactivity with `team: null`, events whose authorization has no team).
    install: str = "workspace"
    #: Add fields Slack may send that we have never seen, everywhere in the payload.
    unknown_fields: bool = False
    #: The served app's pool for the work after its acks (see `settle`).
    listeners: Executor | None = None
    _ids: Iterator[int] = field(default_factory=lambda: count(1))

    # -- raw ------------------------------------------------------------------------------

    def post(
        self,
        body: bytes,
        *,
        content_type: str,
        signed: bool = True,
        secret: str = SIGNING_SECRET,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if signed:
            verifier = SignatureVerifier(secret)
            all_headers["X-Slack-Request-Timestamp"] = ts
            signature = verifier.generate_signature(timestamp=ts, body=body)
            assert signature is not None
            all_headers["X-Slack-Signature"] = signature
        request = urllib.request.Request(self.url, data=body, headers=all_headers, method="POST")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        return Reply(status, body, time.perf_counter() - started, answered_at=time.monotonic())

    def _shaped(self, payload: dict[str, Any]) -> dict[str, Any]:
        """`payload` as the configured install and curiosity would send it."""
        shaped = dict(payload)
        if self.install == "org":
            shaped["is_enterprise_install"] = True
            shaped["enterprise"] = {"id": ORG_ID, "name": "Acme Org"}
            if isinstance(shaped.get("team"), dict):
                shaped["team"] = None
            if isinstance(shaped.get("user"), dict):
                shaped["user"] = {**shaped["user"], "enterprise_id": ORG_ID}
        if self.unknown_fields:
            shaped["x_field_from_the_future"] = {"nested": [1, {"deeper": True}]}
            for key in ("user", "team", "view", "message", "channel"):
                if isinstance(shaped.get(key), dict):
                    shaped[key] = {**shaped[key], "x_new_flag": "yes"}
        return shaped

    def post_form(self, fields: dict[str, str], **kwargs: Any) -> Reply:
        if "command" in fields:
            if self.install == "org":
                fields = {**fields, "enterprise_id": ORG_ID, "is_enterprise_install": "true"}
            if self.unknown_fields:
                fields = {**fields, "x_field_from_the_future": "42"}
        body = urllib.parse.urlencode(fields).encode()
        return self.post(body, content_type="application/x-www-form-urlencoded", **kwargs)

    def post_payload(self, payload: dict[str, Any], **kwargs: Any) -> Reply:
        return self.post_form({"payload": json.dumps(self._shaped(payload))}, **kwargs)

    # -- Slack-shaped requests ------------------------------------------------------------

    def command(
        self,
        text: str = "",
        *,
        command: str = "/connect",
        user: str = "U1",
        channel: str = "C1",
        **kwargs: Any,
    ) -> Reply:
        """A slash command, as Slack posts it."""
        n = next(self._ids)
        reply = self.post_form(
            {
                "token": "deprecated-verification-token",
                "team_id": self.team_id,
                "team_domain": "acme",
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user,
                "user_name": user.lower(),
                "command": command,
                "text": text,
                "api_app_id": "A0APP",
                "response_url": self.standin.response_url(f"cmd{n}"),
                "trigger_id": f"trigger.{n}",
            },
            **kwargs,
        )
        reply.response_key = f"cmd{n}"
        for call in _message_in_ack(reply):
            self.standin.note(call)
        return reply

    def _user(self, user: str) -> dict[str, Any]:
        return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": self.team_id}

    def _team(self) -> dict[str, Any]:
        return {"id": self.team_id, "domain": "acme"}

    def block_action(
        self,
        action_id: str,
        *,
        value: str | None = None,
        user: str = "U1",
        channel: str | None = "C1",
        container: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
    ) -> Reply:
        """A button click."""
        n = next(self._ids)
        action: dict[str, Any] = {
            "type": "button",
            "action_id": action_id,
            "block_id": "b",
            "action_ts": f"{time.time():.6f}",
            "text": {"type": "plain_text", "text": "x"},
        }
        if value is not None:
            action["value"] = value
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": self._team(),
            "user": self._user(user),
            "api_app_id": "A0APP",
            "trigger_id": f"trigger.{n}",
            "container": container or {"type": "message"},
            "actions": [action],
        }
        if channel:
            payload["channel"] = {"id": channel, "name": "general"}
            payload["response_url"] = self.standin.response_url(f"act{n}")
        if view is not None:
            payload["view"] = view
        reply = self.post_payload(payload)
        reply.response_key = f"act{n}" if channel else None
        return reply

    def submit_view(
        self,
        view: dict[str, Any],
        values: dict[str, Any],
        *,
        user: str = "U1",
        view_id: str | None = None,
    ) -> Reply:
        """Submit a modal the app opened, with `values` as Slack's state.values."""
        n = next(self._ids)
        submitted = {
            **view,
            "id": view_id or f"V{n:08d}",
            "team_id": self.team_id,
            "state": {"values": values},
            "hash": f"h{n}",
        }
        payload = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user),
            "api_app_id": "A0APP",
            "trigger_id": f"trigger.{n}",
            "view": submitted,
        }
        return self.post_payload(payload)

    def message_shortcut(
        self, callback_id: str, *, message: dict[str, Any], user: str = "U1", channel: str = "C1"
    ) -> Reply:
        n = next(self._ids)
        return self.post_payload(
            {
                "type": "message_action",
                "callback_id": callback_id,
                "team": self._team(),
                "user": self._user(user),
                "channel": {"id": channel, "name": "general"},
                "message": message,
                "message_ts": message.get("ts"),
                "response_url": self.standin.response_url(f"sc{n}"),
                "trigger_id": f"trigger.{n}",
            }
        )

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """An Events API delivery."""
        n = next(self._ids)
        body = {
            "token": "deprecated",
            "team_id": self.team_id,
            "api_app_id": "A0APP",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{n:08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "team_id": self.team_id,
                    "user_id": "UBOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        }
        if self.install == "org":
            body["enterprise_id"] = ORG_ID
            body["authorizations"] = [
                {
                    "enterprise_id": ORG_ID,
                    "team_id": None,
                    "user_id": "UBOT",
                    "is_bot": True,
                    "is_enterprise_install": True,
                }
            ]
        if self.unknown_fields:
            body["x_field_from_the_future"] = {"nested": True}
            event = {**event, "x_new_flag": "yes"}
            body["event"] = event
        return self.post(
            json.dumps(body).encode(), content_type="application/json", headers=headers
        )

    # -- reading back ---------------------------------------------------------------------

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until the app has finished the work after every ack so far (Home refreshes,
        replies): what the stand-in records next is caused by what the test does next."""
        if isinstance(self.listeners, FollowUps):
            left = self.listeners.wait_idle(timeout)
            assert left == 0, f"{left} pieces of work after acks still running after {timeout} s"

    def responses(self, *, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Messages the member saw in reply: in acks, and posted to response_urls, in order."""
        return [
            call.params
            for call in self.standin.wait_for("response_url", count=count, timeout=timeout)
        ]

    def response_to(self, reply: Reply, *, count: int = 1, timeout: float = 5.0) -> dict[str, Any]:
        """The `count`-th body posted to the response_url of the request that got `reply`."""
        return self.response_call(reply, count=count, timeout=timeout).params

    def response_call(self, reply: Reply, *, count: int = 1, timeout: float = 5.0) -> RecordedCall:
        """Like `response_to`, with the stand-in's record of the call (and its time).

        A message in the ack itself (how /connect confirms) is what Slack shows first, so it
        counts as the first response, ahead of those posted to the response_url later.
        """
        assert reply.response_key is not None, "that request carried no response_url"
        deadline = time.monotonic() + timeout
        while True:
            calls = [
                call
                for call in self.standin.calls("response_url")
                if call.params.get("_key") == reply.response_key
            ]
            if len(calls) >= count:
                return calls[count - 1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no response #{count} to {reply.response_key}")
            time.sleep(0.01)

    def last_response(self) -> dict[str, Any]:
        return self.standin.calls("response_url")[-1].params

    def opened_view(self, *, count: int = 1) -> dict[str, Any]:
        call = self.standin.wait_for("views.open", count=count)[count - 1]
        view = call.json_param("view")
        assert isinstance(view, dict)
        return view


def _message_in_ack(reply: Reply) -> list[RecordedCall]:
    """The ack's body as a response, when it carries a message for the member."""
    try:
        body = reply.json()
    except ValueError:
        return []
    if not isinstance(body, dict) or not ("text" in body or "blocks" in body):
        return []
    params = {"_key": reply.response_key, **body}
    return [
        RecordedCall(
            method="response_url",
            params=params,
            headers={},
            body=reply.body,
            token=None,
            at=reply.answered_at,
        )
    ]


#: The listener pools of the apps served against each database, for `finish_listeners`.
_LISTENERS: weakref.WeakKeyDictionary[Database, list[Executor]] = weakref.WeakKeyDictionary()


def track_listeners(app: App, db: Database) -> None:
    """Have `finish_listeners(db)` wait for `app`'s work after its acks."""
    _LISTENERS.setdefault(db, []).append(app.listener_runner.listener_executor)


def finish_listeners(db: Database) -> None:
    """Wait for the work that apps served against `db` still do after their acks, and stop them.

    Fixtures call this before the database goes, so that no late write reaches the next test.
    """
    for executor in _LISTENERS.pop(db, []):
        executor.shutdown(wait=True)


@dataclass
class ServedApp:
    driver: SlackDriver
    server: WSGIServer
    thread: threading.Thread

    def close(self) -> None:
        """Stop serving, then wait for the work after the acks (see `finish_listeners`)."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        finish_listeners(self.driver.db)


def serve_app(
    *, standin: SlackEmulator, db: Database, clock: FakeClock, settings: Settings | None = None
) -> ServedApp:
    """Build the app against the stand-in and serve it on loopback in a thread.

    With `settings.client_id` set it runs for many workspaces ("Add to Slack"), no bot token.
    """
    base = settings or Settings()
    settings = replace(
        base,
        bot_token=None if base.client_id else standin.bot_token,
        signing_secret=SIGNING_SECRET,
        api_url=standin.api_url,
        database_url=db.url,
    )
    deps = Deps(settings=settings, db=db, clock=clock)
    app = build_app(settings, deps=deps)
    server = make_server(
        "127.0.0.1",
        0,
        create_wsgi_app(app, db=db),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    # shutdown() waits for the loop to look at its flag, every poll_interval (0.5 s by default).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    track_listeners(app, db)
    port = server.server_address[1]
    driver = SlackDriver(
        url=f"http://127.0.0.1:{port}/slack/events",
        standin=standin,
        db=db,
        clock=clock,
        deps=deps,
        listeners=app.listener_runner.listener_executor,
    )
    return ServedApp(driver=driver, server=server, thread=thread)
