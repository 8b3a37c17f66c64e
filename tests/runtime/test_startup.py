"""Start-up failures are one line naming the setting to fix, never a traceback.

Each case runs the command line in a subprocess, as a person (or a process supervisor) would.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from slackapp.sandbox.emulator import RecordedCall, SlackEmulator
from tests.runtime.fakes import SilentServer

# Each test starts Python with Valueboard's imports, a couple of seconds at least.
pytestmark = pytest.mark.slow


def closed_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_cli(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DATABASE_", "DB_", "LOG_", "PORT", "HOST"))
    }
    return subprocess.run(
        [sys.executable, "-m", "slackapp", *args],
        env={**inherited, "SCHEDULER_ENABLED": "false", **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@dataclass(frozen=True)
class Case:
    command: str
    env: Callable[[SlackEmulator, Path], dict[str, str]]
    names: str  # the words the one line must contain
    status: int = 1


def http(standin: SlackEmulator, tmp: Path) -> dict[str, str]:
    """A working HTTP-mode environment; each case breaks one thing."""
    return {
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_SIGNING_SECRET": "startup-secret",
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": f"sqlite:///{tmp / 'valueboard.db'}",
        "PORT": str(closed_port()),
    }


def socket_mode(standin: SlackEmulator, tmp: Path) -> dict[str, str]:
    env = http(standin, tmp)
    del env["SLACK_SIGNING_SECRET"]
    return {**env, "SLACK_APP_TOKEN": "xapp-1-not-a-token-slack-knows"}


class _AgreeableSlack(BaseHTTPRequestHandler):
    """A Web API that says ok to everything (the stand-in knows no app-level tokens)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"ok": True, "url": "wss://127.0.0.1:9/never-used"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def agreeable_slack() -> Iterator[str]:
    """The API URL of a Web API that accepts every token."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AgreeableSlack)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/"
    finally:
        server.shutdown()
        server.server_close()


def refused_database(standin: SlackEmulator, tmp: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"postgresql://valueboard:pw-secret@127.0.0.1:{closed_port()}/vb"}


def unwritable_sqlite(standin: SlackEmulator, tmp: Path) -> dict[str, str]:
    (tmp / "a-file").write_text("not a folder")
    return {"DATABASE_URL": f"sqlite:///{tmp / 'a-file' / 'valueboard.db'}"}


CASES: dict[str, Case] = {
    "serve, API URL unreachable": Case(
        "serve",
        lambda s, t: {**http(s, t), "SLACK_API_URL": f"http://127.0.0.1:{closed_port()}/api/"},
        "SLACK_API_URL http://127.0.0.1:",
    ),
    "serve, API URL not Slack's": Case(
        "serve",
        lambda s, t: {**http(s, t), "SLACK_API_URL": f"{s.base_url}/not-the-api/"},
        "SLACK_API_URL",
    ),
    "serve, invalid bot token": Case(
        "serve",
        lambda s, t: {**http(s, t), "SLACK_BOT_TOKEN": "xoxb-revoked"},
        "SLACK_BOT_TOKEN was refused by Slack (invalid_auth)",
    ),
    "serve, database refuses": Case(
        "serve", lambda s, t: {**http(s, t), **refused_database(s, t)}, "DATABASE_URL"
    ),
    "serve, SQLite folder is a file": Case(
        "serve", lambda s, t: {**http(s, t), **unwritable_sqlite(s, t)}, "DATABASE_URL"
    ),
    "serve, DATABASE_URL malformed": Case(
        "serve",
        lambda s, t: {**http(s, t), "DATABASE_URL": "postgresql://host:port/db"},
        "DATABASE_URL is not a database URL",
        status=2,
    ),
    "socket, invalid app token": Case(
        "socket", socket_mode, "SLACK_APP_TOKEN was refused by Slack (invalid_auth)"
    ),
    "socket, invalid bot token": Case(
        "socket",
        lambda s, t: {**socket_mode(s, t), "SLACK_BOT_TOKEN": "xoxb-revoked"},
        "SLACK_BOT_TOKEN was refused",
    ),
    "migrate, database refuses": Case("migrate", refused_database, "DATABASE_URL"),
    "migrate, SQLite folder is a file": Case("migrate", unwritable_sqlite, "DATABASE_URL"),
    "deliver, database refuses": Case(
        "deliver", lambda s, t: {**http(s, t), **refused_database(s, t)}, "DATABASE_URL"
    ),
    "export, database refuses": Case("export", refused_database, "DATABASE_URL"),
}


def assert_one_clear_line(
    result: subprocess.CompletedProcess[str], *, status: int, names: str
) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr
    assert 1 <= len(lines) <= 2, result.stderr
    assert lines[0].startswith("slackapp: ")
    assert names in result.stderr
    assert "pw-secret" not in result.stderr  # the database password never shows


@pytest.mark.parametrize("case", list(CASES))
def test_start_up_failures_are_one_line_naming_the_setting(
    standin: SlackEmulator, tmp_path: Path, case: str
) -> None:
    spec = CASES[case]
    result = run_cli(spec.command, env=spec.env(standin, tmp_path), cwd=tmp_path)
    assert_one_clear_line(result, status=spec.status, names=spec.names)
    assert standin.bot_token not in result.stderr


def test_socket_mode_with_a_database_that_refuses_names_the_database(
    standin: SlackEmulator, agreeable_slack: str, tmp_path: Path
) -> None:
    env = {
        **socket_mode(standin, tmp_path),
        **refused_database(standin, tmp_path),
        "SLACK_API_URL": agreeable_slack,
    }
    result = run_cli("socket", env=env, cwd=tmp_path)
    assert_one_clear_line(result, status=1, names="DATABASE_URL")


def test_a_port_in_use_names_the_port(standin: SlackEmulator, tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        env = {**http(standin, tmp_path), "PORT": str(port)}
        result = run_cli("serve", env=env, cwd=tmp_path)
    assert_one_clear_line(result, status=1, names=f"PORT {port} is already in use")


def test_a_database_that_never_answers_fails_start_up_within_the_connect_timeout(
    standin: SlackEmulator, tmp_path: Path
) -> None:
    with SilentServer() as silent:
        env = {**http(standin, tmp_path), "DATABASE_URL": silent.url(), "DB_CONNECT_TIMEOUT": "2"}
        started = time.monotonic()
        result = run_cli("serve", env=env, cwd=tmp_path)
        elapsed = time.monotonic() - started
    assert_one_clear_line(result, status=1, names="DB_CONNECT_TIMEOUT=2 s")
    assert "DATABASE_URL" in result.stderr
    assert elapsed < 15


def test_log_level_debug_shows_the_traceback_too(standin: SlackEmulator, tmp_path: Path) -> None:
    env = {**refused_database(standin, tmp_path), "LOG_LEVEL": "DEBUG"}
    result = run_cli("migrate", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("slackapp: DATABASE_URL")


@pytest.fixture
def standin_failing_second_auth_test() -> Iterator[SlackEmulator]:
    """A stand-in that accepts the bot token once, then refuses it (revoked in between)."""
    seen: list[str] = []

    def revoke_after_first(call: RecordedCall) -> None:
        if call.method == "auth.test" and not seen:
            seen.append(call.method)
            server.fail("auth.test", "token_revoked", times=None)

    with SlackEmulator(on_call=revoke_after_first) as server:
        yield server


def test_a_worker_that_cannot_build_the_app_stops_gunicorn_with_one_clear_line(
    standin_failing_second_auth_test: SlackEmulator, tmp_path: Path
) -> None:
    # The master's check passes; the worker's own auth.test (inside Bolt's App()) fails.
    env = http(standin_failing_second_auth_test, tmp_path)
    result = run_cli("serve", env=env, cwd=tmp_path, timeout=90)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "slackapp: SLACK_BOT_TOKEN was refused by Slack (token_revoked)" in result.stderr
