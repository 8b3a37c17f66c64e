"""Requests reach the app signed like Slack's, and Slack's own errors show when they don't."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from slackapp.sandbox import seed
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.sandbox.emulator.members import MODAL_TROUBLE, SLACKBOT
from tests.sandbox.rig import sandbox_emulator
from tests.support.driver import FakeClock

ANA, MARKETING = "U0ANA", "C0MARKETING"


class FakeApp(ThreadingHTTPServer):
    """A stand-in for the app: records what arrives, answers after `delay` with `answer`."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.delay = 0.0
        self.answer: dict[str, Any] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/slack/events"


class _Handler(BaseHTTPRequestHandler):
    server: FakeApp

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        time.sleep(self.server.delay)
        payload = json.dumps(self.server.answer).encode() if self.server.answer else b""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def fake_app() -> Iterator[FakeApp]:
    app = FakeApp()
    thread = threading.Thread(target=app.serve_forever, daemon=True)
    thread.start()
    yield app
    app.shutdown()
    app.server_close()


@pytest.fixture
def emulator(clock: FakeClock, fake_app: FakeApp) -> Iterator[SlackEmulator]:
    with sandbox_emulator(clock, request_url=fake_app.url, ack_seconds=0.5) as emulator:
        seed.populate(emulator)
        yield emulator


def test_requests_are_signed_with_the_signing_secret(
    emulator: SlackEmulator, fake_app: FakeApp
) -> None:
    emulator.members.command(user=ANA, channel=MARKETING, text="/connect help")

    ((headers, body),) = fake_app.received
    verifier = SignatureVerifier(emulator.signing_secret)
    assert verifier.is_valid_request(body, headers)
    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    assert form["command"] == "/connect"
    assert form["text"] == "help"
    assert form["response_url"].startswith(emulator.base_url + "/response/")
    assert form["channel_name"] == "marketing"


def test_a_plain_text_ack_is_shown_as_the_reply(emulator: SlackEmulator, fake_app: FakeApp) -> None:
    fake_app.answer = {"response_type": "in_channel", "text": "for everyone"}

    emulator.members.command(user=ANA, channel=MARKETING, text="/mystats")

    shown = emulator.messages(MARKETING, viewer="U0BEN")[-1]
    assert (shown["text"], shown["visible_to"]) == ("for everyone", None)


def test_an_ack_later_than_three_seconds_is_slacks_operation_timeout(
    emulator: SlackEmulator, fake_app: FakeApp
) -> None:
    fake_app.delay = 1.0

    outcome = emulator.members.command(user=ANA, channel=MARKETING, text="/connect help")

    assert outcome.error == "operation_timeout"
    reply = emulator.messages(MARKETING, viewer=ANA)[-1]
    assert reply["user"] == SLACKBOT
    assert reply["text"] == '/connect failed with the error "operation_timeout"'


def test_an_unreachable_app_is_dispatch_failed(clock: FakeClock) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/slack/events"
    with sandbox_emulator(clock, request_url=closed) as emulator:
        seed.populate(emulator)
        outcome = emulator.members.command(user=ANA, channel=MARKETING, text="/connect")
        assert outcome.error == "dispatch_failed"
        assert "dispatch_failed" in emulator.messages(MARKETING, viewer=ANA)[-1]["text"]


def test_a_submission_nobody_acknowledges_keeps_the_modal_with_slacks_warning(
    emulator: SlackEmulator, fake_app: FakeApp
) -> None:
    with emulator.lock:
        trigger = emulator.ws.issue_trigger(user=ANA, channel=MARKETING)
    client = WebClient(token=emulator.bot_token, base_url=emulator.api_url)
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Form"}, "blocks": []}
    opened = client.views_open(trigger_id=trigger, view=view)["view"]
    fake_app.delay = 1.0

    outcome = emulator.members.submit(user=ANA, view_id=opened["id"])

    assert outcome.error == "operation_timeout"
    (modal,) = emulator.modals(ANA)
    assert modal["errors"] == {"": MODAL_TROUBLE}
