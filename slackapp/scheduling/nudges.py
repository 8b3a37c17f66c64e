"""What the daily nudge says: the principle of the day, a tip, how the last work day went.

Pure reads over a session; the scheduler decides when and where a nudge goes, and
`slackapp.render.nudge` turns these results into a message.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slackapp.domain.calendar import Period, Window, WorkDays
from slackapp.domain.nudges import DayTally, MemberNudge, TeamNudge, previous_work_day
from slackapp.domain.streaks import compute_streaks
from slackapp.domain.tips import (
    daily_question,
    first_steps_line,
    principle_of_the_day,
    tip_for,
    why_it_matters,
)
from slackapp.store.leaderboard import team_leaderboard
from slackapp.store.models import Connection, Member
from slackapp.store.stats import daily_counts, team_daily_counts
from slackapp.store.team_settings import get_settings

__all__ = [
    "DayTally",
    "MemberNudge",
    "TeamNudge",
    "member_nudge",
    "previous_work_day",
    "team_nudge",
]


def _people(session: Session, *, team_id: str, day: date) -> int:
    return (
        session.scalar(
            select(func.count(func.distinct(Connection.user_id))).where(
                Connection.team_id == team_id, Connection.local_date == day
            )
        )
        or 0
    )


def _team_tally(
    session: Session, *, team_id: str, day: date, daily_goal: int, work_days: WorkDays
) -> DayTally:
    previous = previous_work_day(day, work_days=work_days)
    board = team_leaderboard(
        session,
        team_id=team_id,
        period=Period(Window.TODAY, previous, previous, previous.isoformat()),
        caller_id="",
        limit=0,
        daily_goal=daily_goal,
        work_days=work_days,
    )
    days_off = team_daily_counts(
        session, team_id=team_id, start=previous + timedelta(days=1), end=day - timedelta(days=1)
    )
    return DayTally(
        day=previous,
        total=board.team_total,
        people=_people(session, team_id=team_id, day=previous),
        goal=board.team_goal,
        counts=board.team_counts,
        days_off_total=sum(sum(counts.values()) for counts in days_off.values()),
    )


def team_nudge(session: Session, *, team_id: str, day: date) -> TeamNudge:
    """The channel nudge for `day`: today's principle and tip, and the team's last work day."""
    settings = get_settings(session, team_id=team_id)
    principle = principle_of_the_day(day, work_days=settings.work_days)
    return TeamNudge(
        team_id=team_id,
        day=day,
        principle=principle,
        tip=tip_for(day, principle=principle, salt=team_id),
        why=why_it_matters(principle),
        question=daily_question(day),
        daily_goal=settings.daily_goal,
        team=_team_tally(
            session,
            team_id=team_id,
            day=day,
            daily_goal=settings.daily_goal,
            work_days=settings.work_days,
        ),
    )


def member_nudge(session: Session, *, team_id: str, user_id: str, day: date) -> MemberNudge:
    """The DM nudge for one member on their own `day`, with their count and streak."""
    settings = get_settings(session, team_id=team_id)
    principle = principle_of_the_day(day, work_days=settings.work_days)
    team = _team_tally(
        session,
        team_id=team_id,
        day=day,
        daily_goal=settings.daily_goal,
        work_days=settings.work_days,
    )
    logged = daily_counts(session, team_id=team_id, user_id=user_id, until=day)
    # Only days before `day` count: what they log this morning must not change the nudge.
    per_day = {d: n for d, n in logged.items() if d < day}
    streaks = compute_streaks(
        per_day, today=day, daily_goal=settings.daily_goal, work_days=settings.work_days
    )
    member = session.get(Member, (team_id, user_id))
    return MemberNudge(
        team_id=team_id,
        user_id=user_id,
        display_name=member.display_name if member is not None else None,
        day=day,
        principle=principle,
        # Salted by the member, so teammates in DM mode do not all get the same tip.
        tip=tip_for(day, principle=principle, salt=user_id),
        why=why_it_matters(principle),
        question=daily_question(day),
        daily_goal=settings.daily_goal,
        team=team,
        own_count=per_day.get(team.day, 0),
        own_days_off=sum(n for d, n in per_day.items() if team.day < d < day),
        goal_streak=streaks.goal_streak,
        active_streak=streaks.active_streak,
        first_steps=None if logged else first_steps_line(day),
    )
