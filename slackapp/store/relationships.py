"""People reached and relationships deepened: the people boards and the digest's lines.

Every count is over people as the team knows them: a merged handle counts as the person it
was merged into (`coalesce(merged_into, id)`). The per-member queries walk
`ix_connections_team_day_person` (team, day, member, person) and look people up by key.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, Select, func, select
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


def _root() -> ColumnElement[int]:
    return func.coalesce(Person.merged_into, Person.id)


def _touches(team_id: str, start: date | None, end: date) -> Select[str, int]:
    """(member, person) per entry naming someone, in the window."""
    query = (
        select(Connection.user_id, _root().label("root"))
        .join(Person, Person.id == Connection.person_id)
        .where(Connection.team_id == team_id, Connection.local_date <= end)
    )
    if start is not None:
        query = query.where(Connection.local_date >= start)
    return query


def people_reached(
    session: Session, *, team_id: str, start: date | None, end: date
) -> tuple[dict[str, int], int]:
    """Distinct people each member reached from `start` to `end`, and the team's own count."""
    touches = _touches(team_id, start, end).subquery()
    per_member = {
        user_id: int(n)
        for user_id, n in session.execute(
            select(touches.c.user_id, func.count(func.distinct(touches.c.root))).group_by(
                touches.c.user_id
            )
        )
    }
    team = session.scalar(select(func.count(func.distinct(touches.c.root))))
    return per_member, int(team or 0)


def relationships_deepened(
    session: Session,
    *,
    team_id: str,
    start: date | None,
    end: date,
    touches: int = RELATIONSHIP_TOUCHES,
) -> tuple[dict[str, int], int]:
    """People each member touched `touches`+ times in the window; and those the team did."""
    rows = _touches(team_id, start, end).subquery()
    by_member = (
        select(rows.c.user_id, rows.c.root)
        .group_by(rows.c.user_id, rows.c.root)
        .having(func.count() >= touches)
        .subquery()
    )
    per_member = {
        user_id: int(n)
        for user_id, n in session.execute(
            select(by_member.c.user_id, func.count()).group_by(by_member.c.user_id)
        )
    }
    by_team = select(rows.c.root).group_by(rows.c.root).having(func.count() >= touches).subquery()
    team = session.scalar(select(func.count()).select_from(by_team))
    return per_member, int(team or 0)


def first_time_people(session: Session, *, team_id: str, start: date, end: date) -> int:
    """People the team touched from `start` to `end` and never before `start`."""
    touched = {
        root
        for (root,) in session.execute(
            select(func.distinct(_root()))
            .select_from(Connection)
            .join(Person, Person.id == Connection.person_id)
            .where(Connection.team_id == team_id, Connection.local_date.between(start, end))
        )
    }
    if not touched:
        return 0
    seen_before: set[int] = set()
    ordered = sorted(touched)
    for offset in range(0, len(ordered), _CHUNK):
        chunk = ordered[offset : offset + _CHUNK]
        # Every person row of these people (the root and whatever was merged into it) ...
        ids = list(
            session.scalars(
                select(Person.id).where(
                    Person.team_id == team_id,
                    (Person.id.in_(chunk)) | (Person.merged_into.in_(chunk)),
                )
            )
        )
        for start_id in range(0, len(ids), _CHUNK):
            # ... and whether any entry named them before: ix_connections_person_recent.
            seen_before.update(
                session.scalars(
                    select(func.distinct(_root()))
                    .select_from(Connection)
                    .join(Person, Person.id == Connection.person_id)
                    .where(
                        Connection.team_id == team_id,
                        Connection.person_id.in_(ids[start_id : start_id + _CHUNK]),
                        Connection.local_date < start,
                    )
                )
            )
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
