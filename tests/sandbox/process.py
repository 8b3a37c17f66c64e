"""Running `slackapp sandbox` (or `make run`) as a person would, and waiting for its page."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any Slack credentials or database settings."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    return {**kept, **extra}


def get(url: str, *, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        data = json.loads(response.read())
    assert isinstance(data, dict)
    return data


def wait_for_page(url: str, process: subprocess.Popen[str], *, within: float) -> float:
    """Seconds until `url` served the sandbox page; fails if the process dies or time runs out."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"exited with {process.returncode}:\n{out[-3000:]}\n{err[-3000:]}")
        try:
            status, body = get(url, timeout=2)
            if status == 200 and b"sandbox.js" in body:
                return time.monotonic() - started
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"no sandbox page at {url} within {within:.0f}s")


@contextmanager
def running(
    command: Sequence[str], *, cwd: Path, env: dict[str, str]
) -> Iterator[subprocess.Popen[str]]:
    """Start `command` in its own process group; on exit, Ctrl-C it as a person would."""
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
