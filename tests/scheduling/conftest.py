"""Fixtures for the scheduling tests: the tick wired to the stand-in."""

from __future__ import annotations

import pytest

from slackapp.sandbox.emulator import SlackEmulator
from slackapp.store.db import Database
from tests.scheduling.rig import (
    DIGESTS,
    MONDAY_NINE,
    NUDGES,
    Rig,
    settings_for,
)
from tests.support.driver import FakeClock


@pytest.fixture
def rig(db: Database, standin: SlackEmulator) -> Rig:
    standin.add_channel(NUDGES, name="nudges")
    standin.add_channel(DIGESTS, name="wins")
    settings = settings_for(standin, db)
    return Rig(db=db, standin=standin, settings=settings, clock=FakeClock(MONDAY_NINE))
