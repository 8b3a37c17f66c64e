"""Requests as Slack sends them: signatures checked, events acted on once, acks fast."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from tests.support.databases import patient_gates
from tests.support.driver import SlackDriver


def test_unsigned_request_is_refused(slack: SlackDriver) -> None:
    reply = slack.post_form({"command": "/connect", "text": "help"}, signed=False)
    assert reply.status == 401
    assert slack.standin.calls("response_url") == []


def test_wrongly_signed_request_is_refused(slack: SlackDriver) -> None:
    reply = slack.command("help", secret="not-our-secret")
    assert reply.status == 401


def test_stale_request_is_refused(slack: SlackDriver) -> None:
    reply = slack.command("help", timestamp=int(time.time()) - 301)
    assert reply.status == 401


def test_tampered_body_is_refused(slack: SlackDriver) -> None:
    from slack_sdk.signature import SignatureVerifier

    from tests.support.driver import SIGNING_SECRET

    ts = str(int(time.time()))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body="text=help")
    assert signature is not None
    reply = slack.post(
        b"text=solve+something+else",
        content_type="application/x-www-form-urlencoded",
        signed=False,
        headers={"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature},
    )
    assert reply.status == 401


def test_url_verification_challenge_is_answered(slack: SlackDriver) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    reply = slack.post(body.encode(), content_type="application/json")
    assert reply.status == 200
    assert b"abc123" in reply.body


def test_event_retries_are_acted_on_once(slack: SlackDriver) -> None:
    event = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}
    first = slack.event(event, event_id="Ev0001")
    slack.standin.wait_for("views.publish")
    retry = slack.event(
        event,
        event_id="Ev0001",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert (first.status, retry.status) == (200, 200)
    time.sleep(0.5)
    assert len(slack.standin.calls("views.publish")) == 1
    slack.event(event, event_id="Ev0002")
    slack.standin.wait_for("views.publish", count=2)


def test_health_check_reports_the_database(slack: SlackDriver) -> None:
    import urllib.request

    url = slack.url.replace("/slack/events", "/healthz")
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"ok": True, "database": "up"}


def test_acks_come_back_before_the_slow_work_after_them(slack: SlackDriver) -> None:
    # users.info answers 429 / Retry-After: 8 to each member's first look-up, so the work after
    # each ack takes at least 8 s (room for a busy machine to ack them all). Every ack must be
    # back before any of that work finishes, even with more requests at once than there are
    # listener threads.
    concurrency = slack.deps.settings.listener_workers + 4
    for n in range(concurrency):
        slack.standin.add_user(f"UX{n}", tz="Asia/Tokyo")
    slack.standin.rate_limit("users.info", retry_after=8, times=concurrency)
    with patient_gates(slack.db), ThreadPoolExecutor(max_workers=concurrency) as pool:
        replies = list(
            pool.map(
                lambda n: slack.command(f"solve answered question {n}", user=f"UX{n}"),
                range(concurrency),
            )
        )
    assert [r.status for r in replies] == [200] * concurrency
    # Each confirmation came back in its own ack, before any of the slow work after the acks.
    assert all("Saved" in reply.json()["text"] for reply in replies)
    # Each member's users.info is refused once (429), then asked again after Retry-After.
    looked_up = slack.standin.wait_for("users.info", count=2 * concurrency, timeout=60)
    retried = sorted(call.at for call in looked_up)[concurrency:]
    last_ack = max(reply.answered_at for reply in replies)
    assert last_ack < min(retried), "an ack waited for the work after it"
