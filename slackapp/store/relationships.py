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
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Date,
    Integer,
    Select,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import QueryableAttribute, Session

from slackapp.domain.relationships import RELATIONSHIP_TOUCHES
from slackapp.domain.windows import Span
from slackapp.store.db import plain_rows, unindexed
from slackapp.store.models import GROUP_TOUCH_COLUMNS, Connection, Member, Person

__all__ = [
    "digest_people_of",
    "first_time_people",
    "first_time_people_of",
    "member_names",
    "member_zones",
    "people_reached",
    "relationships_deepened",
    "relationships_deepened_of",
    "team_relationships_deepened",
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


def _merged_groups(team_id: str) -> CompoundSelect[tuple[int]]:
    """Every person row of the team in a merge: those merged, and those merged into."""
    merged = (Person.team_id == team_id, Person.merged_into.is_not(None))
    return union(select(Person.id).where(*merged), select(Person.merged_into).where(*merged))


def team_relationships_deepened(
    session: Session, *, team_id: str, start: date, end: date, touches: int = RELATIONSHIP_TOUCHES
) -> int:
    """People the team touched `touches`+ times from `start` to `end` (the digest's line).

    The same as relationships_deepened's team figure. For three touches, the groups' kept
    latest touches answer (see `relationships_deepened_of`); otherwise the database counts.
    """
    if touches == len(GROUP_TOUCH_COLUMNS):
        deepened = relationships_deepened_of(session, team_ids=[team_id], start=start, end=end)
        return deepened[team_id]
    merged = _merged(session, team_id=team_id)
    return _counted_deepened(
        session, team_id=team_id, start=start, end=end, touches=touches, merged=merged
    )


def _counted_deepened(
    session: Session, *, team_id: str, start: date, end: date, touches: int, merged: dict[int, int]
) -> int:
    """One GROUP BY over the window on ix_connections_team_day_person. Only people in a merge
    come back to be added up by whom they were merged into."""
    person = unindexed(Connection.person_id)
    per_person = (
        select(person, func.count()).where(*_in_window(team_id, start, end)).group_by(person)
    )
    if not merged:
        enough = per_person.having(func.count() >= touches).subquery()
        return int(session.scalar(select(func.count()).select_from(enough)) or 0)
    rows = plain_rows(
        session,
        per_person.having(
            or_(func.count() >= touches, person.in_(_merged_groups(team_id).scalar_subquery()))
        ),
    )
    by_root: Counter[int] = Counter()
    for person_id, n in rows:
        by_root[merged.get(person_id, person_id)] += int(n)
    return sum(1 for n in by_root.values() if n >= touches)


def _teams(column: QueryableAttribute[str]) -> ColumnElement[bool]:
    """`column` is one of the teams asked for (`team_ids`)."""
    return column.in_(bindparam("team_ids", expanding=True))


def _kind(n: int) -> ColumnElement[int]:
    """Which part of a union a row comes from: a number written into the statement."""
    return literal_column(str(n), Integer)


#: The parts of the people lines' union.
_FIRST, _DEEPENED, _LATER = 0, 1, 2


def _first_time_part(start: str) -> Select[*tuple[Any, ...]]:
    """Per team, the people (as merged) whose group's first day is from `start` to `end`:
    one range on ix_people_team_group_first."""
    return (
        select(_kind(_FIRST), Person.team_id, func.count())
        .where(
            _teams(Person.team_id),
            Person.group_first.between(bindparam(start, type_=Date), bindparam("end")),
        )
        .group_by(Person.team_id)
    )


def _deepened_part(start: str) -> Select[*tuple[Any, ...]]:
    """Per team, the people (as merged) whose group's third latest touch is on or after `start`
    and its latest on or before `end`: one range on ix_people_team_group_touches."""
    return (
        select(_kind(_DEEPENED), Person.team_id, func.count())
        .where(
            _teams(Person.team_id),
            Person.group_touch_3 >= bindparam(start, type_=Date),
            Person.group_touch_1 <= bindparam("end"),
        )
        .group_by(Person.team_id)
    )


#: Per team, whether anyone was touched after `end`: the entries past it, on
#: ix_connections_team_day_person (a digest's window ends today, so seldom any).
_LATER_PART = (
    select(_kind(_LATER), Connection.team_id, func.count())
    .where(
        _teams(Connection.team_id),
        Connection.local_date > bindparam("end"),
        unindexed(Connection.person_id).is_not(None),
    )
    .group_by(Connection.team_id)
)
_FIRST_TIME = _first_time_part("start")
_PEOPLE_LINES = union_all(
    _first_time_part("first_start"), _deepened_part("deepened_start"), _LATER_PART
)
_DEEPENED_LINE = union_all(_deepened_part("start"), _LATER_PART)


#: Who was touched after the window ended: the entries past it, on ix_connections_team_day_person.
#: Not DISTINCT, nor on an indexed person: either has SQLite walk every entry of the team.
_TOUCHED_AFTER = select(Connection.team_id, Connection.person_id).where(
    _teams(Connection.team_id),
    Connection.local_date > bindparam("end"),
    unindexed(Connection.person_id).is_not(None),
)
#: Whom some people are merged into (or they themselves, merged into nobody).
_ROOTS_OF = select(func.coalesce(Person.merged_into, Person.id)).where(
    Person.team_id == bindparam("team_id"), Person.id.in_(bindparam("people", expanding=True))
)
#: The people of some groups (as (person, root)), by their roots.
_GROUPS_OF = select(Person.id, func.coalesce(Person.merged_into, Person.id)).where(
    Person.team_id == bindparam("team_id"),
    or_(
        Person.id.in_(bindparam("roots", expanding=True)),
        Person.merged_into.in_(bindparam("roots", expanding=True)),
    ),
)


def _deepened_after(
    session: Session, *, team_ids: Sequence[str], start: date, end: date
) -> dict[str, int]:
    """For teams with someone touched after `end`: their groups touched three times from
    `start` to `end`, from their people's entries (ix_connections_person_recent). The
    groups of nobody touched since are counted by _deepened_part (their latest touch is
    on or before `end`); these are the others."""
    later: dict[str, set[int]] = {team_id: set() for team_id in team_ids}
    window = {"team_ids": list(team_ids), "end": end}
    for team_id, person in plain_rows(session, _TOUCHED_AFTER, window):
        if person is not None:
            later[team_id].add(int(person))
    deepened = dict.fromkeys(team_ids, 0)
    for team_id, touched in later.items():
        people_after = sorted(touched)
        roots: set[int] = set()
        for offset in range(0, len(people_after), _CHUNK):
            found = plain_rows(
                session,
                _ROOTS_OF,
                {"team_id": team_id, "people": people_after[offset : offset + _CHUNK]},
            )
            roots.update(int(root) for (root,) in found)
        ordered = sorted(roots)
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


def _lines(
    session: Session,
    statement: Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]],
    window: Mapping[str, object],
) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = {_FIRST: {}, _DEEPENED: {}, _LATER: {}}
    for kind, team_id, n in plain_rows(session, statement, window):
        found[int(kind)][team_id] = int(n or 0)
    return found


