"""What a morning nudge says: yesterday's tally, the principle of the day and its tip."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from slackapp.domain.calendar import WorkDays
from slackapp.domain.tips import (
    Tip,
)
from slackapp.domain.vocabulary import Principle


@dataclass(frozen=True, slots=True)
class DayTally:
    """How the team did on its last work day before the nudge."""

    day: date
    total: int
    people: int
    goal: int
    counts: Mapping[Principle, int]
    # Logged on the days off between `day` and the nudge (a weekend, say): a bonus, not a miss.
    days_off_total: int


@dataclass(frozen=True, slots=True)
class TeamNudge:
    """The nudge posted in the team's channel on `day` (the team's local date)."""

    team_id: str
    day: date
    principle: Principle
    tip: Tip
    why: str
    question: str
    daily_goal: int
    team: DayTally


@dataclass(frozen=True, slots=True)
class MemberNudge:
    """The nudge sent to one member on `day` (the member's local date)."""

    team_id: str
    user_id: str
    display_name: str | None
    day: date
    principle: Principle
    tip: Tip
    why: str
    question: str
    daily_goal: int
    team: DayTally
    # The member's own count on team.day, and on the days off since.
    own_count: int
    own_days_off: int
    goal_streak: int
    active_streak: int
    # Set only for someone who has never logged anything: a gentle way in.
    first_steps: str | None


def previous_work_day(day: date, *, work_days: WorkDays) -> date:
    """The last work day strictly before `day` (the day before, if no day is a work day)."""
    for back in range(1, 8):
        candidate = day - timedelta(days=back)
        if candidate.weekday() in work_days:
            return candidate
    return day - timedelta(days=1)
