"""People reached and relationships deepened: the people boards and the digest's lines.

Every count is over people as the team knows them: a merged handle counts as the person it
was merged into. One GROUP BY over `ix_connections_team_day_person` (team, day, member,
person) gives the (member, person, touches) of a window; merges are resolved in Python.
People reached, for a team without merges, is counted by the database alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    and_,
    bindparam,
    func,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import Session

from slackapp.domain.relationships import RELATIONSHIP_TOUCHES
from slackapp.domain.windows import Span
from slackapp.store.db import plain_rows, unindexed
from slackapp.store.models import KEPT_TOUCH_COLUMNS, Connection, Member, Person

__all__ = [
    "first_time_people",
    "member_names",
    "member_zones",
    "people_reached",
    "relationships_deepened",
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
    latest touches answer (see `_kept_deepened`); otherwise the database counts.
    """
    if touches == len(KEPT_TOUCH_COLUMNS):
        return _kept_deepened(session, team_id=team_id, start=start, end=end, touches=touches)
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


#: Who has their last three touches in the window, from ix_people_team_touches alone.
_KEPT_IN_WINDOW = select(Person.id).where(
    Person.team_id == bindparam("team_id"),
    Person.touch_3 >= bindparam("start"),
    Person.touch_1 <= bindparam("end"),
    Person.merged_into.is_(None),
)
#: Who was touched after the window ended: the entries past it, on ix_connections_team_day_person.
#: Not DISTINCT, nor on an indexed person: either has SQLite walk every entry of the team.
_TOUCHED_AFTER = select(Connection.person_id).where(
    Connection.team_id == bindparam("team_id"),
    Connection.local_date > bindparam("end"),
    unindexed(Connection.person_id).is_not(None),
)


_KEPT_DATES = tuple(getattr(Person, column) for column in KEPT_TOUCH_COLUMNS)
#: Those merged into someone and touched since `start` (ix_people_team_merged), with whom.
_MERGED_SINCE = select(Person.id, Person.merged_into, *_KEPT_DATES).where(
    Person.team_id == bindparam("team_id"),
    Person.merged_into.is_not(None),
    Person.touch_1 >= bindparam("start"),
)


def _kept_deepened(session: Session, *, team_id: str, start: date, end: date, touches: int) -> int:
    """Someone nobody has touched since `end` was touched three times in the window exactly
    when their third latest touch is in it: one range on ix_people_team_touches.

    People in a merge count together as whom they were merged into: each one's touches in the
    window, up to three, are those of their latest three that fall in it, so only the groups
    with someone merged touched in the window are added up. The few people touched since
    `end` (the window usually ends today) are counted from their entries.
    """
    window = {"team_id": team_id, "start": start, "end": end}
    later = {person for person in session.scalars(_TOUCHED_AFTER, window) if person is not None}
    root_of: dict[int, int] = {}
    latest_of: dict[int, tuple[date | None, ...]] = {}
    for person_id, into, *latest in plain_rows(session, _MERGED_SINCE, window):
        if into is not None:
            root_of[person_id] = into
            latest_of[person_id] = tuple(latest)
    roots = sorted(set(root_of.values()))
    for offset in range(0, len(roots), _CHUNK):
        rows = plain_rows(
            session,
            select(Person.id, *_KEPT_DATES).where(Person.id.in_(roots[offset : offset + _CHUNK])),
        )
        for person_id, *latest in rows:
            latest_of[person_id] = tuple(latest)
    in_window = {
        person_id: sum(1 for day in latest if day is not None and day >= start)
        for person_id, latest in latest_of.items()
        if person_id not in later
    }
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
        for person_id, n in rows:
            if person_id is not None:
                in_window[person_id] = int(n)
    added_up = set(roots)
    alone = [
        person for person in session.scalars(_KEPT_IN_WINDOW, window) if person not in added_up
    ]
    by_root: Counter[int] = Counter()
    for person_id, n in in_window.items():
        by_root[root_of.get(person_id, person_id)] += n
    return len(alone) + sum(1 for n in by_root.values() if n >= touches)


def first_time_people(session: Session, *, team_id: str, start: date, end: date) -> int:
    """People the team touched from `start` to `end` and never before `start`.

    Those whose first day (`people.first_date`, kept as entries change) falls in the window:
    one range on ix_people_team_first. A merged person's first day is the earliest of their
    group, so the groups of those found are read once more.
    """
    found = plain_rows(
        session,
        select(Person.id, Person.merged_into).where(
            Person.team_id == team_id, Person.first_date.between(start, end)
        ),
    ).all()
    roots = sorted({root if root is not None else person for person, root in found})
    earliest: dict[int, date] = {}
    for offset in range(0, len(roots), _CHUNK):
        chunk = roots[offset : offset + _CHUNK]
        # Each group: the root itself (by its key: they are this team's, found above) and
        # whoever was merged into it (ix_people_team_merged). Two lookups, where one OR, or
        # the team in the first, has SQLite read every person of the team.
        group: CompoundSelect[tuple[int | None, date | None]] = union_all(
            select(Person.id, Person.first_date).where(Person.id.in_(chunk)),
            select(Person.merged_into, Person.first_date).where(
                Person.team_id == team_id, Person.merged_into.in_(chunk)
            ),
        )
        for root, first in plain_rows(session, select(group.subquery())):
            if root is not None and first is not None:
                earliest[root] = min(first, earliest.get(root, first))
    return sum(1 for first in earliest.values() if start <= first <= end)


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
