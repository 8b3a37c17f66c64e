"""The dates each person keeps of the entries naming them, and of their merged group.

Every person row keeps its earliest day and its latest three (`first_date`, `touch_1..3`:
newest first, two entries on one day give that day twice). A row that no one is merged into
and that is merged into no one, or the root of a merge, also keeps the same four dates for the
person as the team knows them (`group_first`, `group_touch_1..3`): its own and those of every
row merged into it. A row merged into another keeps none (its dates count in its root's).

So the digest's two people lines are each one range on an index, whatever the merges:
people new to the team in a week (`group_first` in it), and people touched three times in a
window nobody has logged past (`group_touch_3` on or after its start).

An entry saved adds its day to its person's dates and to their group's (`note_named`); an entry
deleted or moved, a merge and its undo work the dates out again from the entries and the rows
(`refresh_named_dates`, `refresh_groups`); `rebuild_named_dates` does it for a whole team and
`named_date_mismatches` checks them all against the entries.

On PostgreSQL, rows are locked in one order: the people merged into someone, then the roots,
each by id. An entry updates its person and then their root; working dates out again after an
entry went or moved locks the people merged into someone, then the roots, before it reads. A
group worked out again from rows that an entry under way has updated but not committed misses
that entry's day, which the entry then adds to the root (it waits for the root's lock). A merge
and its undo take the team's row alone first (store.people), so no entry of the team is under
way while they change who is merged into whom, and they take turns with each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Date,
    ScalarSelect,
    Table,
    Update,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from slackapp.store.db import unindexed
from slackapp.store.models import GROUP_TOUCH_COLUMNS, KEPT_TOUCH_COLUMNS, Connection, Person

__all__ = [
    "named_date_mismatches",
    "note_named",
    "rebuild_named_dates",
    "refresh_groups",
    "refresh_named_dates",
]

_PEOPLE_TABLE = cast(Table, Person.__table__)
_PEOPLE = _PEOPLE_TABLE.c
#: The dates a person row keeps of the entries naming it: the earliest, then the latest three.
_NAMED_DATES = ("first_date", *KEPT_TOUCH_COLUMNS)
#: The same dates of the person as the team knows them, kept on the root of a merge.
_GROUP_DATES = ("group_first", *GROUP_TOUCH_COLUMNS)
#: People per statement when their dates are worked out again.
_CHUNK = 500


def _noted(columns: Sequence[str], day: ColumnElement[date]) -> dict[Any, ColumnElement[Any]]:
    """SET values that put `day` in its place among the four dates `columns` (earliest, then
    the latest three). SET reads the row as it was, in SQLite and PostgreSQL alike; an empty
    date is before any other."""
    first, newest, second, third = (_PEOPLE[name] for name in columns)
    tops = or_(newest.is_(None), day >= newest)
    seconds = or_(second.is_(None), day >= second)
    return {
        first: case((or_(first.is_(None), day < first), day), else_=first),
        newest: case((tops, day), else_=newest),
        second: case((tops, newest), (seconds, day), else_=second),
        third: case(
            (or_(tops, seconds), second),
            (or_(third.is_(None), day > third), day),
            else_=third,
        ),
    }


def _note_named_statement() -> Update:
    """One entry more on `b_day`: the day goes among the person's own dates and, unless they
    are merged into someone, among their group's. Returns whom they are merged into."""
    day = bindparam("b_day", type_=Date())
    alone = _PEOPLE.merged_into.is_(None)
    group = {
        column: case((alone, value), else_=column)
        for column, value in _noted(_GROUP_DATES, day).items()
    }
    return (
        update(_PEOPLE_TABLE)
        # The team as well as the id: a write that names its team raises only that team's
        # revision (store.revisions).
        .where(_PEOPLE.id == bindparam("b_person"), _PEOPLE.team_id == bindparam("b_team"))
        .values({**_noted(_NAMED_DATES, day), **group})
        .returning(_PEOPLE.merged_into)
    )


