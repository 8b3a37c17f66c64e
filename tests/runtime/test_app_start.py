"""Building the app: what it logs at every start."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from slackapp.config import Settings
from slackapp.runtime.app import build_app
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.store.db import Database
from slackapp.usecases.deps import Deps


def test_a_token_in_the_environment_brings_no_warning_about_an_unused_token(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    standin: SlackEmulator,
    db: Database,
) -> None:
    # Deployments often set SLACK_BOT_TOKEN in the environment; Bolt then also sees it there.
    monkeypatch.setenv("SLACK_BOT_TOKEN", standin.bot_token)
    settings = replace(
        Settings(), bot_token=standin.bot_token, api_url=standin.api_url, database_url=db.url
    )

    with caplog.at_level(logging.INFO):
        build_app(settings, deps=Deps(settings=settings, db=db))

    assert "will be unused" not in caplog.text
    assert standin.calls("auth.test")
