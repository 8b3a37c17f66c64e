"""Nothing unverified is ever acted on: forged, oversized and malformed requests to the served app.

Each forged request carries a response_url that points at the stand-in and a member's user id,
so that anything the app did with it would show up there, or in the database.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import select

from slackapp.config import Settings
from slackapp.runtime.app import build_app
from slackapp.runtime.verification import MAX_BODY_BYTES
from slackapp.runtime.web import create_wsgi_app
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.store.db import Database
from slackapp.store.models import Base
from slackapp.usecases.deps import Deps
from tests.support.driver import SIGNING_SECRET, FakeClock, SlackDriver

MARKER = "FORGED-LOG-LINE-7f3a"


def sign(body: bytes, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def now() -> str:
    return str(int(time.time()))


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that nothing changed."""
    with db.session_scope() as session:
        return {
            table.name: sorted((tuple(row) for row in session.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


def bodies(standin: SlackEmulator) -> dict[str, tuple[str, bytes]]:
    """Requests that would make the app act (save, reply, DM, publish) if it believed them."""
    command = urllib.parse.urlencode(
        {
            "team_id": "T0TEAM",
            "user_id": "U1",
            "channel_id": "C1",
            "command": "/connect",
            "text": f"solve answered a question\n{MARKER}",
            "response_url": standin.response_url("forged"),
            "trigger_id": "t.1",
        }
    ).encode()
    action = urllib.parse.urlencode(
        {
            "payload": json.dumps(
                {
                    "type": "block_actions",
                    "team": {"id": "T0TEAM"},
                    "user": {"id": "U1", "team_id": "T0TEAM"},
                    "channel": {"id": "C1"},
                    "response_url": standin.response_url("forged-action"),
                    "trigger_id": "t.2",
                    "actions": [{"action_id": "x", "block_id": "b", "type": "button"}],
                    "note": MARKER,
                }
            )
        }
    ).encode()
    event = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0TEAM",
            "event_id": "EvFORGED",
            "event": {"type": "app_home_opened", "user": "U1", "tab": "home", "note": MARKER},
        }
    ).encode()
    form = "application/x-www-form-urlencoded"
    return {
        "command": (form, command),
        "action": (form, action),
        "event": ("application/json", event),
    }


Forge = Callable[[bytes], dict[str, str]]

# Each forged shape: the headers it sends for a body, and the status it must get.
FORGERIES: dict[str, tuple[Forge, int]] = {
    "no headers": (lambda body: {}, 401),
    "missing timestamp": (lambda body: {"X-Slack-Signature": sign(body, now(), "guess")}, 401),
    "missing signature": (lambda body: {"X-Slack-Request-Timestamp": now()}, 401),
    "timestamp abc": (
        lambda body: {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": sign(body, "abc")},
        400,
    ),
    "empty timestamp": (
        lambda body: {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": sign(body, "")},
        400,
    ),
    "timestamp 1e9": (
        lambda body: {"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": sign(body, "1e9")},
        400,
    ),
    "timestamp of 5000 digits": (
        lambda body: {
            "X-Slack-Request-Timestamp": "9" * 5000,
            "X-Slack-Signature": sign(body, "9" * 5000, "guess"),
        },
        400,
    ),
    "timestamp longer than any epoch second": (
        lambda body: {
            "X-Slack-Request-Timestamp": "0" + now(),
            "X-Slack-Signature": sign(body, "0" + now(), "guess"),
        },
        400,
    ),
    "timestamp in non-ASCII digits": (
        lambda body: {
            "X-Slack-Request-Timestamp": "\u0661" * 10,
            "X-Slack-Signature": sign(body, now(), "guess"),
        },
        400,
    ),
    "malformed signature": (
        lambda body: {"X-Slack-Request-Timestamp": now(), "X-Slack-Signature": "v0=not-hex"},
        400,
    ),
    "signature in upper case": (
        lambda body: {
            "X-Slack-Request-Timestamp": (ts := now()),
            "X-Slack-Signature": sign(body, ts).upper(),
        },
        400,
    ),
    "wrong secret": (
        lambda body: {
            "X-Slack-Request-Timestamp": (ts := now()),
            "X-Slack-Signature": sign(body, ts, "not-our-secret"),
        },
        401,
    ),
    "stale": (
        lambda body: {
            "X-Slack-Request-Timestamp": (ts := str(int(time.time()) - 301)),
            "X-Slack-Signature": sign(body, ts),
        },
        401,
    ),
    "from the future": (
        lambda body: {
            "X-Slack-Request-Timestamp": (ts := str(int(time.time()) + 360)),
            "X-Slack-Signature": sign(body, ts),
        },
        401,
    ),
}


def post(
    url: str, body: bytes, *, headers: dict[str, str], content_type: str | None = None
) -> tuple[int, bytes]:
    """POST raw bytes with exactly these headers (http.client lets any header value through)."""
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname or "", parsed.port, timeout=10)
    try:
        all_headers = {"Content-Length": str(len(body)), **headers}
        if content_type is not None:
            all_headers["Content-Type"] = content_type
        connection.putrequest("POST", parsed.path)
        for name, value in all_headers.items():
            connection.putheader(name, value.encode("utf-8"))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def assert_nothing_happened(slack: SlackDriver, before: dict[str, list[tuple[Any, ...]]]) -> None:
    time.sleep(0.3)  # time for any work after an ack to have sent something
    assert slack.standin.calls() == []
    assert snapshot(slack.db) == before


@pytest.mark.parametrize("kind", ["command", "action", "event"])
@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_forged_requests_are_refused_and_nothing_is_sent_or_saved(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture, forgery: str, kind: str
) -> None:
    caplog.set_level(logging.DEBUG)
    slack.standin.reset()
    before = snapshot(slack.db)
    content_type, body = bodies(slack.standin)[kind]
    forge, expected = FORGERIES[forgery]

    status, answer = post(slack.url, body, headers=forge(body), content_type=content_type)

    assert status == expected, answer
    assert_nothing_happened(slack, before)
    assert MARKER not in caplog.text
    assert "Traceback" not in caplog.text
    refusals = [r for r in caplog.records if r.name == "slackapp.runtime.web"]
    assert len(refusals) == 1
    assert "\n" not in refusals[0].getMessage()
    assert f"Content-Length {len(body)}" in refusals[0].getMessage()


def test_a_signed_request_still_acts(slack: SlackDriver) -> None:
    reply = slack.command("help")
    assert reply.status == 200
    assert "Four ways" in json.dumps(slack.response_to(reply))


def test_a_tampered_body_is_refused(slack: SlackDriver) -> None:
    slack.standin.reset()
    before = snapshot(slack.db)
    content_type, body = bodies(slack.standin)["command"]
    ts = now()
    signature = sign(body.replace(b"solve", b"laugh"), ts)
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}
    status, _ = post(slack.url, body, headers=headers, content_type=content_type)
    assert status == 401
    assert_nothing_happened(slack, before)


# -- size ---------------------------------------------------------------------------------


def raw_request(url: str, head: list[str], body: bytes = b"") -> tuple[int, str]:
    """Send a request line and headers as given (and maybe no body); return status and reason."""
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname or "", parsed.port, timeout=10)
    try:
        connection.putrequest("POST", parsed.path, skip_accept_encoding=True)
        for line in head:
            name, value = line.split(": ", 1)
            connection.putheader(name, value)
        connection.endheaders(body or None)
        response = connection.getresponse()
        response.read()
        return response.status, response.reason
    finally:
        connection.close()


