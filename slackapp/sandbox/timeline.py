"""Moving the sandbox through time: what is due next, and a jump that delivers it.

A jump sets the sandbox clock and runs one delivery tick at that instant: the same
`run_tick` that `slackapp deliver --at` runs, against the same database and Slack, so what
arrives is what a real deployment would post at that moment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from slack_sdk import WebClient

from slackapp.config import Settings
from slackapp.domain.deliveries import DeliveryKind
from slackapp.sandbox.clock import SandboxClock
from slackapp.scheduling.due import Due, due_between, followups_between
from slackapp.scheduling.followups import load_followup_asks
from slackapp.scheduling.report import DeliveryLine, TickReport, describe_report
from slackapp.scheduling.schedules import load_schedules
from slackapp.scheduling.tick import run_tick
from slackapp.store.db import Database

log = logging.getLogger(__name__)

#: How far ahead "next nudge", "next digest" and "next follow-up" look.
HORIZON: Final = timedelta(days=15)
#: A jump lands this far past the due time, like a scheduler tick a moment later.
PAST_DUE: Final = timedelta(seconds=5)


@dataclass(frozen=True, slots=True)
class Upcoming:
    """The next post of one kind: when, and where it goes (a channel, or a member's DM)."""

    kind: str
    at: datetime
    target: str
    direct: bool

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "at": self.at.isoformat(),
            "target": self.target,
            "direct": self.direct,
        }


def _first(dues: list[Due], kind: DeliveryKind, viewer: str | None) -> Due | None:
    found = [due for due in dues if due.kind is kind]
    if viewer is not None and any(due.direct for due in found):
        # A DM goes to each member at their own 09:00: show the viewer's own first.
        mine = [due for due in found if due.target == viewer]
        found = mine or found
    return min(found, key=lambda due: due.due_at, default=None)


def upcoming(db: Database, *, now: datetime, viewer: str | None = None) -> dict[str, Upcoming]:
    """The next nudge, digest and follow-up DM after `now` (keys "nudge", "digest",
    "followup"; absent if none): the viewer's own DM first where there is one."""
    until = now + HORIZON
    with db.read_scope() as session:
        plans = load_schedules(session)
        asks = load_followup_asks(session, until=until)
    dues: list[Due] = []
    for schedule, members in plans:
        dues += due_between(schedule, members=members, since=now, until=until)
    dues += followups_between(asks, since=now, until=until)
    found: dict[str, Upcoming] = {}
    for kind in (DeliveryKind.NUDGE, DeliveryKind.DIGEST, DeliveryKind.FOLLOWUP):
        due = _first(dues, kind, viewer)
        if due is not None:
            found[kind.value] = Upcoming(kind.value, due.due_at, due.target, due.direct)
    return found


def jump(
    *, clock: SandboxClock, settings: Settings, db: Database, client: WebClient, to: datetime
) -> TickReport:
    """Set the clock to `to` and deliver whatever is due then, as `slackapp deliver --at` does."""
    clock.set(to)
    report = run_tick(settings=settings, db=db, client=client, at=to)
    for line in describe_report(report):
        log.info("sandbox clock jump: %s", line)
    return report


#: How a kind of post reads on the page, where it is not its ledger name.
_KIND_WORDS: Final = {DeliveryKind.FOLLOWUP.value: "follow-up"}


def in_words(report: TickReport, *, place: Callable[[str], str]) -> list[str]:
    """What a jump delivered, for the page: `place` names a channel or a member's DM."""

    def line(verb: str, entry: DeliveryLine) -> str:
        day = f"{entry.local_date:%a} {entry.local_date.day} {entry.local_date:%b}"
        kind = _KIND_WORDS.get(entry.kind, entry.kind)
        text = f"{verb} the {kind} to {place(entry.target)} for {day}"
        return f"{text} ({entry.detail})." if entry.detail else f"{text}."

    lines = [line("Sent", entry) for entry in report.sent]
    lines += [line("Will retry", entry) for entry in report.retrying]
    lines += [line("Could not send", entry) for entry in report.failed]
    lines += [
        line("Skipped", entry) + " Posts that late are skipped, as after downtime."
        for entry in report.skipped
    ]
    lines += [
        f"Paused the {paused.kind}: {place(paused.channel)} refused it ({paused.reason})."
        for paused in report.paused
    ]
    lines += [f"Something went wrong: {error}" for error in report.errors]
    return lines or ["Nothing was due at that moment."]
