"""People reached and relationships deepened: the people boards and the digest's lines.

Every count is over people as the team knows them: a merged handle counts as the person it
was merged into. One GROUP BY over `ix_connections_team_day_person` (team, day, member,
person) gives the (member, person, touches) of a window; merges are resolved in Python.
People reached, for a team without merges, is counted by the database alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from slackapp.domain.relationships import RELATIONSHIP_TOUCHES
from slackapp.store.models import Connection, Member, Person

__all__ = [
    "first_time_people",
    "member_names",
    "people_reached",
    "relationships_deepened",
]

_CHUNK = 500


def _merged(session: Session, *, team_id: str) -> dict[int, int]:
    """The team's merged people and whom each was merged into (ix_people_team_merged)."""
    rows = session.execute(
        select(Person.id, Person.merged_into).where(
            Person.team_id == team_id, Person.merged_into.is_not(None)
        )
    )
    return {person: int(root) for person, root in rows if root is not None}


def _in_window(team_id: str, start: date | None, end: date) -> list[ColumnElement[bool]]:
    where = [
        Connection.team_id == team_id,
        Connection.local_date <= end,
        Connection.person_id.is_not(None),
    ]
    if start is not None:
        where.append(Connection.local_date >= start)
    return where


def _pairs(
    session: Session, *, team_id: str, start: date | None, end: date, merged: dict[int, int]
) -> list[tuple[str, int, int]]:
    """(member, person, touches) in the window: one GROUP BY on ix_connections_team_day_person.

    People are resolved to whom they were merged into afterwards, in Python: joining `people`
    in the query lets a planner walk people first, which is far slower on a big team.
    """
    query = (
        select(Connection.user_id, Connection.person_id, func.count())
        .where(*_in_window(team_id, start, end))
        .group_by(Connection.user_id, Connection.person_id)
    )
    return [
        (user_id, merged.get(person, person), int(n))
        for user_id, person, n in session.execute(query)
        if person is not None
    ]


def people_reached(
    session: Session, *, team_id: str, start: date | None, end: date
) -> tuple[dict[str, int], int]:
    """Distinct people each member reached from `start` to `end`, and the team's own count."""
    merged = _merged(session, team_id=team_id)
    if not merged:
        # Nobody merged (the common case): the database counts, on the index alone.
        where = _in_window(team_id, start, end)
        per_member = session.execute(
            select(Connection.user_id, func.count(func.distinct(Connection.person_id)))
            .where(*where)
            .group_by(Connection.user_id)
        )
        team_count = session.scalar(
            select(func.count(func.distinct(Connection.person_id))).where(*where)
        )
        return {user_id: int(n) for user_id, n in per_member}, int(team_count or 0)
    reached: dict[str, set[int]] = {}
    team: set[int] = set()
    for user_id, root, _ in _pairs(session, team_id=team_id, start=start, end=end, merged=merged):
        reached.setdefault(user_id, set()).add(root)
        team.add(root)
    return {user_id: len(roots) for user_id, roots in reached.items()}, len(team)


def relationships_deepened(
    session: Session,
    *,
    team_id: str,
    start: date | None,
    end: date,
    touches: int = RELATIONSHIP_TOUCHES,
) -> tuple[dict[str, int], int]:
    """People each member touched `touches`+ times in the window; and those the team did."""
    # One pass over the window's (member, person) pairs gives both figures; the same in SQL
    # (two GROUP BYs with HAVING) measured several times slower on SQLite at a million rows.
    merged = _merged(session, team_id=team_id)
    by_member: Counter[tuple[str, int]] = Counter()
    by_team: Counter[int] = Counter()
    for user_id, root, n in _pairs(session, team_id=team_id, start=start, end=end, merged=merged):
        by_member[(user_id, root)] += n
        by_team[root] += n
    deepened: Counter[str] = Counter(
        user_id for (user_id, _), n in by_member.items() if n >= touches
    )
    return dict(deepened), sum(1 for n in by_team.values() if n >= touches)


def first_time_people(session: Session, *, team_id: str, start: date, end: date) -> int:
    """People the team touched from `start` to `end` and never before `start`."""
    merged = _merged(session, team_id=team_id)
    touched = {
        root for _, root, _ in _pairs(session, team_id=team_id, start=start, end=end, merged=merged)
    }
    if not touched:
        return 0
    # Every person row of these people: the root and whatever was merged into it.
    rows = sorted(touched | {person for person, root in merged.items() if root in touched})
    seen_before: set[int] = set()
    for offset in range(0, len(rows), _CHUNK):
        # Whether any entry named them before `start`: ix_connections_person_recent.
        earlier = session.scalars(
            select(func.distinct(Connection.person_id)).where(
                Connection.team_id == team_id,
                Connection.person_id.in_(rows[offset : offset + _CHUNK]),
                Connection.local_date < start,
            )
        )
        seen_before.update(merged.get(person, person) for person in earlier if person is not None)
    return len(touched - seen_before)


def member_names(
    session: Session, *, team_id: str, user_ids: Iterable[str]
) -> dict[str, str | None]:
    """Cached display names of members."""
    wanted = sorted(set(user_ids))
    names: dict[str, str | None] = {}
    for offset in range(0, len(wanted), _CHUNK):
        rows = session.execute(
            select(Member.user_id, Member.display_name).where(
                Member.team_id == team_id,
                Member.user_id.in_(wanted[offset : offset + _CHUNK]),
            )
        )
        names.update((user_id, name) for user_id, name in rows)
    return names
