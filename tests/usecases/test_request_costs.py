"""What one request costs the database: transactions per /connect log and per form submission.

Counted with SQLAlchemy's "begin" event on the served app's engine, from the request until the
work after its ack is done. Read-only transactions are told apart because on SQLite they must
not take the write lock (nor wait for it).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event

from slackapp.store.db import READ_ONLY, Database
from slackapp.store.models import Member
from tests.handlers.test_connect_form import state
from tests.support.driver import SlackDriver


@dataclass
class Transactions:
    """Transactions begun on one engine since the last `reset`."""

    writes: int = 0
    reads: int = 0
    log: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.writes + self.reads

    def reset(self) -> None:
        self.writes = self.reads = 0
        self.log.clear()


@pytest.fixture
def transactions(slack: SlackDriver) -> Iterator[Transactions]:
    counted = Transactions()

    def on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            counted.reads += 1
            counted.log.append("read")
        else:
            counted.writes += 1
            counted.log.append("write")

    event.listen(slack.db.engine, "begin", on_begin)
    yield counted
    event.remove(slack.db.engine, "begin", on_begin)


def _profile_kept(slack: SlackDriver, *, user_id: str = "U1") -> None:
    """Wait until the work after the first log has kept the member's profile."""
    observer = Database(slack.db.url)  # its own engine: its reads are not counted
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with observer.read_scope() as session:
                member = session.get(Member, (slack.team_id, user_id))
                if member is not None and member.profile_checked_at is not None:
                    time.sleep(0.2)  # nothing may follow; give a stray transaction time to show
                    return
            time.sleep(0.02)
    finally:
        observer.dispose()
    raise AssertionError("the profile was never kept")


def _settle(slack: SlackDriver, *, publishes: int) -> None:
    """Wait for the work after the ack: it ends with the Home's views.publish."""
    slack.standin.wait_for("views.publish", count=publishes, timeout=10)
    time.sleep(0.2)  # nothing may follow the publish; give a stray transaction time to show


def test_a_connect_log_costs_one_write_and_on_sqlite_a_read_before_it(
    slack: SlackDriver, transactions: Transactions
) -> None:
    # The member's first log also fetches their profile from users.info and keeps it.
    first = slack.command("solve answered @jane's question about webhook retries")
    assert "Saved" in first.json()["text"]
    slack.standin.wait_for("users.info")
    _profile_kept(slack)
    # SQLite reads before the writer's turn; PostgreSQL reads inside the one write.
    log = ["read", "write"] if slack.db.writers_take_turns else ["write"]
    assert transactions.log == [*log, "write"]
    # Every later log, with the profile cached: a read of the profile and the teammate hint,
    # one write to save; nothing after the ack (the Home is built when the member opens it).
    transactions.reset()
    reply = slack.command("care thanked @sam for the launch post")
    assert "Saved" in reply.json()["text"]
    assert transactions.log == log
    assert slack.standin.calls("views.publish") == []


def test_a_connect_log_with_the_profile_kept_starts_no_work_after_its_ack(
    slack: SlackDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bolt copies the whole request for a lazy listener and hands it to a thread; a log whose
    # profile is fresh has nothing to do after the ack, so nothing is started.
    slack.command("solve answered @jane's question about webhook retries")
    slack.standin.wait_for("users.info")
    _profile_kept(slack)
    started: list[object] = []
    assert slack.listeners is not None
    submit = slack.listeners.submit

    def counted(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        started.append(fn)
        return submit(fn, *args, **kwargs)

    monkeypatch.setattr(slack.listeners, "submit", counted)
    for text in ("care thanked @sam for the launch post", "laugh sent @kim a pun"):
        assert "Saved" in slack.command(text).json()["text"]
    assert started == []
    # A stale profile still gets its refresh after the ack.
    slack.clock.advance(days=2)
    assert "Saved" in slack.command("solve helped @lee with a migration").json()["text"]
    assert len(started) == 1
    slack.standin.wait_for("users.info", count=2)


def test_a_form_submission_costs_at_most_two_transactions_and_validates_once(
    slack: SlackDriver, transactions: Transactions
) -> None:
    slack.command("")
    view = slack.opened_view()
    transactions.reset()
    reply = slack.submit_view(view, state())
    assert reply.status == 200 and reply.body in {b"", b"{}"}
    _settle(slack, publishes=1)
    assert transactions.total <= 2, transactions.log


def test_a_form_with_errors_costs_one_transaction_and_saves_nothing(
    slack: SlackDriver, transactions: Transactions
) -> None:
    slack.command("")
    view = slack.opened_view()
    transactions.reset()
    reply = slack.submit_view(view, state(principle=None))
    assert reply.json()["response_action"] == "errors"
    time.sleep(0.3)
    assert transactions.total == 1, transactions.log