def test_a_body_over_the_limit_is_refused_before_it_is_sent(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    slack.standin.reset()
    ts = now()
    # Only the headers go out: the answer comes before a byte of the body, so none is read.
    status, _ = raw_request(
        slack.url,
        [
            f"Content-Length: {MAX_BODY_BYTES + 1}",
            "Content-Type: application/json",
            f"X-Slack-Request-Timestamp: {ts}",
            f"X-Slack-Signature: {sign(b'', ts)}",
        ],
    )
    assert status == 413
    [line] = [r.getMessage() for r in caplog.records if r.name == "slackapp.runtime.web"]
    assert f"Content-Length {MAX_BODY_BYTES + 1}" in line
    assert "over 1048576 bytes" in line
    assert slack.standin.calls() == []


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ("Content-Length: 99999999999999999999999999999999999999", 413),
        ("Content-Length: abc", 400),
        ("Content-Length: -1", 400),
        ("Transfer-Encoding: chunked", 411),
    ],
)
def test_bad_or_missing_lengths_are_refused(slack: SlackDriver, header: str, status: int) -> None:
    slack.standin.reset()
    ts = now()
    head = [header, f"X-Slack-Request-Timestamp: {ts}", f"X-Slack-Signature: {sign(b'', ts)}"]
    assert raw_request(slack.url, head)[0] == status
    assert slack.standin.calls() == []


def test_a_signed_body_at_the_limit_is_read(slack: SlackDriver) -> None:
    event = {"type": "event_callback", "team_id": "T0TEAM", "event": {"type": "x"}, "pad": ""}
    bare = len(json.dumps(event).encode())
    event["pad"] = "p" * (MAX_BODY_BYTES - bare)
    body = json.dumps(event).encode()
    assert len(body) == MAX_BODY_BYTES
    reply = slack.post(body, content_type="application/json")
    assert reply.status not in {400, 401, 413}


# -- signed but malformed -------------------------------------------------------------------

