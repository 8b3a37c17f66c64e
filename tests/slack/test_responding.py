"""Replies through a response_url: Bolt's body, our timeout, refusals logged, losses named."""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import threading
from http.client import RemoteDisconnected
from typing import Any

import pytest
from slack_bolt import Respond
from slack_sdk.models.blocks import DividerBlock, SectionBlock

from slackapp.sandbox.emulator import SlackEmulator
from slackapp.slack.responding import ReplyNotDelivered, TimedRespond

_SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Removed*"}}

_REPLIES: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    (("Removed",), {"blocks": [_SECTION], "replace_original": True}),
    ((), {"delete_original": True}),
    (("Only you see this",), {"response_type": "ephemeral", "blocks": []}),
    (("Objects",), {"blocks": [SectionBlock(text="hi"), DividerBlock()], "unfurl_links": False}),
    (({"text": "A whole message", "replace_original": False, "blocks": [_SECTION]},), {}),
    (({"blocks": [], "delete_original": True},), {}),
    (("In a thread",), {"thread_ts": "1700000000.000100", "metadata": {"event_type": "x"}}),
]


@pytest.mark.parametrize(("args", "kwargs"), _REPLIES)
def test_a_reply_sends_what_bolts_respond_sends(
    standin: SlackEmulator, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    Respond(response_url=standin.response_url("bolt"))(*args, **kwargs)
    answer = TimedRespond(response_url=standin.response_url("ours"), timeout=5)(*args, **kwargs)

    assert answer.status_code == 200
    bolts, ours = standin.calls("response_url")
    assert {**bolts.params, "_key": "ours"} == ours.params


def test_a_reply_gives_up_at_its_timeout_not_at_bolts_30_seconds(standin: SlackEmulator) -> None:
    standin.slow("response_url", 3)
    respond = TimedRespond(response_url=standin.response_url(), timeout=0.3)

    with pytest.raises(ReplyNotDelivered, match=r"timeout 0\.3 s"):
        respond("Removed", replace_original=True)


def test_a_reply_to_nobody_listening_is_not_delivered_and_carries_its_message() -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    respond = TimedRespond(response_url=f"http://127.0.0.1:{port}/response/x", timeout=1)

    with pytest.raises(ReplyNotDelivered, match="URLError") as lost:
        respond("Removed", blocks=[_SECTION], replace_original=True)

    assert lost.value.message == {"text": "Removed", "blocks": [_SECTION], "replace_original": True}


def _read_request(connection: socket.socket) -> bytes:
    """One whole HTTP request: closing with part of it unread would reset, not hang up."""
    received = b""
    while b"\r\n\r\n" not in received and (chunk := connection.recv(65536)):
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    while length and len(body) < int(length[1]) and (chunk := connection.recv(65536)):
        body += chunk
    return head + b"\r\n\r\n" + body


def test_a_reply_whose_connection_drops_is_never_sent_again() -> None:
    # Slack may show a reply whose answer never came back: Bolt's respond sends it once more.
    requests: list[bytes] = []
    with socket.create_server(("127.0.0.1", 0)) as server:
        url = f"http://127.0.0.1:{server.getsockname()[1]}/response/x"

        done = threading.Event()

        def hang_up_on_each() -> None:
            server.settimeout(0.1)
            while not done.is_set():
                with contextlib.suppress(TimeoutError):
                    connection, _ = server.accept()
                    with connection:
                        connection.settimeout(5)
                        requests.append(_read_request(connection))  # read, answer nothing

        listener = threading.Thread(target=hang_up_on_each, daemon=True)
        listener.start()
        try:
            with pytest.raises(RemoteDisconnected):
                Respond(response_url=url)("Removed")
            with pytest.raises(ReplyNotDelivered, match="RemoteDisconnected"):
                TimedRespond(response_url=url, timeout=1)("Removed")
        finally:
            done.set()
            listener.join(10)
        assert not listener.is_alive()

    bolts, ours = 2, 1
    assert len(requests) == bolts + ours
    assert all(request.endswith(b'"Removed"}') for request in requests)


def test_a_refused_reply_is_logged_with_slacks_answer(
    standin: SlackEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    standin.fail("response_url", "expired_url")
    respond = TimedRespond(response_url=standin.response_url(), timeout=5)

    with caplog.at_level(logging.WARNING, logger="slackapp.slack.responding"):
        answer = respond("Removed", replace_original=True)

    assert (answer.status_code, answer.body) == (404, "expired_url")
    assert "refused (HTTP 404): expired_url" in caplog.text


def test_what_bolt_refuses_is_refused() -> None:
    with pytest.raises(ValueError, match="no response_url"):
        TimedRespond(response_url=None, timeout=1)("hi")
    respond = TimedRespond(response_url="http://127.0.0.1:9/response/x", timeout=1)
    with pytest.raises(TypeError):
        respond({"text": "hi", "colour": "red"})
    with pytest.raises(ValueError, match="unexpected type"):
        respond(42)  # type: ignore[arg-type]
