"""`slackapp sandbox` as a person runs it: gunicorn, the emulator, the page, `send`, Ctrl-C."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sandbox.process import clean_env, free_port, get, post_json, running, wait_for_page

pytestmark = pytest.mark.slow


def test_the_sandbox_serves_the_page_the_app_and_the_shell(tmp_path: Path) -> None:
    port = free_port()
    data = tmp_path / "data"
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "slackapp",
        "sandbox",
        "--port",
        str(port),
        "--data",
        str(data),
    ]
    with running(command, cwd=tmp_path, env=clean_env()) as process:
        wait_for_page(url + "/", process, within=60)
        assert (data / "valueboard.db").is_file()
        assert not (tmp_path / "var").exists()  # apart from a real deployment's database
        boot = json.loads(get(url + "/client/boot")[1])
        assert boot["info"]["database"] == str(data / "valueboard.db")
        assert len(boot["users"]) == 5

        sent = subprocess.run(
            [sys.executable, "-m", "slackapp", "sandbox", "--data", str(data), "send",
             "/connect solve @ben answered his question about retries", "--as", "priya"],
            cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert sent.returncode == 0, sent.stderr
        assert (
            "Valueboard (only visible to you): Saved: Solve a problem. 1/10 today." in sent.stdout
        )

        form = subprocess.run(
            [sys.executable, "-m", "slackapp", "sandbox", "send", "/connect", "--url", url],
            cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert "opened a modal: Log a connection" in form.stdout

        sample = post_json(url + "/sandbox/sample", {})
        assert sample["ok"] and sample["added"] > 100
        jumped = post_json(url + "/sandbox/clock", {"to": "next_nudge"})
        assert jumped["report"][0].startswith("Sent the nudge to #marketing")
    out, err = process.communicate()
    assert process.returncode == 0, err[-2000:]
    assert f"Valueboard sandbox is ready: {url}/" in out
    # The log shows each call in words, and never the bot token.
    assert "→ app command" in err and "users.info" in err and "views.open" in err
    assert "xoxb-" not in err
    assert not (data / "running.json").exists()
    assert "Today's principle" in (data / "slack.json").read_text()  # kept for next time


def test_send_without_a_running_sandbox_says_how_to_start_one(tmp_path: Path) -> None:
    port = free_port()
    result = subprocess.run(
        [sys.executable, "-m", "slackapp", "sandbox", "send", "/connect help",
         "--url", f"http://127.0.0.1:{port}"],
        cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "no sandbox answers" in result.stderr and "make run" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_taken_port_is_named(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "slackapp", "sandbox", "--port", str(port)]
    with running(command, cwd=tmp_path, env=clean_env()) as first:
        wait_for_page(f"http://127.0.0.1:{port}/", first, within=60)
        second = subprocess.run(
            command, cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=60
        )
    assert second.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in second.stderr
    assert "--port" in second.stderr
