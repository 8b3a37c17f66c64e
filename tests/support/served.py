"""Talking to a served Valueboard process as Slack does: signed requests over HTTP, and stopping
the process afterwards."""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.parse
import urllib.request

from slack_sdk.signature import SignatureVerifier

FORM = "application/x-www-form-urlencoded"


def slash_command(
    text: str,
    *,
    response_url: str,
    user_id: str = "U1",
    trigger_id: str = "t.1",
    command: str = "/connect",
) -> bytes:
    """The form body Slack posts for `command text` in workspace T0TEAM, channel C1."""
    return urllib.parse.urlencode(
        {
            "team_id": "T0TEAM",
            "user_id": user_id,
            "channel_id": "C1",
            "command": command,
            "text": text,
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    ).encode()


def signed_request(
    base: str, body: bytes, *, secret: str, content_type: str = FORM
) -> urllib.request.Request:
    """A POST of `body` to `base`/slack/events, signed now with `secret` as Slack signs."""
    ts = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return urllib.request.Request(
        f"{base}/slack/events",
        data=body,
        method="POST",
        headers={
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature,
        },
    )


def stop(process: subprocess.Popen[str], *, timeout: float = 20) -> str:
    """Stop a served process with SIGTERM (killing it if it does not stop); its stderr."""
    process.send_signal(signal.SIGTERM)
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
    return stderr
