"""`slackapp serve` end to end: gunicorn, the health check, and a signed request through it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from slack_sdk.signature import SignatureVerifier

from slackapp.sandbox.emulator import SlackEmulator

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(
    url: str, process: subprocess.Popen[str], timeout: float = 30
) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited: {process.stderr.read() if process.stderr else ''}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                data = json.loads(response.read())
                assert isinstance(data, dict)
                return data
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError("serve never became healthy")


def test_serve_answers_health_and_slack_requests(
    standin: SlackEmulator, database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_SIGNING_SECRET": "serve-secret",
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": database_url,
        "SCHEDULER_ENABLED": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "slackapp", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_healthy(f"{base}/healthz", process) == {"ok": True, "database": "up"}
        body = urllib.parse.urlencode(
            {
                "team_id": "T0TEAM",
                "user_id": "U1",
                "channel_id": "C1",
                "command": "/connect",
                "text": "help",
                "response_url": standin.response_url("served"),
                "trigger_id": "t.1",
            }
        ).encode()
        ts = str(int(time.time()))
        signature = SignatureVerifier("serve-secret").generate_signature(timestamp=ts, body=body)
        assert signature is not None
        request = urllib.request.Request(
            f"{base}/slack/events",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature,
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            # Help comes back in the ack itself.
            assert "Four ways to give value" in response.read().decode()
        unsigned = urllib.request.Request(f"{base}/slack/events", data=body, method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(unsigned, timeout=10)
        assert refused.value.code == 401
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _, stderr = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
    assert "gunicorn" in stderr.lower() or "Booting worker" in stderr
    assert standin.bot_token not in stderr