#: Run inside every entry's write (so inside SQLite's one-writer turn): built once, run as Core
#: on the session's connection, without the ORM's statement work.
_NOTE_NAMED = _note_named_statement()
#: The same day among the group's dates of the root a person is merged into.
_NOTE_ROOT = (
    update(_PEOPLE_TABLE)
    .where(
        _PEOPLE.id == bindparam("b_root"),
        _PEOPLE.team_id == bindparam("b_team"),
        _PEOPLE.merged_into.is_(None),
    )
    .values(_noted(_GROUP_DATES, bindparam("b_day", type_=Date())))
)


def _expire(session: Session, person_ids: Iterable[int], columns: Sequence[str]) -> None:
    """What this session loaded of these people is out of date now."""
    for person_id in person_ids:
        person = session.identity_map.get(identity_key(Person, person_id))
        if person is not None:
            session.expire(person, list(columns))


def note_named(session: Session, *, team_id: str, person_id: int, day: date) -> None:
    """An entry naming the person on `day` was saved: it may be their first day (or their
    group's), and it is among their latest three (and their group's) unless three are later."""
    # Always the UPDATE, never what this session loaded earlier: on PostgreSQL it waits for
    # another writer of the person's row and then works on the newest version of it.
    connection = session.connection()
    root = connection.execute(
        _NOTE_NAMED, {"b_person": person_id, "b_team": team_id, "b_day": day}
    ).scalar()
    if root is not None:
        connection.execute(_NOTE_ROOT, {"b_root": root, "b_team": team_id, "b_day": day})
        _expire(session, [root], _GROUP_DATES)
    _expire(session, [person_id], (*_NAMED_DATES, *_GROUP_DATES))


def _earliest_named() -> ScalarSelect[date]:
    # The date kept off the index: else SQLite answers min() by walking the team's days in
    # order until one names the person, instead of looking at the person's few entries.
    return (
        select(func.min(unindexed(Connection.local_date)))
        .where(Connection.team_id == Person.team_id, Connection.person_id == Person.id)
        .scalar_subquery()
    )


def _latest_named(place: int) -> ScalarSelect[date]:
    """The date of the person's `place`-th latest entry (0: the latest), from their entries."""
    # Ordered off the index for the same reason as _earliest_named.
    return (
        select(Connection.local_date)
        .where(Connection.team_id == Person.team_id, Connection.person_id == Person.id)
        .order_by(unindexed(Connection.local_date).desc())
        .limit(1)
        .offset(place)
        .scalar_subquery()
    )


def _named_dates() -> dict[str, ScalarSelect[date]]:
    """Every kept date of a person, worked out from their entries (for UPDATE ... SET)."""
    return {
        "first_date": _earliest_named(),
        **{column: _latest_named(n) for n, column in enumerate(KEPT_TOUCH_COLUMNS)},
    }


def refresh_named_dates(
    session: Session, *, team_id: str, person_ids: Iterable[int | None]
) -> None:
    """Work these people's dates out again from their entries, after entries naming them went
    or moved (a look at ix_connections_person_recent each), and then their groups'.

    The caller holds the team's row, shared at least (as every change of an entry does), so no
    merge changes who is merged into whom meanwhile."""
    wanted = sorted({person for person in person_ids if person is not None})
    if not wanted:
        return
    session.flush()
    root_of = _roots_of(session, team_id=team_id, person_ids=wanted)
    roots = sorted(set(root_of.values()))
    # The rows first (PostgreSQL; SQLite has one writer anyway): an UPDATE that waited for
    # another writer's lock would check the row again but not its subqueries, and so miss the
    # entries that writer committed (an entry logged during an undo kept the undone day as the
    # person's latest). The UPDATE after the wait reads them all. In the order every entry
    # takes them (its person, then their root): the people merged into someone, then the
    # roots, each by id; an edit naming a root's merged handle instead of the root would
    # otherwise take the root first, and meet an entry holding the handle and waiting for it.
    _lock(session, team_id=team_id, person_ids=[p for p in wanted if root_of.get(p, p) != p])
    _lock(session, team_id=team_id, person_ids=roots)
    for offset in range(0, len(wanted), _CHUNK):
        session.execute(
            update(Person)
            .where(Person.team_id == team_id, Person.id.in_(wanted[offset : offset + _CHUNK]))
            .values(_named_dates())
            .execution_options(synchronize_session=False)
        )
    _expire(session, wanted, _NAMED_DATES)
    _set_groups(session, team_id=team_id, roots=roots, merged=[])


