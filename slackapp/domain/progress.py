"""A member's progress: today, streaks, the week per principle and recent entries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from slackapp.domain.entries import SavedConnection
from slackapp.domain.streaks import Streaks
from slackapp.domain.vocabulary import Principle


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
    recent: tuple[SavedConnection, ...]  # newest first
    total_all_time: int
