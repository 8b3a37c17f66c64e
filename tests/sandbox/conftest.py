"""Fixtures for the sandbox: the emulator set up like the sandbox's, and the app behind it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from slackapp.store.db import Database
from tests.sandbox.rig import Served, sandbox_emulator, serve_against
from tests.support.driver import FakeClock


@pytest.fixture
def served(db: Database, clock: FakeClock) -> Iterator[Served]:
    """The real app, served on loopback, with the sandbox's emulator as its Slack."""
    with serve_against(sandbox_emulator(clock), db=db, clock=clock) as rig:
        yield rig
