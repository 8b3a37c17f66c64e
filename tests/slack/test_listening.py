"""The pool for work after acks, and what the member is shown when a reply gets lost."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from slack_bolt import BoltContext
from slack_sdk import WebClient

from slackapp.sandbox.emulator import SlackEmulator
from slackapp.slack.listening import VERIFIED, FollowUps, reply_then, report_failure
from slackapp.slack.responding import ReplyNotDelivered


def test_wait_idle_waits_for_running_work_and_keeps_taking_more() -> None:
    pool = FollowUps(workers=2, backlog=2)
    release = threading.Event()
    done: list[str] = []

    def slow() -> None:
        release.wait()
        done.append("slow")

    pool.submit(slow)
    assert pool.queued == 1
    releaser = threading.Timer(0.05, release.set)
    releaser.start()
    assert pool.wait_idle(10) == 0
    assert done == ["slow"]
    # Unlike drain, it does not close the pool.
    assert pool.has_room()
    assert pool.submit(lambda: "more").result(timeout=10) == "more"
    pool.shutdown()


def test_drain_closes_the_pool() -> None:
    pool = FollowUps(workers=1, backlog=1)
    assert pool.drain(1) == 0
    assert not pool.has_room()
    pool.shutdown()


# -- a reply the response_url gave no answer to ------------------------------------------------


def _lost(**message: Any) -> ReplyNotDelivered:
    return ReplyNotDelivered("no answer from the response_url (timeout 10 s)", message=message)


def _context(standin: SlackEmulator, *, channel: str | None, token: bool = True) -> BoltContext:
    return BoltContext(
        {
            VERIFIED: True,
            "client": WebClient(token=standin.bot_token, base_url=standin.api_url),
            "token": standin.bot_token if token else None,
            "team_id": "T0TEAM",
            "user_id": "U1",
            "channel_id": channel,
        }
    )


def _shown(standin: SlackEmulator) -> list[tuple[str, dict[str, Any]]]:
    return [
        (call.method, call.params)
        for call in standin.calls()
        if call.method in {"chat.postEphemeral", "chat.postMessage"}
    ]


def test_a_lost_reply_is_shown_through_the_web_api_not_as_a_failure(
    standin: SlackEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    standin.add_channel("C1", name="general")
    context = _context(standin, channel="C1")

    report_failure(_lost(text="Removed", replace_original=True), body={}, context=context)

    [(method, params)] = _shown(standin)
    assert (method, params["channel"], params["user"], params["text"]) == (
        "chat.postEphemeral",
        "C1",
        "U1",
        "Removed",
    )
    assert "sending it another way" in caplog.text
    assert "listener failed" not in caplog.text


@pytest.mark.parametrize(
    ("message", "channel", "token"),
    [
        ({"delete_original": True, "text": ""}, "C1", True),  # nothing to show
        ({"text": "Follow-up card", "replace_original": True}, "D0DM", True),  # a DM's card
        ({"text": "Not installed"}, "C1", False),  # Bolt's refusal: no token to send with
    ],
)
def test_a_lost_reply_is_not_sent_another_way_where_that_would_mislead_or_fail(
    standin: SlackEmulator,
    caplog: pytest.LogCaptureFixture,
    message: dict[str, Any],
    channel: str,
    token: bool,
) -> None:
    context = _context(standin, channel=channel, token=token)

    report_failure(_lost(**message), body={}, context=context)

    assert _shown(standin) == []
    assert "nor sent another way" in caplog.text


def test_a_reply_in_a_dm_that_adds_a_message_is_sent_there(standin: SlackEmulator) -> None:
    context = _context(standin, channel="D0DM")

    report_failure(_lost(text="You already answered this one"), body={}, context=context)

    [(method, params)] = _shown(standin)
    assert (method, params["channel"], params["text"]) == (
        "chat.postMessage",
        "U1",
        "You already answered this one",
    )


def test_reply_then_runs_what_follows_even_after_a_lost_reply_and_reports_the_reply() -> None:
    done: list[str] = []

    def lost_reply() -> None:
        raise _lost(text="Removed")

    def then_fails() -> None:
        done.append("home")
        raise RuntimeError("the Home could not be read")

    with pytest.raises(ReplyNotDelivered):
        reply_then(lost_reply, then_fails)
    assert done == ["home"]
    reply_then(lambda: done.append("reply"), lambda: done.append("home again"))
    assert done == ["home", "reply", "home again"]