MALFORMED: dict[str, tuple[str, bytes]] = {
    "bad JSON in payload=": (
        "application/x-www-form-urlencoded",
        b"payload=" + urllib.parse.quote(b'{"type": "block_actions", ').encode(),
    ),
    "payload= that is a list": ("application/x-www-form-urlencoded", b"payload=%5B1%2C2%5D"),
    "payload= that is null": ("application/x-www-form-urlencoded", b"payload=null"),
    "bad JSON": ("application/json", b'{"type": "event_callback", '),
    "JSON that is a list": ("application/json", b'[{"type": "event_callback"}]'),
    "JSON that is a string": ("application/json", b'"event_callback"'),
    "JSON nested past the recursion limit": ("application/json", b"[" * 100_000),
    "JSON with a user that is a number": ("application/json", b'{"type": "x", "user": 5}'),
    "not UTF-8": ("application/x-www-form-urlencoded", b"command=%2Fconnect&text=\xff\xfe"),
    "not UTF-8 JSON": ("application/json", b'{"type": "\xc3\x28"}'),
    "unknown content type": ("text/plain", b"command=/connect&text=help"),
    "no content type": ("", b"command=/connect&text=help"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_signed_but_malformed_requests_get_400_without_a_traceback(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    caplog.set_level(logging.DEBUG)
    slack.standin.reset()
    before = snapshot(slack.db)
    content_type, body = MALFORMED[case]
    ts = now()
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sign(body, ts)}
    status, _ = post(slack.url, body, headers=headers, content_type=content_type or None)
    assert status == 400
    assert_nothing_happened(slack, before)
    assert "Traceback" not in caplog.text
    assert all(r.exc_info is None for r in caplog.records)


# -- the second line: Bolt's own check, its logger, and the error handler -----------------


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def serve_wsgi() -> Iterator[Callable[[Any], str]]:
    """Serve any WSGI callable on loopback; returns its /slack/events URL."""
    servers: list[WSGIServer] = []

    def serve(wsgi: Any) -> str:
        server = make_server("127.0.0.1", 0, wsgi, handler_class=_Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/slack/events"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def _app(standin: SlackEmulator, db: Database, clock: FakeClock) -> Any:
    settings = Settings(
        bot_token=standin.bot_token,
        signing_secret=SIGNING_SECRET,
        api_url=standin.api_url,
        database_url=db.url,
    )
    return build_app(settings, deps=Deps(settings=settings, db=db, clock=clock))


def test_bolt_still_checks_and_never_logs_the_body(
    standin: SlackEmulator,
    db: Database,
    clock: FakeClock,
    serve_wsgi: Callable[[Any], str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    app = _app(standin, db, clock)
    # A web layer whose clock runs 250 s slow passes a request signed 500 s ago; Bolt, on the
    # true clock, must refuse it, and without writing its body to the log.
    url = serve_wsgi(create_wsgi_app(app, db=db, now=lambda: time.time() - 250))
    standin.reset()
    content_type, body = bodies(standin)["command"]
    ts = str(int(time.time()) - 500)
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sign(body, ts)}
    status, _ = post(url, body, headers=headers, content_type=content_type)
    assert status == 401
    time.sleep(0.3)
    assert standin.calls() == []
    assert MARKER not in caplog.text


def test_the_error_handler_never_acts_on_an_unverified_body(
    standin: SlackEmulator,
    db: Database,
    clock: FakeClock,
    serve_wsgi: Callable[[Any], str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Bolt alone, without our web layer in front: its check raises on a timestamp of "abc", and
    # the error handler gets the forged body. It must log and do nothing else.
    caplog.set_level(logging.DEBUG)
    url = serve_wsgi(SlackRequestHandler(_app(standin, db, clock), path="/slack/events"))
    standin.reset()
    before = snapshot(db)
    for kind in ("command", "action"):
        content_type, body = bodies(standin)[kind]
        headers = {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": sign(body, "abc")}
        status, _ = post(url, body, headers=headers, content_type=content_type)
        assert status == 500  # Bolt's own answer when a middleware raises
    time.sleep(0.3)
    assert standin.calls() == []
    assert snapshot(db) == before
    assert "unverified request; not answering it" in caplog.text


def test_socket_mode_requests_count_as_verified_for_failure_reports(
    standin: SlackEmulator, db: Database, clock: FakeClock
) -> None:
    # Socket Mode has no HTTP layer to verify: its requests come over Slack's own authenticated
    # connection, so a failure there is still reported to the member.
    from slack_bolt import BoltRequest
    from sqlalchemy.exc import OperationalError

    app = _app(standin, db, clock)
    standin.reset()

    def broken() -> object:
        raise OperationalError("SELECT 1", {}, Exception("database is locked"))

    db.session_scope = broken  # type: ignore[method-assign,assignment]
    body = dict(urllib.parse.parse_qsl(bodies(standin)["command"][1].decode()))
    response = app.dispatch(BoltRequest(body=body, mode="socket_mode"))
    assert response.status == 200
    # A slash command hears about it in the ack itself.
    assert "couldn't reach its database" in response.body