def digest_people_of(
    session: Session,
    *,
    team_ids: Sequence[str],
    first_start: date,
    deepened_start: date,
    end: date,
) -> dict[str, tuple[int, int]]:
    """The digest's two people lines for several teams, in one statement (and a few more for a
    team with someone touched after `end`): people first touched from `first_start` to `end`
    (first_time_people_of), and people touched three times from `deepened_start` to `end`
    (relationships_deepened_of)."""
    window = {
        "team_ids": list(team_ids),
        "first_start": first_start,
        "deepened_start": deepened_start,
        "end": end,
    }
    found = _lines(session, _PEOPLE_LINES, window)
    deepened = _with_later(session, found, team_ids=team_ids, start=deepened_start, end=end)
    return {team_id: (found[_FIRST].get(team_id, 0), deepened[team_id]) for team_id in team_ids}


def _with_later(
    session: Session,
    found: dict[int, dict[str, int]],
    *,
    team_ids: Sequence[str],
    start: date,
    end: date,
) -> dict[str, int]:
    deepened = {team_id: found[_DEEPENED].get(team_id, 0) for team_id in team_ids}
    later = [team_id for team_id in team_ids if found[_LATER].get(team_id)]
    if later:
        for team_id, n in _deepened_after(session, team_ids=later, start=start, end=end).items():
            deepened[team_id] += n
    return deepened


def relationships_deepened_of(
    session: Session, *, team_ids: Sequence[str], start: date, end: date
) -> dict[str, int]:
    """team_relationships_deepened (three touches) for several teams over the same dates.

    A person (as merged) nobody has touched since `end` was touched three times from `start`
    to `end` exactly when their group's third latest touch is on or after `start`: a count
    on ix_people_team_group_touches. Those touched since are counted from their entries.
    """
    window = {"team_ids": list(team_ids), "start": start, "end": end}
    found = _lines(session, _DEEPENED_LINE, window)
    return _with_later(session, found, team_ids=team_ids, start=start, end=end)


def first_time_people(session: Session, *, team_id: str, start: date, end: date) -> int:
    """People the team touched from `start` to `end` and never before `start`.

    A merged group is one person, whose first day is the earliest of its rows' (kept on its
    root, `people.group_first`): one range on ix_people_team_group_first.
    """
    return first_time_people_of(session, team_ids=[team_id], start=start, end=end)[team_id]


def first_time_people_of(
    session: Session, *, team_ids: Sequence[str], start: date, end: date
) -> dict[str, int]:
    """first_time_people for several teams over the same dates, in one statement."""
    window = {"team_ids": list(team_ids), "start": start, "end": end}
    counted = _lines(session, _FIRST_TIME, window)[_FIRST]
    return {team_id: counted.get(team_id, 0) for team_id in team_ids}


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
