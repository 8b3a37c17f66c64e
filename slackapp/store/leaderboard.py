"""The team leaderboard: who logged the most connections in a period, and the team's progress."""

from __future__ import annotations

from datetime import date
from types import MappingProxyType

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from slackapp.domain.board import BoardRow, Leaderboard
from slackapp.domain.calendar import Period, WorkDays
from slackapp.domain.streaks import goal_for_period
from slackapp.domain.vocabulary import Principle, zero_counts
from slackapp.store.models import Connection, Member


def _in_period(period: Period) -> ColumnElement[bool]:
    if period.start is None:
        return Connection.local_date <= period.end
    return Connection.local_date.between(period.start, period.end)


def _name_key(display_name: str | None) -> tuple[bool, str]:
    # Named people first, alphabetically without regard to case; unnamed ones after them.
    return (display_name is None, (display_name or "").casefold())


def _first_logged_day(session: Session, *, team_id: str, until: date) -> date | None:
    return session.scalar(
        select(func.min(Connection.local_date)).where(
            Connection.team_id == team_id, Connection.local_date <= until
        )
    )


def _member_count(session: Session, *, team_id: str) -> int:
    return (
        session.scalar(select(func.count()).select_from(Member).where(Member.team_id == team_id))
        or 0
    )


def team_leaderboard(
    session: Session,
    *,
    team_id: str,
    period: Period,
    caller_id: str,
    principle: Principle | None = None,
    limit: int = 10,
    daily_goal: int,
    work_days: WorkDays,
) -> Leaderboard:
    """Rank the team's members by connections logged in `period` (optionally one principle only)."""
    if limit < 0:
        raise ValueError("limit cannot be negative")

    counts_by_user: dict[str, dict[Principle, int]] = {}
    names: dict[str, str | None] = {}
    team_counts = zero_counts()
    # Grouping happens in the database over ix_connections_team_day (team_id, local_date,
    # user_id, principle), which covers the query; only one small row per person and principle
    # comes back, with the display name joined on afterwards by primary key.
    per_person = (
        select(
            Connection.user_id.label("user_id"),
            Connection.principle.label("principle"),
            func.count().label("n"),
        )
        .where(Connection.team_id == team_id, _in_period(period))
        .group_by(Connection.user_id, Connection.principle)
        .subquery("per_person")
    )
    board_query = select(
        per_person.c.user_id, per_person.c.principle, per_person.c.n, Member.display_name
    ).outerjoin(Member, (Member.team_id == team_id) & (Member.user_id == per_person.c.user_id))
    for user_id, principle_value, n, display_name in session.execute(board_query):
        kind = Principle(principle_value)
        counts_by_user.setdefault(user_id, zero_counts())[kind] += n
        names[user_id] = display_name
        team_counts[kind] += n

    def score(user_id: str) -> int:
        counts = counts_by_user[user_id]
        return counts[principle] if principle is not None else sum(counts.values())

    ranked_ids = sorted(
        (user_id for user_id in counts_by_user if score(user_id) > 0),
        key=lambda user_id: (-score(user_id), _name_key(names[user_id]), user_id),
    )
    ranked: list[BoardRow] = []
    for position, user_id in enumerate(ranked_ids):
        total = score(user_id)
        # Competition ranking (1, 1, 3): a tie keeps the rank of the first person in it.
        rank = ranked[-1].rank if ranked and ranked[-1].total == total else position + 1
        ranked.append(
            BoardRow(
                rank=rank,
                user_id=user_id,
                display_name=names[user_id],
                total=total,
                counts=MappingProxyType(counts_by_user[user_id]),
            )
        )

    shown = tuple(ranked[:limit])
    caller_row = next((row for row in ranked[limit:] if row.user_id == caller_id), None)

    # People can log before their profile is cached, so never count fewer members than loggers.
    members = max(_member_count(session, team_id=team_id), len(counts_by_user))
    # "All time" has no start of its own; the team's goal starts on its first logged day.
    goal_start = (
        period.start
        if period.start is not None
        else _first_logged_day(session, team_id=team_id, until=period.end)
    )
    team_goal = (
        0
        if goal_start is None
        else goal_for_period(
            start=goal_start,
            end=period.end,
            members=members,
            daily_goal=daily_goal,
            work_days=work_days,
        )
    )
    return Leaderboard(
        team_id=team_id,
        period=period,
        principle=principle,
        rows=shown,
        caller_row=caller_row,
        team_total=sum(team_counts.values()),
        team_counts=MappingProxyType(team_counts),
        team_goal=team_goal,
        members=members,
    )
