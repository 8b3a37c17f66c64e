"""What the team digest says: the period's total against the goal, who led, streaks, highlights.

Pure reads over a session; `slackapp.render.digest` turns a `Digest` into a message and a chart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any, NamedTuple

from sqlalchemy import BindParameter, CompoundSelect, Select, bindparam, select, text, union_all
from sqlalchemy.orm import Session

from slackapp.domain.board import Leaderboard
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
from slackapp.domain.followups import ReplyRate
from slackapp.domain.relationships import RELATIONSHIP_DAYS
from slackapp.domain.team_settings import DigestMode, TeamSettings
from slackapp.domain.tips import principle_of_the_day, quiet_period_line, tip_for
from slackapp.domain.vocabulary import Principle
from slackapp.store.db import plain_rows
from slackapp.store.digests import DigestCounts, digest_counts_of
from slackapp.store.followups import reply_rates_of
from slackapp.store.leaderboard import boards_from
from slackapp.store.models import NOTED, Connection
from slackapp.store.stats import (
    member_streaks_of,
)
from slackapp.store.team_settings import get_settings

__all__ = [
    "HIGHLIGHT_COUNT",
    "STREAK_COUNT",
    "TOP_COUNT",
    "Contributor",
    "Digest",
    "DigestWanted",
    "Highlight",
    "StreakHolder",
    "build_digest",
    "build_digests",
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


class _Note(NamedTuple):
    connection_id: int
    user_id: str
    principle: Principle
    text: str
    local_date: date


def _recent_notes_query(team: BindParameter[str]) -> Select[*tuple[Any, ...]]:
    """One team's newest _HIGHLIGHT_POOL notes of a period, newest first.

    The latest day's, newest first, then the day before's: in the order of
    ix_connections_team_notes, which holds only noted entries, so the LIMIT reads that many
    index entries and sorts none (off the team's days index, every entry of the latest day was
    read and sorted). Writers' names are read apart, every member's at once: joining members
    before the LIMIT made PostgreSQL match every entry of the week against every member.
    """
    return (
        select(
            Connection.team_id,
            Connection.id,
            Connection.user_id,
            Connection.principle,
            Connection.note,
            Connection.local_date,
            Connection.created_at,
        )
        .where(
            Connection.team_id == team,
            Connection.local_date.between(bindparam("start"), bindparam("end")),
            text(NOTED),  # as ix_connections_team_notes is built: read off it, newest first
        )
        .order_by(Connection.local_date.desc(), Connection.created_at.desc(), Connection.id.desc())
        .limit(_HIGHLIGHT_POOL)
    )


#: The notes of several teams, by how many: built once for each number of teams.
_RECENT_NOTES_OF: dict[int, CompoundSelect[*tuple[Any, ...]]] = {}
#: Teams per statement of _recent_notes_of (SQLite takes at most 500 parts in a UNION).
_NOTES_TEAMS_PER_READ = 32


def _recent_notes_of_query(teams: int) -> CompoundSelect[*tuple[Any, ...]]:
    """Each of `teams` teams' recent notes (team_0, team_1, …), one after the other.

    Each team's notes stop at its LIMIT, read newest first off ix_connections_team_notes. A
    window function ranking every note of the period by team ranked all of a big team's week
    (8.6 ms for a team of 50 logging 2,400 entries a week, against 0.6 ms).
    """
    statement = _RECENT_NOTES_OF.get(teams)
    if statement is None:
        parts = [
            _recent_notes_query(bindparam(f"team_{n}")).subquery(f"notes_{n}") for n in range(teams)
        ]
        # Ordered again outside: a UNION's order is its own, whatever each part's.
        statement = union_all(*(select(*part.c) for part in parts)).order_by(
            text("team_id"), text("local_date DESC"), text("created_at DESC"), text("id DESC")
        )
        _RECENT_NOTES_OF[teams] = statement
    return statement


def _recent_notes_of(
    session: Session, *, team_ids: Sequence[str], start: date, end: date
) -> dict[str, list[_Note]]:
    notes: dict[str, list[_Note]] = {team_id: [] for team_id in team_ids}
    teams = list(notes)
    for first in range(0, len(teams), _NOTES_TEAMS_PER_READ):
        some = teams[first : first + _NOTES_TEAMS_PER_READ]
        parameters: dict[str, Any] = {f"team_{n}": team_id for n, team_id in enumerate(some)}
        statement = _recent_notes_of_query(len(some))
        for row in plain_rows(session, statement, {**parameters, "start": start, "end": end}):
            note = _note(row)
            if note is not None:
                notes[row.team_id].append(note)
    return notes


def _note(row: Any) -> _Note | None:
    written = row.note.strip()
    if not written:
        return None
    return _Note(row.id, row.user_id, Principle(row.principle), written, row.local_date)


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
    (digest,) = build_digests(session, [DigestWanted(team_id, kind, day, settings)])
    return digest


@dataclass(frozen=True, slots=True)
class DigestWanted:
    """A digest to build: whose, which kind, for which day, by which settings."""

    team_id: str
    kind: DigestMode
    day: date
    settings: TeamSettings


def build_digests(session: Session, wanted: Sequence[DigestWanted]) -> list[Digest]:
    """build_digest for several teams, in order: each part read once for all the teams whose
    digests cover the same dates (a fan-out's batch), instead of a dozen statements a team.

    For a small team a digest's reads were mostly the cost of running a statement at all.
    """
    groups: dict[tuple[DigestMode, date], list[int]] = {}
    for index, one in enumerate(wanted):
        groups.setdefault((one.kind, one.day), []).append(index)
    digests: dict[int, Digest] = {}
    for (kind, day), indexes in groups.items():
        start, end = digest_period(kind, day=day)
        settings = {wanted[i].team_id: wanted[i].settings for i in indexes}
        team_ids = list(settings)
        teams = {team_id: (s.daily_goal, s.work_days) for team_id, s in settings.items()}
        # Every member's name, once, with the board: its rows, streak holders and note
        # writers take theirs.
        counts = digest_counts_of(
            session, team_ids=team_ids, start=start, end=end, deepened_start=_deepened_since(end)
        )
        boards = boards_from(
            period=_period(kind, start, end),
            limit=TOP_COUNT,
            teams=teams,
            names={team_id: counted.names for team_id, counted in counts.items()},
            counts={team_id: counted.member_counts for team_id, counted in counts.items()},
        )
        streaks = member_streaks_of(session, today=end, teams=teams, limit=STREAK_COUNT)
        notes = _recent_notes_of(session, team_ids=team_ids, start=start, end=end)
        replies = reply_rates_of(session, team_ids=team_ids, start=start, end=end)
        for index in indexes:
            team_id = wanted[index].team_id
            read = _Read(
                board=boards[team_id],
                streaks=streaks[team_id],
                notes=notes[team_id],
                counts=counts[team_id],
                replies=replies[team_id].overall,
            )
            digests[index] = _digest(
                read, team_id=team_id, kind=kind, start=start, end=end, settings=settings[team_id]
            )
    return [digests[index] for index in range(len(wanted))]


def _period(kind: DigestMode, start: date, end: date) -> Period:
    window = Window.TODAY if kind is DigestMode.DAILY else Window.LAST_7_DAYS
    return Period(window, start, end, f"{start.isoformat()}..{end.isoformat()}")


def _deepened_since(end: date) -> date:
    return end - timedelta(days=RELATIONSHIP_DAYS - 1)


@dataclass(frozen=True, slots=True)
class _Read:
    """What a digest is made of, as read from the database."""

    board: Leaderboard
    streaks: tuple[tuple[str, int], ...]
    notes: list[_Note]
    counts: DigestCounts
    replies: ReplyRate


def _digest(
    read: _Read,
    *,
    team_id: str,
    kind: DigestMode,
    start: date,
    end: date,
    settings: TeamSettings,
) -> Digest:
    board, names = read.board, read.counts.names
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
            for user_id, days in read.streaks
        ),
        highlights=_highlights(read.notes, names=names),
        days=tuple(
            DayCounts(day=d, counts=MappingProxyType(counts))
            for d, counts in sorted(read.counts.per_day.items())
        ),
        work_days=settings.work_days,
        quiet_line=quiet_period_line(end) if board.team_total == 0 else None,
        next_tip=tip_for(next_day, principle=next_principle, salt=team_id),
        replies=read.replies,
        first_time_people=read.counts.first_time_people,
        relationships_deepened=read.counts.relationships_deepened,
    )
