"""Socket Mode end to end: Bolt's own client connects, receives envelopes, acknowledges them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler

from slackapp.config import Settings
from slackapp.runtime.app import build_app
from slackapp.sandbox import seed
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.store.db import Database
from slackapp.usecases.deps import Deps
from tests.sandbox.rig import sandbox_emulator
from tests.support.driver import FakeClock

ANA, MARKETING = "U0ANA", "C0MARKETING"


@pytest.fixture
def emulator(clock: FakeClock) -> Iterator[SlackEmulator]:
    # No request URL: whatever reaches the app must come over the socket.
    with sandbox_emulator(clock) as emulator:
        seed.populate(emulator)
        yield emulator


def test_commands_clicks_and_events_travel_over_the_socket(
    emulator: SlackEmulator, db: Database, clock: FakeClock
) -> None:
    settings = replace(
        Settings(),
        bot_token=emulator.bot_token,
        app_token=emulator.app_token,
        api_url=emulator.api_url,
        database_url=db.url,
    )
    app = build_app(settings, deps=Deps(settings=settings, db=db, clock=clock))
    handler = SocketModeHandler(app, emulator.app_token)
    handler.connect()  # type: ignore[no-untyped-call]
    try:
        emulator.wait_until(lambda: emulator.socket_connections() == 1)

        outcome = emulator.members.command(user=ANA, channel=MARKETING, text="/connect help")
        assert outcome.answer is not None and outcome.answer.via == "socket"
        assert "Four ways" in json.dumps(emulator.messages(MARKETING, viewer=ANA)[-1])

        emulator.members.command(user=ANA, channel=MARKETING, text="/connect")
        emulator.wait_until(lambda: bool(emulator.modals(ANA)))
        (modal,) = emulator.modals(ANA)
        emulator.members.submit(user=ANA, view_id=modal["id"], entered={"link": {"value": "nope"}})
        assert "link" in emulator.modals(ANA)[0]["errors"]

        emulator.members.open_app(user=ANA)
        emulator.wait_until(lambda: emulator.home(ANA) is not None)
    finally:
        handler.close()  # type: ignore[no-untyped-call]
    emulator.wait_until(lambda: emulator.socket_connections() == 0)


@pytest.mark.slow
def test_slackapp_socket_serves_members_end_to_end(
    emulator: SlackEmulator, database_url: str, tmp_path: Path
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))},
        "SLACK_BOT_TOKEN": emulator.bot_token,
        "SLACK_APP_TOKEN": emulator.app_token,
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": database_url,
        "SCHEDULER_ENABLED": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "slackapp", "socket"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while emulator.socket_connections() == 0:
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "slackapp socket never connected"
            time.sleep(0.1)

        outcome = emulator.members.command(
            user=ANA, channel=MARKETING, text="/connect solve @ben answered his question"
        )

        assert outcome.ok and outcome.answer is not None and outcome.answer.via == "socket"
        assert emulator.messages(MARKETING, viewer=ANA)[-1]["text"].startswith("Saved")
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
    assert "Socket Mode" in stderr
    assert emulator.bot_token not in stderr
