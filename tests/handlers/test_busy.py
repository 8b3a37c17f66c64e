"""Load shed visibly: a /connect that cannot get its turn to write is told so, and saves nothing.

On SQLite writers take turns at the write gate; one that waits longer than the gate allows gets
"very busy right now, so nothing was saved" in its ack (never a confirmation, never silence), and
the same command goes through once the database is free again.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager

import pytest
from sqlalchemy import func, select

from slackapp.slack.listening import BUSY_NOTHING_CHANGED, BUSY_NOTHING_SAVED
from slackapp.store.db import ReadGate, WriteGate
from slackapp.store.models import Connection
from tests.support.databases import read_place_held
from tests.support.driver import SlackDriver


def _entries(slack: SlackDriver) -> int:
    with slack.db.read_scope() as session:
        return int(session.scalar(select(func.count()).select_from(Connection)) or 0)


def test_a_connect_that_gets_no_turn_to_write_is_told_busy_and_nothing_is_saved(
    slack: SlackDriver,
) -> None:
    gate = slack.db.write_gate
    if gate is None:
        pytest.skip("the write gate is SQLite's")
    gate.wait = 0.3
    # Another process holding its turn (the lock file beside the database) for too long.
    with WriteGate(gate.path).held():
        reply = slack.command("solve answered @jane's question about webhook retries")
    assert reply.status == 200
    body = reply.json()
    assert body["response_type"] == "ephemeral"
    assert BUSY_NOTHING_SAVED in body["text"]
    assert "Saved" not in body["text"]
    assert _entries(slack) == 0
    # Once the database is free, the same command is saved and confirmed.
    again = slack.command("solve answered @jane's question about webhook retries")
    assert again.json()["text"].startswith("Saved")
    assert _entries(slack) == 1


def _hold_every_read_place(slack: SlackDriver) -> AbstractContextManager[None]:
    """Another request holding the only read place, for as long as the test needs."""
    slack.db.read_gate = ReadGate(1, wait=0.2)
    return read_place_held(slack.db.read_gate)


def test_a_board_that_gets_no_turn_to_read_is_told_busy_and_nothing_changed(
    slack: SlackDriver,
) -> None:
    with _hold_every_read_place(slack):
        response = slack.response_to(slack.command("", command="/mystats"))
    assert response["response_type"] == "ephemeral"
    # Not "nothing was saved": the member asked to see something, not to save it.
    assert BUSY_NOTHING_CHANGED in response["text"]
    assert BUSY_NOTHING_SAVED not in response["text"]
    # Once reads have their turn again, the same command answers.
    again = slack.response_to(slack.command("", command="/mystats"))
    assert "busy" not in str(again)
    assert again["blocks"]


def test_a_home_left_unbuilt_after_a_change_is_not_told_as_a_failed_change(
    slack: SlackDriver,
) -> None:
    slack.response_to(slack.command("solve answered @jane's question about webhook retries"))
    with slack.db.read_scope() as session:
        entry = session.scalars(select(Connection.id)).one()
    with _hold_every_read_place(slack):
        # The undo is done and answered; rebuilding the Home after it finds no turn to read.
        reply = slack.block_action("undo_connection", value=str(entry))
        assert "Removed" in slack.response_to(reply)["text"]
        time.sleep(0.5)  # the work after the ack, given its time to say anything more
        said = [call.params for call in slack.standin.calls("response_url")]
    assert not any("busy" in str(message) for message in said)
    assert _entries(slack) == 0
