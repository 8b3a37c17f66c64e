"""A member's progress: today, streaks, the week per principle and recent entries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from slackapp.domain.streaks import Streaks
from slackapp.domain.vocabulary import Platform, Principle


@dataclass(frozen=True, slots=True)
class RecentEntry:
    """One of a member's latest logged connections."""

    id: int
    principle: Principle
    platform: Platform | None
    who: str | None
    note: str
    link: str | None
    local_date: date


@dataclass(frozen=True, slots=True)
class MemberStats:
    """Everything a member's personal progress view shows."""

    user_id: str
    today: date
    today_count: int
    daily_goal: int
    streaks: Streaks
    week_counts: Mapping[Principle, int]
    least_used: Principle
    last_7_days: tuple[tuple[date, int], ...]
    recent: tuple[RecentEntry, ...]
    total_all_time: int
