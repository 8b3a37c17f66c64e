"""One tick under way: its instant, what it talks to, and what it has done so far."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from slackapp.scheduling.report import DeliveryLine, PausedSchedule, TickReport
from slackapp.slack.clients import TeamClients
from slackapp.store.db import Database
from slackapp.store.teams import enterprise_of

__all__ = ["TickContext"]

log = logging.getLogger(__name__)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else ""


def _in_order(lines: list[DeliveryLine]) -> tuple[DeliveryLine, ...]:
    return tuple(
        sorted(lines, key=lambda line: (line.due_at, line.team_id, line.kind, line.target))
    )


@dataclass(slots=True)
class TickContext:
    """The state one tick carries from step to step; each step adds to its lists.

    The fan-out's worker threads append to the lists too (a list append is atomic in CPython).
    """

    db: Database
    clients: TeamClients
    at: datetime
    grace: timedelta
    worker: str
    started: float = field(default_factory=time.perf_counter)
    sent: list[DeliveryLine] = field(default_factory=list)
    skipped: list[DeliveryLine] = field(default_factory=list)
    failed: list[DeliveryLine] = field(default_factory=list)
    retrying: list[DeliveryLine] = field(default_factory=list)
    paused: list[PausedSchedule] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Teams whose token stopped working during this tick: nothing more is tried for them.
    stopped: set[str] = field(default_factory=set)
    # Each team's client for this tick (None: no installation), looked up once per tick.
    _team_clients: dict[str, WebClient | None] = field(default_factory=dict)

    def client_for(self, team_id: str) -> WebClient | None:
        """The client that posts for `team_id` (its installation's token), None if it has none.

        Raises what a token refresh may raise (SlackClientError, OSError).
        """
        if team_id in self._team_clients:
            return self._team_clients[team_id]
        enterprise_id = None
        if self.clients.installed:
            with self.db.read_scope() as session:
                enterprise_id = enterprise_of(session, team_id=team_id)
        client = self.clients.client_for(team_id, enterprise_id)
        self._team_clients[team_id] = client
        return client

    def now(self) -> datetime:
        """`at` moved on by the time this tick has taken so far."""
        # Claims are stamped with it: a tick that spends many minutes on a big team must not
        # look, to another process, like one that died mid-post long ago.
        return self.at + timedelta(seconds=time.perf_counter() - self.started)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for one short unit of work, committed when the block ends."""
        with self.db.session_scope() as session:
            yield session

    @contextmanager
    def guard(self, what: str) -> Iterator[None]:
        """Log and note any failure in `what`, so the rest of the tick still runs."""
        try:
            yield
        except Exception as error:
            log.exception("delivery tick: %s failed", what)
            self.errors.append(f"{what}: {type(error).__name__}: {_first_line(error)}")

    def report(self, seconds: float) -> TickReport:
        """What the tick did, frozen; each list in due order, whichever worker finished first."""
        return TickReport(
            at=self.at,
            sent=_in_order(self.sent),
            skipped=_in_order(self.skipped),
            failed=_in_order(self.failed),
            retrying=_in_order(self.retrying),
            paused=tuple(self.paused),
            deactivated=tuple(self.deactivated),
            errors=tuple(self.errors),
            seconds=seconds,
        )
