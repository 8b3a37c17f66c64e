"""Load shed visibly: a /connect that cannot get its turn to write is told so, and saves nothing.

On SQLite writers take turns at the write gate; one that waits longer than the gate allows gets
"very busy right now, so nothing was saved" in its ack (never a confirmation, never silence), and
the same command goes through once the database is free again.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from slackapp.slack.listening import BUSY_NOTHING_SAVED
from slackapp.store.db import WriteGate
from slackapp.store.models import Connection
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
