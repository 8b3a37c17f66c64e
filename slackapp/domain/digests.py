"""What a digest says: the period's totals, top contributors, streaks, highlights and days."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from slackapp.domain.calendar import WorkDays
from slackapp.domain.followups import ReplyRate
from slackapp.domain.team_settings import DigestMode
from slackapp.domain.tips import Tip
from slackapp.domain.vocabulary import Principle

TOP_COUNT = 3


STREAK_COUNT = 3


HIGHLIGHT_COUNT = 3


@dataclass(frozen=True, slots=True)
class Contributor:
    """One of the period's top contributors."""

    user_id: str
    display_name: str | None
    total: int
    counts: Mapping[Principle, int]
    rank: int = 1  # people with the same total share a rank


@dataclass(frozen=True, slots=True)
class StreakHolder:
    """Someone on a run of work days at the daily goal, as of the digest's last day."""

    user_id: str
    display_name: str | None
    days: int


@dataclass(frozen=True, slots=True)
class Highlight:
    """A recent logged connection with a note, worth showing the team."""

    connection_id: int
    user_id: str
    display_name: str | None
    principle: Principle
    note: str
    local_date: date


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything a digest shows for the dates `start` to `end`, both included."""

    team_id: str
    kind: DigestMode  # DAILY or WEEKLY
    start: date
    end: date
    total: int
    goal: int
    daily_goal: int
    members: int
    counts: Mapping[Principle, int]
    top: tuple[Contributor, ...]
    streaks: tuple[StreakHolder, ...]
    highlights: tuple[Highlight, ...]
    days: tuple[DayCounts, ...]
    work_days: WorkDays
    # Set only when nothing was logged in the period: an encouraging line instead of zeros.
    quiet_line: str | None
    # Where to start next: the tip for the next work day's principle.
    next_tip: Tip
    # Of the people whose follow-ups were answered in the period, how many replied.
    replies: ReplyRate = field(default_factory=ReplyRate)
    # People the team touched in the period and never before; people touched 3+ times in the
    # 30 days ending with the period.
    first_time_people: int = 0
    relationships_deepened: int = 0

    @property
    def is_quiet(self) -> bool:
        """Whether nothing at all was logged in the period."""
        return self.total == 0


def digest_period(kind: DigestMode, *, day: date) -> tuple[date, date]:
    """The first and last dates a digest of `kind` covers when it is posted for `day`."""
    if kind is DigestMode.WEEKLY:
        return day - timedelta(days=6), day
    return day, day


@dataclass(frozen=True, slots=True)
class DayCounts:
    """How many connections of each principle were logged on one day."""

    day: date
    counts: Mapping[Principle, int]
