"""People reached and relationships deepened: the people boards and the digest's lines.

Every count is over people as the team knows them: a merged handle counts as the person it
was merged into. One GROUP BY over `ix_connections_team_day_person` (team, day, member,
person) gives the (member, person, touches) of a window; merges are resolved in Python.
People reached, for a team without merges, is counted by the database alone.
"""

from __future__ import annotations

import functools
import operator
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Date,
    Select,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import QueryableAttribute, Session, aliased

from slackapp.domain.relationships import RELATIONSHIP_TOUCHES
from slackapp.domain.windows import Span
from slackapp.store.db import plain_rows, unindexed
from slackapp.store.models import KEPT_TOUCH_COLUMNS, Connection, Member, Person

__all__ = [
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

    The same as relationships_deepened's team figure. For three touches, the people's kept
    latest touches answer (see `relationships_deepened_of`); otherwise the database counts.
    """
    if touches == len(KEPT_TOUCH_COLUMNS):
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


def _team(column: QueryableAttribute[str], *, teams: bool) -> ColumnElement[bool]:
    """`column` is the one team's (`team_id`) or one of several teams' (`team_ids`)."""
    if teams:
        return column.in_(bindparam("team_ids", expanding=True))
    return column == bindparam("team_id")


def _kept_in_window() -> Select[*tuple[Any, ...]]:
    """Per team, how many people not merged into anyone (roots of merges included) have
    their third latest touch on or after `start` and their latest on or before `end`."""
    return (
        select(Person.team_id, func.count().label("n"))
        .where(
            _team(Person.team_id, teams=True),
            Person.touch_3 >= bindparam("start"),
            Person.touch_1 <= bindparam("end"),
            Person.merged_into.is_(None),
        )
        .group_by(Person.team_id)
    )


#: Who was touched after the window ended: the entries past it, on ix_connections_team_day_person.
#: Not DISTINCT, nor on an indexed person: either has SQLite walk every entry of the team.
_TOUCHED_AFTER = select(Connection.team_id, Connection.person_id).where(
    _team(Connection.team_id, teams=True),
    Connection.local_date > bindparam("end"),
    unindexed(Connection.person_id).is_not(None),
)


def _kept_since(person: type[Person]) -> ColumnElement[int]:
    """How many of `person`'s kept latest touches fall on or after `start` (0 to 3)."""
    since: BindParameter[date] = bindparam("start", type_=Date)
    counted = [
        case((getattr(person, column) >= since, 1), else_=0) for column in KEPT_TOUCH_COLUMNS
    ]
    return functools.reduce(operator.add, counted)


def _merged_since() -> Select[*tuple[Any, ...]]:
    root = aliased(Person, name="root")
    return (
        select(
            Person.team_id,
            Person.id,
            Person.merged_into,
            _kept_since(Person).label("own"),
            _kept_since(root).label("roots"),
            # Whether _KEPT_IN_WINDOW counts the root on its own.
            case(
                (and_(root.touch_3 >= bindparam("start"), root.touch_1 <= bindparam("end")), 1),
                else_=0,
            ).label("root_alone"),
        )
        .join(root, root.id == Person.merged_into)
        .where(
            _team(Person.team_id, teams=True),
            Person.merged_into.is_not(None),
            Person.touch_1 >= bindparam("start"),
        )
    )


#: How many people not merged into anyone have their last three touches in the window, per
#: team, from ix_people_team_touches alone (the roots of merges among them are counted with
#: their groups instead: see _deepened_counted).
_KEPT_IN_WINDOW = _kept_in_window()
#: Those merged into someone and touched since `start` (one range on the partial index
#: ix_people_team_merged_touches, which holds their kept touches), each with whom and how many
#: of both one's and the root's kept dates are since `start` (the root by its key), counted by
#: the database: no dates come back to be parsed.
_MERGED_SINCE = _merged_since()


def _deepened_counted() -> Select[*tuple[Any, ...]]:
    """Per team, _deepened_from's count where nobody was touched after the window: each
    merged group's kept touches added up by the database, so one row comes back a team.

    A group counts when its people's kept touches in the window, with its root's, reach three;
    a root _KEPT_IN_WINDOW counted on its own is taken off (its group counts it instead).
    """
    merged = _MERGED_SINCE.subquery("merged")
    groups = (
        select(
            merged.c.team_id,
            (func.sum(merged.c.own) + func.max(merged.c.roots)).label("kept"),
            func.max(merged.c.root_alone).label("root_alone"),
        )
        .group_by(merged.c.team_id, merged.c.merged_into)
        .subquery("groups")
    )
    deepened = case((groups.c.kept >= len(KEPT_TOUCH_COLUMNS), 1), else_=0)
    parts = union_all(
        _KEPT_IN_WINDOW, select(groups.c.team_id, (deepened - groups.c.root_alone).label("n"))
    ).subquery("parts")
    return select(parts.c.team_id, func.sum(parts.c.n)).group_by(parts.c.team_id)


_DEEPENED_COUNTED = _deepened_counted()


def _deepened_from(
    session: Session,
    *,
    team_id: str,
    start: date,
    end: date,
    touches: int,
    later: set[int],
    merged: Iterable[Sequence[Any]],
    kept_in_window: int,
) -> int:
    """The count from who was touched after the window, the merged people touched since it
    began (_MERGED_SINCE's rows, less the team) and _KEPT_IN_WINDOW's count."""
    root_of: dict[int, int] = {}
    kept: dict[int, int] = {}
    # The roots of those groups that _KEPT_IN_WINDOW counts: they are counted with their
    # group instead.
    counted_alone: set[int] = set()
    for person_id, into, own, roots, root_alone in merged:
        root_of[person_id] = into
        kept[person_id] = own
        kept[into] = roots
        if root_alone:
            counted_alone.add(into)
    in_window = {person_id: n for person_id, n in kept.items() if person_id not in later}
    wanted = sorted(later)
    for offset in range(0, len(wanted), _CHUNK):
        # Each one's own entries (ix_connections_person_recent), their dates read from it.
        rows = plain_rows(
            session,
            select(Connection.person_id, func.count())
            .where(
                Connection.team_id == team_id,
                Connection.person_id.in_(wanted[offset : offset + _CHUNK]),
                unindexed(Connection.local_date).between(start, end),
            )
            .group_by(Connection.person_id),
        )
        for found, n in rows:
            if found is not None:
                in_window[found] = int(n)
    # Never below zero: every root in counted_alone is one _KEPT_IN_WINDOW counted.
    alone = kept_in_window - len(counted_alone)
    by_root: Counter[int] = Counter()
    for person_id, n in in_window.items():
        by_root[root_of.get(person_id, person_id)] += n
    return alone + sum(1 for n in by_root.values() if n >= touches)


def relationships_deepened_of(
    session: Session, *, team_ids: Sequence[str], start: date, end: date
) -> dict[str, int]:
    """team_relationships_deepened (three touches) for several teams over the same dates.

    Someone nobody has touched since `end` was touched three times in the window exactly when
    their third latest touch is in it: a count on ix_people_team_touches. People in a merge
    count together as whom they were merged into: each one's touches in the window, up to
    three, are those of their latest three that fall in it, so only the groups with someone
    touched in the window are added up (and their roots taken off the count). For the teams
    with nobody touched since `end` (a digest's window ends today), the database does all that
    and answers a number a team; for the others, the few people touched since are counted from
    their entries and the groups added up here.
    """
    window = {"team_ids": list(team_ids), "start": start, "end": end}
    later: dict[str, set[int]] = {team_id: set() for team_id in team_ids}
    for team_id, person in plain_rows(session, _TOUCHED_AFTER, window):
        if person is not None:
            later[team_id].add(person)
    deepened = dict.fromkeys(team_ids, 0)
    counted = [team_id for team_id in team_ids if not later[team_id]]
    if counted:
        for team_id, n in plain_rows(session, _DEEPENED_COUNTED, {**window, "team_ids": counted}):
            deepened[team_id] = int(n or 0)
    touched = [team_id for team_id in team_ids if later[team_id]]
    if not touched:
        return deepened
    window = {**window, "team_ids": touched}
    merged: dict[str, list[Sequence[Any]]] = {team_id: [] for team_id in touched}
    for team_id, *row in plain_rows(session, _MERGED_SINCE, window):
        merged[team_id].append(row)
    alone = dict.fromkeys(touched, 0)
    for team_id, n in plain_rows(session, _KEPT_IN_WINDOW, window):
        alone[team_id] = int(n or 0)
    for team_id in touched:
        deepened[team_id] = _deepened_from(
            session,
            team_id=team_id,
            start=start,
            end=end,
            touches=len(KEPT_TOUCH_COLUMNS),
            later=later[team_id],
            merged=merged[team_id],
            kept_in_window=alone[team_id],
        )
    return deepened


def _first_time_statement(*, teams: bool = False) -> Select[*tuple[Any, ...]]:
    found = aliased(Person, name="found")
    root = func.coalesce(found.merged_into, found.id)
    earlier = (
        # The root itself, by its key.
        select(Person.id).where(
            Person.id == root, unindexed(Person.first_date) < bindparam("start")
        ),
        # Whoever was merged into it (ix_people_team_merged).
        select(Person.id).where(
            Person.team_id == (found.team_id if teams else bindparam("team_id")),
            Person.merged_into == root,
            unindexed(Person.first_date) < bindparam("start"),
        ),
    )
    where = (
        _team(found.team_id, teams=teams),
        found.first_date.between(bindparam("start"), bindparam("end")),
        *(~before.exists() for before in earlier),
    )
    if teams:
        return (
            select(found.team_id, func.count(root.distinct())).where(*where).group_by(found.team_id)
        )
    return select(func.count(root.distinct())).where(*where)


#: Who was first touched in the window, as whom they were merged into, unless someone of their
#: group was touched before it: one range on ix_people_team_first, each found person's group
#: looked up by key and on ix_people_team_merged. `first_date` is not looked up through an
#: index there, or SQLite walks every person of the team touched before the window.
_FIRST_TIME = _first_time_statement()


def first_time_people(session: Session, *, team_id: str, start: date, end: date) -> int:
    """People the team touched from `start` to `end` and never before `start`.

    Each person keeps their first day (`people.first_date`, kept as entries change); a merged
    group's first day is the earliest of its people's. One statement, counted by the database.
    """
    window = {"team_id": team_id, "start": start, "end": end}
    return int(plain_rows(session, _FIRST_TIME, window).scalar() or 0)


_FIRST_TIME_OF = _first_time_statement(teams=True)


def first_time_people_of(
    session: Session, *, team_ids: Sequence[str], start: date, end: date
) -> dict[str, int]:
    """first_time_people for several teams over the same dates, in one statement."""
    counts = dict.fromkeys(team_ids, 0)
    window = {"team_ids": list(team_ids), "start": start, "end": end}
    for team_id, n in plain_rows(session, _FIRST_TIME_OF, window):
        counts[team_id] = int(n or 0)
    return counts


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
