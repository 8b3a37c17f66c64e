"""What one tick did: the deliveries it acted on and the schedules it paused, as data and text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from slackapp.scheduling.due import Due
from slackapp.scheduling.ledger import Claim

__all__ = [
    "DeliveryLine",
    "PausedSchedule",
    "TickReport",
    "describe_report",
    "duration",
]


@dataclass(frozen=True, slots=True)
class DeliveryLine:
    """One delivery the tick acted on, for the report."""

    team_id: str
    kind: str
    target: str
    local_date: date
    due_at: datetime
    detail: str = ""

    @classmethod
    def of_claim(cls, claim: Claim, detail: str) -> DeliveryLine:
        """The line for a claimed delivery."""
        return cls(
            claim.team_id, claim.kind.value, claim.target, claim.local_date, claim.due_at, detail
        )

    @classmethod
    def of_due(cls, due: Due, detail: str) -> DeliveryLine:
        """The line for a due post that was never claimed (skipped as too late)."""
        return cls(due.team_id, due.kind.value, due.target, due.local_date, due.due_at, detail)

    def describe(self) -> str:
        """One line for people: what, where, for which day, when it was due."""
        due = self.due_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        extra = f" ({self.detail})" if self.detail else ""
        return (
            f"{self.kind} to {self.target} for {self.local_date.isoformat()} "
            f"[team {self.team_id}, due {due}]{extra}"
        )


@dataclass(frozen=True, slots=True)
class PausedSchedule:
    """A schedule this tick paused because its channel refused us."""

    team_id: str
    kind: str
    channel: str
    reason: str
    admin_told: bool


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one tick did."""

    at: datetime
    sent: tuple[DeliveryLine, ...] = ()
    skipped: tuple[DeliveryLine, ...] = ()
    failed: tuple[DeliveryLine, ...] = ()
    retrying: tuple[DeliveryLine, ...] = ()
    paused: tuple[PausedSchedule, ...] = ()
    deactivated: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def quiet(self) -> bool:
        """Whether the tick found nothing to do."""
        return not (
            self.sent
            or self.skipped
            or self.failed
            or self.retrying
            or self.paused
            or self.deactivated
            or self.errors
        )


def duration(span: timedelta) -> str:
    """A span in whole minutes for people: "45 min", "2h", "1h 30m"."""
    total = int(span.total_seconds() // 60)
    hours, minutes = divmod(total, 60)
    if hours and minutes:
        return f"{hours}h {minutes}m"
    return f"{hours}h" if hours else f"{minutes} min"


def describe_report(report: TickReport) -> list[str]:
    """The report as lines for a terminal: one per delivery, then a summary."""
    lines: list[str] = []
    for label, entries in (
        ("sent", report.sent),
        ("skipped", report.skipped),
        ("retrying", report.retrying),
        ("failed", report.failed),
    ):
        lines.extend(f"{label:<9} {entry.describe()}" for entry in entries)
    for paused in report.paused:
        told = "admin told" if paused.admin_told else "no admin could be told"
        lines.append(f"paused    {paused.kind} of team {paused.team_id}: {paused.reason} ({told})")
    lines.extend(f"inactive  team {team_id}" for team_id in report.deactivated)
    lines.extend(f"error     {error}" for error in report.errors)
    lines.append(
        f"{len(report.sent)} sent, {len(report.skipped)} skipped, {len(report.retrying)} to retry, "
        f"{len(report.failed)} failed, {len(report.paused)} paused "
        f"at {report.at.isoformat()} in {report.seconds:.2f}s"
    )
    return lines
