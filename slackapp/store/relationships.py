"""People reached and relationships deepened: the people boards and the digest's lines.

Every count is over people as the team knows them: a merged handle counts as the person it
was merged into. One GROUP BY over `ix_connections_team_day_person` (team, day, member,
person) gives the (member, person, touches) of a window; merges are resolved in Python.
People reached, for a team without merges, is counted by the database alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from sqlalchemy import (
    ColumnElement,
    Date,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import QueryableAttribute, Session

from slackapp.domain.relationships import RELATIONSHIP_TOUCHES
from slackapp.domain.windows import Span
from slackapp.store.db import plain_rows, unindexed
from slackapp.store.models import GROUP_TOUCH_COLUMNS, Connection, Member, Person

__all__ = [
    "deepened_after",
    "deepened_counts",
    "first_time_where",
    "member_names",
    "member_zones",
    "people_reached",
    "relationships_deepened",
]

_CHUNK = 500


def _merged(session: Session, *, team_id: str) -> dict[int, int]:
    """The team's merged people and whom each was merged into (ix_people_team_merged)."""
    rows = plain_rows(
        session,
        select(Person.id, Person.merged_into).where(
            Person.team_id == team_id, Person.merged_into.is_not(None)
        ),
    )
    return {person: int(root) for person, root in rows if root is not None}


#: Each member's own dates of a window (see domain.windows.member_span), by user id.
MemberSpans = Mapping[str, Span]


def _span(span: Span) -> ColumnElement[bool]:
    clauses = []
    if span.start is not None:
        clauses.append(Connection.local_date >= span.start)
    if span.end is not None:
        clauses.append(Connection.local_date <= span.end)
    return and_(true(), *clauses)


def _in_window(
    team_id: str, start: date | None, end: date, by_member: MemberSpans | None = None
) -> list[ColumnElement[bool]]:
    """The team's entries naming someone, within `start`..`end`, or within each member's own
    span (`by_member`; anyone not in it on `start`..`end`)."""
    where = [Connection.team_id == team_id, Connection.person_id.is_not(None)]
    default = Span(start, end)
    groups: dict[Span, list[str]] = {}
    for user_id, span in (by_member or {}).items():
        groups.setdefault(span, []).append(user_id)
    if not groups or set(groups) == {default}:
        return [*where, _span(default)]
    if len(groups) == 1:
        # One span for everyone (a week or a month): no list of members needed.
        return [*where, _span(next(iter(groups)))]
    spans = [and_(Connection.user_id.in_(users), _span(span)) for span, users in groups.items()]
    # Someone who logged before we knew them reads as being on the team's days.
    spans.append(and_(Connection.user_id.not_in(list(by_member or {})), _span(default)))
    return [*where, or_(*spans)]


def _pairs(
    session: Session,
    *,
    team_id: str,
    start: date | None,
    end: date,
    merged: dict[int, int],
    by_member: MemberSpans | None = None,
) -> list[tuple[str, int, int]]:
    """(member, person, touches) in the window: one GROUP BY on ix_connections_team_day_person.

    People are resolved to whom they were merged into afterwards, in Python: joining `people`
    in the query lets a planner walk people first, which is far slower on a big team.
    """
    query = (
        select(Connection.user_id, Connection.person_id, func.count())
        .where(*_in_window(team_id, start, end, by_member))
        .group_by(Connection.user_id, Connection.person_id)
    )
    return [
        (user_id, merged.get(person, person), int(n))
        for user_id, person, n in plain_rows(session, query)
        if person is not None
    ]


def people_reached(
    session: Session,
    *,
    team_id: str,
    start: date | None,
    end: date,
    by_member: MemberSpans | None = None,
) -> tuple[dict[str, int], int]:
    """Distinct people each member reached from `start` to `end` (or in their own `by_member`
    span), and the team's own count."""
    merged = _merged(session, team_id=team_id)
    if not merged:
        # Nobody merged (the common case): the database counts, on the index alone.
        where = _in_window(team_id, start, end, by_member)
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
    pairs = _pairs(
        session, team_id=team_id, start=start, end=end, merged=merged, by_member=by_member
    )
    for user_id, root, _ in pairs:
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
    by_member: MemberSpans | None = None,
) -> tuple[dict[str, int], int]:
    """People each member touched `touches`+ times in the window (or their own `by_member`
    span); and those the team did."""
    # One pass over the window's (member, person) pairs gives both figures; the same in SQL
    # (two GROUP BYs with HAVING) measured several times slower on SQLite at a million rows.
    merged = _merged(session, team_id=team_id)
    per_pair: Counter[tuple[str, int]] = Counter()
    by_team: Counter[int] = Counter()
    pairs = _pairs(
        session, team_id=team_id, start=start, end=end, merged=merged, by_member=by_member
    )
    for user_id, root, n in pairs:
        per_pair[(user_id, root)] += n
        by_team[root] += n
    deepened: Counter[str] = Counter(
        user_id for (user_id, _), n in per_pair.items() if n >= touches
    )
    return dict(deepened), sum(1 for n in by_team.values() if n >= touches)


