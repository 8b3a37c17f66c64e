"""Acknowledged means saved: a served app killed or restarted in the middle of a burst.

The stand-in answers users.info and views.publish slowly (as Slack sometimes does), so plenty
of work is still queued after the acks when the server goes down. Whatever got a 200 with a
confirmation must be in the database afterwards.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from slackapp.sandbox.emulator import SlackEmulator
from slackapp.store.db import Database
from slackapp.store.models import Connection
from tests.support.served import signed_request, slash_command
from tests.test_serve import free_port, wait_healthy

pytestmark = pytest.mark.slow

SECRET = "durability-secret"
BURST = 80


@pytest.fixture
def served(
    standin: SlackEmulator, database_url: str, tmp_path: Path
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    standin.slow("users.info", 0.8)
    standin.slow("views.publish", 0.8)
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": database_url,
        "SCHEDULER_ENABLED": "false",
        "LISTENER_WORKERS": "4",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "slackapp", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # gunicorn's master and worker share a process group
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(f"{base}/healthz", process)
        yield base, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=20)


def _command(base: str, n: int) -> bool:
    """Send /connect n; True when Slack would have shown its confirmation (acknowledged)."""
    body = slash_command(
        f"solve answered question number {n}",
        response_url="http://127.0.0.1:9/unused",
        user_id=f"U{n % 7}",
        trigger_id=f"t.{n}",
    )
    request = signed_request(base, body, secret=SECRET)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status == 200 and b"Saved" in response.read()
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError):
        return False  # cut off by the kill: never acknowledged


def _burst_then(base: str, stop: threading.Event, *, after: int, act: object) -> set[int]:
    """Send BURST commands 16 at a time; call `act()` once `after` are acknowledged."""
    acknowledged: set[int] = set()
    lock = threading.Lock()

    def send(n: int) -> None:
        if stop.is_set():
            return
        if _command(base, n):
            with lock:
                acknowledged.add(n)
                if len(acknowledged) == after:
                    assert callable(act)
                    act()
                    stop.set()

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(send, range(BURST)))
    return acknowledged


def _saved(database_url: str) -> set[int]:
    db = Database(database_url)
    try:
        with db.read_scope() as session:
            notes = session.scalars(select(Connection.note)).all()
    finally:
        db.dispose()
    return {int(note.rsplit(" ", 1)[-1]) for note in notes}


def test_kill_9_mid_burst_loses_no_acknowledged_entry(
    served: tuple[str, subprocess.Popen[str]], database_url: str
) -> None:
    base, process = served
    stop = threading.Event()
    acknowledged = _burst_then(
        base, stop, after=30, act=lambda: os.killpg(process.pid, signal.SIGKILL)
    )
    process.wait(timeout=20)
    assert len(acknowledged) >= 30
    # Work after the acks (users.info, views.publish at 0.8 s each) was still queued.
    missing = acknowledged - _saved(database_url)
    assert not missing, f"acknowledged but not saved: {sorted(missing)}"


def test_sigterm_under_load_loses_nothing_acknowledged_and_stops_in_time(
    served: tuple[str, subprocess.Popen[str]], database_url: str
) -> None:
    base, process = served
    stop = threading.Event()
    acknowledged = _burst_then(
        base, stop, after=30, act=lambda: process.send_signal(signal.SIGTERM)
    )
    started = time.monotonic()
    process.wait(timeout=60)
    assert time.monotonic() - started < 45, "shutdown overran gunicorn's graceful window"
    missing = acknowledged - _saved(database_url)
    assert not missing, f"acknowledged but not saved: {sorted(missing)}"
