"""`slackapp serve` end to end: gunicorn, the health check, and a signed request through it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from slackapp.sandbox.emulator import SlackEmulator
from slackapp.slack.listening import BUSY_NOTHING_SAVED
from slackapp.store.db import Database
from slackapp.store.models import Connection
from tests.support.served import signed_request, slash_command, stop

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


SECRET = "serve-secret"


def serve(
    standin: SlackEmulator, database_url: str, tmp_path: Path, **settings: str
) -> tuple[str, int, subprocess.Popen[str]]:
    """Start `slackapp serve` against the stand-in; its base URL, port and process."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": database_url,
        "SCHEDULER_ENABLED": "false",
        **settings,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "slackapp", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return f"http://127.0.0.1:{port}", port, process


def post_command(base: str, standin: SlackEmulator, text: str) -> tuple[int, str]:
    """Send a signed `/connect text`; the status and the answer's body."""
    body = slash_command(text, response_url=standin.response_url("served"))
    with urllib.request.urlopen(signed_request(base, body, secret=SECRET), timeout=10) as answer:
        return answer.status, answer.read().decode()


def test_serve_answers_health_and_slack_requests(
    standin: SlackEmulator, database_url: str, tmp_path: Path
) -> None:
    base, _, process = serve(standin, database_url, tmp_path)
    try:
        assert wait_healthy(f"{base}/healthz", process) == {"ok": True, "database": "up"}
        status, answer = post_command(base, standin, "help")
        assert status == 200
        # Help comes back in the ack itself.
        assert "Four ways to give value" in answer
        body = slash_command("help", response_url=standin.response_url("served"))
        unsigned = urllib.request.Request(f"{base}/slack/events", data=body, method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(unsigned, timeout=10)
        assert refused.value.code == 401
    finally:
        stderr = stop(process)
    assert "gunicorn" in stderr.lower() or "Booting worker" in stderr
    assert standin.bot_token not in stderr


def test_a_command_that_waits_too_long_for_a_thread_is_told_busy_at_once(
    standin: SlackEmulator, database_url: str, tmp_path: Path
) -> None:
    # One thread in one process, and half a second of queueing allowed.
    base, port, process = serve(
        standin, database_url, tmp_path, WEB_WORKERS="1", WEB_THREADS="1", WEB_QUEUE_LIMIT="0.5"
    )
    try:
        wait_healthy(f"{base}/healthz", process)
        # A slow client holds the only thread: its headers now, its body 1.5 s later.
        slow = socket.create_connection(("127.0.0.1", port), timeout=10)
        slow.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
        )
        time.sleep(0.3)
        answers: list[tuple[int, str]] = []
        queued = threading.Thread(
            target=lambda: answers.append(post_command(base, standin, "solve fixed her deploy"))
        )
        began = time.monotonic()
        queued.start()
        time.sleep(1.5)
        slow.sendall(b"0123456789")
        assert slow.recv(100).startswith(b"HTTP/1.1 401")  # unsigned, refused as ever
        slow.close()
        queued.join(timeout=10)
        waited = time.monotonic() - began
        # Told at once when its turn came, rather than saved late: nothing was saved.
        ((status, answer),) = answers
        assert status == 200
        assert json.loads(answer) == {"response_type": "ephemeral", "text": BUSY_NOTHING_SAVED}
        assert waited < 5
        db = Database(database_url)
        try:
            with db.read_scope() as session:
                assert session.scalar(select(func.count()).select_from(Connection)) == 0
            # With the queue empty again, the same command is done and saved.
            status, answer = post_command(base, standin, "solve fixed her deploy")
            assert status == 200 and "busy" not in answer
            with db.read_scope() as session:
                assert session.scalar(select(func.count()).select_from(Connection)) == 1
        finally:
            db.dispose()
    finally:
        stderr = stop(process)
    assert "waiting too long for a thread" in stderr