def _teams(column: QueryableAttribute[str]) -> ColumnElement[bool]:
    """`column` is one of the teams asked for (`team_ids`)."""
    return column.in_(bindparam("team_ids", expanding=True))


def first_time_where(
    start: ColumnElement[date], end: ColumnElement[date]
) -> tuple[ColumnElement[bool], ...]:
    """People (as merged) whose group's first day is from `start` to `end`: one range on
    ix_people_team_group_first (a row merged into another keeps no group dates)."""
    return (Person.group_first.between(start, end),)


def deepened_counts(
    start: ColumnElement[date], end: ColumnElement[date]
) -> tuple[tuple[ColumnElement[int], ColumnElement[int]], tuple[ColumnElement[bool], ...]]:
    """Per team (grouped by the caller), over people (as merged) whose group's third latest
    touch is on or after `start` (one range on ix_people_team_group_touches): how many were
    touched three times from `start` to `end` and nobody touched since, and how many were
    touched after `end` as well, whom deepened_after counts from their entries.

    A group whose third latest touch is before `start` has at most two since, so whether or
    not anyone touched it after `end`, it was not touched three times in the window. Returns
    the two counts and the WHERE clause."""
    done = func.sum(case((Person.group_touch_1 <= end, 1), else_=0))
    later = func.sum(case((Person.group_touch_1 > end, 1), else_=0))
    return (done, later), (Person.group_touch_3.between(start, _NO_LATER),)


#: An upper bound no date passes. Bounded on both sides, the range reads to PostgreSQL as a
#: narrow one whatever its dates, so after a few runs it keeps one plan for the statement
#: (the same one) instead of planning it afresh at every run: "on or after" alone reads as a
#: third of the team's people to a plan made before the dates are known.
_NO_LATER = bindparam("no_later", date.max, type_=Date)


_END = bindparam("end", type_=Date)
_, _SINCE = deepened_counts(bindparam("start", type_=Date), _END)
#: The groups (by their roots) touched three times or more since `start` and after `end`.
_TOUCHED_AFTER = select(Person.team_id, Person.id).where(
    _teams(Person.team_id), *_SINCE, Person.group_touch_1 > _END
)
#: The people of some groups (as (person, root)), by their roots.
_GROUPS_OF = select(Person.id, func.coalesce(Person.merged_into, Person.id)).where(
    Person.team_id == bindparam("team_id"),
    or_(
        Person.id.in_(bindparam("roots", expanding=True)),
        Person.merged_into.in_(bindparam("roots", expanding=True)),
    ),
)


def deepened_after(
    session: Session, *, team_ids: Sequence[str], start: date, end: date
) -> dict[str, int]:
    """The groups touched three times from `start` to `end` that someone also touched after
    `end` (the others are counted by deepened_counts): from their people's entries in the
    window (ix_connections_person_recent). A digest's window ends today, so seldom any."""
    roots: dict[str, list[int]] = {team_id: [] for team_id in team_ids}
    window = {"team_ids": list(team_ids), "start": start, "end": end}
    for team_id, root in plain_rows(session, _TOUCHED_AFTER, window):
        roots[team_id].append(int(root))
    deepened = dict.fromkeys(team_ids, 0)
    for team_id, touched in roots.items():
        ordered = sorted(touched)
        for offset in range(0, len(ordered), _CHUNK):
            chunk = ordered[offset : offset + _CHUNK]
            root_of = {
                int(person): int(root)
                for person, root in plain_rows(
                    session, _GROUPS_OF, {"team_id": team_id, "roots": chunk}
                )
            }
            people = sorted(root_of)
            by_root: Counter[int] = Counter()
            for part in range(0, len(people), _CHUNK):
                rows = plain_rows(
                    session,
                    select(Connection.person_id, func.count())
                    .where(
                        Connection.team_id == team_id,
                        Connection.person_id.in_(people[part : part + _CHUNK]),
                        unindexed(Connection.local_date).between(start, end),
                    )
                    .group_by(Connection.person_id),
                )
                for person, n in rows:
                    if person is not None:
                        by_root[root_of[person]] += int(n)
            deepened[team_id] += sum(1 for n in by_root.values() if n >= len(GROUP_TOUCH_COLUMNS))
    return deepened


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


def member_zones(session: Session, *, team_id: str) -> dict[str, str | None]:
    """Every member's cached time zone (None while unknown)."""
    rows = session.execute(select(Member.user_id, Member.timezone).where(Member.team_id == team_id))
    return {user_id: timezone for user_id, timezone in rows}
