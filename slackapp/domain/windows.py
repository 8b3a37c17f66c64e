"""Which days a board window covers for each member: their own days, wherever they are.

A member's entries are dated by their own calendar. A window therefore means the member-days
it contains, for every member: "today" and the last 7 or 30 days are each member's own; this
week and this month are the team's week and month, start to end, so an entry dated in them
counts even when its member's day is ahead of the team's; all time is everything.
The goal follows the same rule, counting each member's work days up to their own today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from slackapp.domain.calendar import Window, WorkDays, week_start
from slackapp.domain.streaks import work_days_between

#: One line for people, said wherever a board is shown.
RULE = "Each person's days follow their own time zone."


@dataclass(frozen=True, slots=True)
class Span:
    """Inclusive dates; None at either end means unbounded."""

    start: date | None
    end: date | None

    def contains(self, day: date) -> bool:
        """Whether `day` falls in this span."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    first_of_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_of_next - timedelta(days=1)


def member_span(window: Window, *, team_today: date, member_today: date) -> Span:
    """The dates `window` covers for a member whose own date is `member_today`."""
    if window is Window.TODAY:
        return Span(member_today, member_today)
    if window is Window.LAST_7_DAYS:
        return Span(member_today - timedelta(days=6), member_today)
    if window is Window.LAST_30_DAYS:
        return Span(member_today - timedelta(days=29), member_today)
    if window is Window.WEEK:
        monday = week_start(team_today)
        return Span(monday, monday + timedelta(days=6))
    if window is Window.MONTH:
        return Span(team_today.replace(day=1), month_end(team_today))
    return Span(None, None)


def member_goal(
    span: Span,
    *,
    member_today: date,
    first_day: date | None,
    daily_goal: int,
    work_days: WorkDays,
) -> int:
    """A member's share of the goal: their work days in the span up to their own today.

    `first_day` starts an open span (all time): the team's first logged day.
    """
    start = span.start if span.start is not None else first_day
    end = member_today if span.end is None else min(span.end, member_today)
    if start is None or start > end:
        return 0
    return work_days_between(start, end, work_days=work_days) * daily_goal