def _roots_of(session: Session, *, team_id: str, person_ids: Sequence[int]) -> dict[int, int]:
    """Whom each of these people is merged into, or themselves (the roots of their groups)."""
    found: dict[int, int] = {}
    for offset in range(0, len(person_ids), _CHUNK):
        rows = session.execute(
            select(Person.id, Person.merged_into).where(
                Person.team_id == team_id, Person.id.in_(person_ids[offset : offset + _CHUNK])
            )
        )
        found.update((person_id, into or person_id) for person_id, into in rows)
    return found


def _lock(session: Session, *, team_id: str, person_ids: Sequence[int]) -> None:
    """Hold these people's rows to the end of the transaction, taken in id order.

    FOR NO KEY UPDATE, as an UPDATE of their dates takes: FOR UPDATE would also wait for an
    entry that merely names one of them (its foreign key holds the row KEY SHARE) while that
    entry waits to update the same row, held here: a deadlock."""
    ordered = sorted(person_ids)
    for offset in range(0, len(ordered), _CHUNK):
        session.connection().execute(
            select(_PEOPLE.id)
            .where(_PEOPLE.team_id == team_id, _PEOPLE.id.in_(ordered[offset : offset + _CHUNK]))
            .order_by(_PEOPLE.id)
            .with_for_update(key_share=True)
        )


def refresh_groups(session: Session, *, team_id: str, person_ids: Iterable[int]) -> None:
    """Work out again the group dates of these people's groups, after who is merged into whom
    changed: kept on each group's root, none on the others. The caller holds the team's row
    alone (store.people), so no entry of the team is under way."""
    wanted = sorted(set(person_ids))
    if not wanted:
        return
    session.flush()
    root_of = _roots_of(session, team_id=team_id, person_ids=wanted)
    merged = [person for person, root in root_of.items() if root != person]
    _set_groups(session, team_id=team_id, roots=sorted(set(root_of.values())), merged=merged)


_SET_GROUP = (
    update(_PEOPLE_TABLE)
    .where(_PEOPLE.id == bindparam("b_id"), _PEOPLE.team_id == bindparam("b_team"))
    .values({name: bindparam(f"b_{name}", type_=Date()) for name in _GROUP_DATES})
)


def _set_groups(
    session: Session, *, team_id: str, roots: Sequence[int], merged: Sequence[int]
) -> None:
    """The group dates of `roots` from their rows and their merged rows; none on `merged`."""
    connection = session.connection()
    cleared = [
        {"b_id": person_id, "b_team": team_id, **{f"b_{name}": None for name in _GROUP_DATES}}
        for person_id in merged
    ]
    values: list[dict[str, Any]] = []
    for offset in range(0, len(roots), _CHUNK):
        chunk = list(roots[offset : offset + _CHUNK])
        # The roots first: an entry under way in one of these groups either committed its
        # day before (and it is read below) or adds it after (see the module).
        _lock(session, team_id=team_id, person_ids=chunk)
        rows = connection.execute(
            select(_PEOPLE.id, _PEOPLE.merged_into, *(_PEOPLE[name] for name in _NAMED_DATES))
            .where(
                _PEOPLE.team_id == team_id,
                or_(_PEOPLE.id.in_(chunk), _PEOPLE.merged_into.in_(chunk)),
            )
            .order_by(_PEOPLE.id)
        ).all()
        groups = _groups(rows)
        for root in chunk:
            if root in groups:
                dates = groups[root]
                values.append(
                    {
                        "b_id": root,
                        "b_team": team_id,
                        **{f"b_{name}": d for name, d in zip(_GROUP_DATES, dates, strict=True)},
                    }
                )
    if cleared or values:
        connection.execute(_SET_GROUP, [*cleared, *values])
    _expire(session, [*roots, *merged], _GROUP_DATES)


