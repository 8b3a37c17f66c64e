"""What the team digest says: the period's total against the goal, who led, streaks, highlights.

Pure reads over a session; `slackapp.render.digest` turns a `Digest` into a message and a chart.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from types import MappingProxyType
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from slackapp.domain.calendar import Period, Window, WorkDays
from slackapp.domain.digests import (
    HIGHLIGHT_COUNT,
    STREAK_COUNT,
    TOP_COUNT,
    Contributor,
    DayCounts,
    Digest,
    Highlight,
    StreakHolder,
    digest_period,
)
from slackapp.domain.relationships import RELATIONSHIP_DAYS
from slackapp.domain.team_settings import DigestMode, TeamSettings
from slackapp.domain.tips import principle_of_the_day, quiet_period_line, tip_for
from slackapp.domain.vocabulary import Principle
from slackapp.store.db import plain_rows
from slackapp.store.followups import reply_rates_between
from slackapp.store.leaderboard import team_leaderboard
from slackapp.store.models import Connection, Member
from slackapp.store.relationships import first_time_people, team_relationships_deepened
from slackapp.store.stats import team_daily_counts, team_member_streaks
from slackapp.store.team_settings import get_settings

__all__ = [
    "HIGHLIGHT_COUNT",
    "STREAK_COUNT",
    "TOP_COUNT",
    "Contributor",
    "Digest",
    "Highlight",
    "StreakHolder",
    "build_digest",
    "digest_period",
]

# How many recent notes to look through when choosing varied highlights.
_HIGHLIGHT_POOL = 40


def _next_work_day(day: date, *, work_days: WorkDays) -> date:
    for ahead in range(1, 8):
        candidate = day + timedelta(days=ahead)
        if candidate.weekday() in work_days:
            return candidate
    return day + timedelta(days=1)


#: Some members' names; built once (an expanding IN), as building it cost more than running it.
_NAMES = select(Member.user_id, Member.display_name).where(
    Member.team_id == bindparam("team_id"),
    Member.user_id.in_(bindparam("user_ids", expanding=True)),
)


def _names(session: Session, *, team_id: str, user_ids: list[str]) -> dict[str, str | None]:
    if not user_ids:
        return {}
    rows = plain_rows(session, _NAMES, {"team_id": team_id, "user_ids": user_ids})
    return {user_id: name for user_id, name in rows}


class _Note(NamedTuple):
    connection_id: int
    user_id: str
    principle: Principle
    text: str
    local_date: date


_RECENT_NOTES = (
    select(
        Connection.id,
        Connection.user_id,
        Connection.principle,
        Connection.note,
        Connection.local_date,
    )
    .where(
        Connection.team_id == bindparam("team_id"),
        Connection.local_date.between(bindparam("start"), bindparam("end")),
        Connection.note != "",
    )
    .order_by(Connection.local_date.desc(), Connection.created_at.desc(), Connection.id.desc())
    .limit(_HIGHLIGHT_POOL)
)


def _recent_notes(session: Session, *, team_id: str, start: date, end: date) -> list[_Note]:
    # The newest notes first (the latest day's, newest first, then the day before's); their
    # writers' names come after, with the streak holders': joining members before the LIMIT
    # made PostgreSQL match every entry of the week against every member. By day first, the
    # entries come off the team's days index in order and only the latest day's are sorted; by
    # time alone every note of the period was read and sorted.
    rows = plain_rows(session, _RECENT_NOTES, {"team_id": team_id, "start": start, "end": end})
    return [
        _Note(row.id, row.user_id, Principle(row.principle), row.note.strip(), row.local_date)
        for row in rows
        if row.note.strip()
    ]


def _highlights(notes: list[_Note], *, names: Mapping[str, str | None]) -> tuple[Highlight, ...]:
    pool = [
        Highlight(
            connection_id=note.connection_id,
            user_id=note.user_id,
            display_name=names.get(note.user_id),
            principle=note.principle,
            note=note.text,
            local_date=note.local_date,
        )
        for note in notes
    ]
    # Newest first, but one per person before anyone gets a second, so three notes show three
    # people when three people wrote some.
    chosen: list[Highlight] = []
    seen: set[str] = set()
    for highlight in pool:
        if highlight.user_id not in seen and len(chosen) < HIGHLIGHT_COUNT:
            chosen.append(highlight)
            seen.add(highlight.user_id)
    for highlight in pool:
        if len(chosen) >= HIGHLIGHT_COUNT:
            break
        if highlight not in chosen:
            chosen.append(highlight)
    chosen.sort(key=lambda h: pool.index(h))
    return tuple(chosen)


def build_digest(
    session: Session,
    *,
    team_id: str,
    kind: DigestMode,
    day: date,
    settings: TeamSettings | None = None,
) -> Digest:
    """The digest for `day` (daily) or for the seven days ending on `day` (weekly), by the
    team's `settings` (read here unless given)."""
    if settings is None:
        settings = get_settings(session, team_id=team_id)
    start, end = digest_period(kind, day=day)
    window = Window.TODAY if kind is DigestMode.DAILY else Window.LAST_7_DAYS
    board = team_leaderboard(
        session,
        team_id=team_id,
        period=Period(window, start, end, f"{start.isoformat()}..{end.isoformat()}"),
        caller_id="",
        limit=TOP_COUNT,
        daily_goal=settings.daily_goal,
        work_days=settings.work_days,
    )
    streak_rows = team_member_streaks(
        session,
        team_id=team_id,
        today=end,
        daily_goal=settings.daily_goal,
        work_days=settings.work_days,
        limit=STREAK_COUNT,
    )
    notes = _recent_notes(session, team_id=team_id, start=start, end=end)
    # Who holds a streak and who wrote a note, named at once.
    writers = {note.user_id for note in notes}
    names = _names(
        session, team_id=team_id, user_ids=sorted(writers.union(u for u, _ in streak_rows))
    )
    per_day = team_daily_counts(session, team_id=team_id, start=start, end=end)
    next_day = _next_work_day(end, work_days=settings.work_days)
    next_principle = principle_of_the_day(next_day, work_days=settings.work_days)
    return Digest(
        team_id=team_id,
        kind=kind,
        start=start,
        end=end,
        total=board.team_total,
        goal=board.team_goal,
        daily_goal=settings.daily_goal,
        members=board.members,
        counts=board.team_counts,
        top=tuple(
            Contributor(
                user_id=row.user_id,
                display_name=row.display_name,
                total=row.total,
                counts=row.counts,
                rank=row.rank,
            )
            for row in board.rows
        ),
        streaks=tuple(
            StreakHolder(user_id=user_id, display_name=names.get(user_id), days=days)
            for user_id, days in streak_rows
        ),
        highlights=_highlights(notes, names=names),
        days=tuple(
            DayCounts(day=d, counts=MappingProxyType(counts))
            for d, counts in sorted(per_day.items())
        ),
        work_days=settings.work_days,
        quiet_line=quiet_period_line(end) if board.team_total == 0 else None,
        next_tip=tip_for(next_day, principle=next_principle, salt=team_id),
        replies=reply_rates_between(session, team_id=team_id, start=start, end=end).overall,
        first_time_people=first_time_people(session, team_id=team_id, start=start, end=end),
        relationships_deepened=team_relationships_deepened(
            session,
            team_id=team_id,
            start=end - timedelta(days=RELATIONSHIP_DAYS - 1),
            end=end,
        ),
    )