def _groups(rows: Iterable[Sequence[Any]]) -> dict[int, tuple[date | None, ...]]:
    """Each root's group dates from (id, merged_into, first, touch 1..3) rows of the roots and
    the rows merged into them: the earliest first day, the latest three touches of them all."""
    firsts: dict[int, list[date]] = {}
    touches: dict[int, list[date]] = {}
    for person_id, into, first, *latest in rows:
        root = person_id if into is None else into
        firsts.setdefault(root, [])
        touches.setdefault(root, [])
        if first is not None:
            firsts[root].append(first)
        touches[root].extend(day for day in latest if day is not None)
    found: dict[int, tuple[date | None, ...]] = {}
    for root, days in firsts.items():
        newest = sorted(touches[root], reverse=True)[: len(GROUP_TOUCH_COLUMNS)]
        padded = newest + [None] * (len(GROUP_TOUCH_COLUMNS) - len(newest))
        found[root] = (min(days) if days else None, *padded)
    return found


def rebuild_named_dates(session: Session, *, team_id: str | None = None) -> None:
    """Work every person's dates, and every group's, out again from the entries (all teams, or
    one): for the migrations and bulk loads that bypass the app."""
    people = update(Person).values(_named_dates())
    own = update(Person).values({group: _PEOPLE[name] for group, name in _pairs()})
    if team_id is not None:
        people = people.where(Person.team_id == team_id)
        own = own.where(Person.team_id == team_id)
    session.execute(people.execution_options(synchronize_session=False))
    # Everyone's own dates as their group's (correct for all but roots of merges and those
    # merged), then the merges' groups from their rows.
    session.execute(own.execution_options(synchronize_session=False))
    merges = select(Person.team_id, Person.id, Person.merged_into).where(
        Person.merged_into.is_not(None)
    )
    if team_id is not None:
        merges = merges.where(Person.team_id == team_id)
    by_team: dict[str, tuple[set[int], list[int]]] = {}
    for team, person_id, into in session.execute(merges):
        if into is not None:
            roots, merged = by_team.setdefault(team, (set(), []))
            roots.add(into)
            merged.append(person_id)
    for team, (roots, merged) in sorted(by_team.items()):
        _set_groups(session, team_id=team, roots=sorted(roots), merged=merged)
    session.expire_all()


def _pairs() -> list[tuple[str, str]]:
    return list(zip(_GROUP_DATES, _NAMED_DATES, strict=True))


def named_date_mismatches(session: Session) -> list[str]:
    """People whose kept dates, or their groups', are not those of the entries naming them."""
    found: list[str] = []
    for column, expected in _named_dates().items():
        kept = getattr(Person, column)
        wrong = session.execute(
            select(Person.id, kept, expected).where(_differs(kept, expected)).limit(5)
        ).all()
        if wrong:
            found.append(f"{column} of people differs at {[tuple(row) for row in wrong]}")
    rows = session.execute(
        select(
            Person.team_id,
            Person.id,
            Person.merged_into,
            *(getattr(Person, name) for name in (*_NAMED_DATES, *_GROUP_DATES)),
        ).order_by(Person.team_id, Person.id)
    ).all()
    by_team: dict[str, list[Sequence[Any]]] = {}
    for row in rows:
        by_team.setdefault(row[0], []).append(row[1:])
    wrong_groups: list[tuple[Any, ...]] = []
    for team_rows in by_team.values():
        groups = _groups([row[:6] for row in team_rows])
        for person_id, into, *dates in team_rows:
            kept_group = tuple(dates[len(_NAMED_DATES) :])
            want = groups.get(person_id) if into is None else None
            want = want if want is not None else (None,) * len(_GROUP_DATES)
            if kept_group != want:
                wrong_groups.append((person_id, kept_group, want))
    if wrong_groups:
        found.append(f"group dates of people differ at {wrong_groups[:5]}")
    return found


def _differs(kept: Any, expected: Any) -> ColumnElement[bool]:
    return or_(
        and_(kept.is_(None), expected.is_not(None)),
        and_(kept.is_not(None), expected.is_(None)),
        kept != expected,
    )
