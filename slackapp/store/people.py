"""People of a team: found or created as entries name them, read for pages and hints, merged.

Every query here starts from an index: people by (team, platform, handle) or (team, handle),
merged people by (team, merged_into), and entries by (team, person, created_at).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    String,
    bindparam,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from slackapp.domain.people import (
    Known,
    Merge,
    PersonKey,
    PersonPage,
    RecentPerson,
    TeammateTouch,
    Touch,
    person_key,
)
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, Platform, Principle
from slackapp.store.db import plain_rows
from slackapp.store.models import Connection, Person
from slackapp.store.named_dates import refresh_groups
from slackapp.store.tallies import hold_team

#: How many people the "same person as…" menu offers (Slack allows 100 options).
CANDIDATES = 50
_PLATFORMS = {p.value: p for p in Platform}


def _known(row: Person) -> Known:
    return Known(id=row.id, key=PersonKey(row.platform, row.handle_key, row.display))


def resolve_person(
    session: Session, *, team_id: str, who: str | None, platform: Platform | None, now: datetime
) -> int | None:
    """The id of the person `who` names on `platform`, created on first mention."""
    key = person_key(who, platform)
    if key is None:
        return None
    found = _id_by_key(session, team_id=team_id, key=key)
    if found is not None:
        return found
    row = Person(
        team_id=team_id,
        platform=key.platform,
        handle_key=key.handle,
        display=key.display,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Another request named them first.
        found = _id_by_key(session, team_id=team_id, key=key)
        assert found is not None
        return found
    return row.id


#: The person a key names (ix of people's unique key): prebuilt, as it runs on every log.
_KEYED = (
    Person.team_id == bindparam("team_id"),
    Person.platform == bindparam("platform"),
    Person.handle_key == bindparam("handle"),
)
_ID_BY_KEY = select(Person.id).where(*_KEYED)


def _id_by_key(session: Session, *, team_id: str, key: PersonKey) -> int | None:
    parameters = {"team_id": team_id, "platform": key.platform, "handle": key.handle}
    return plain_rows(session, _ID_BY_KEY, parameters).scalar()


def _root(session: Session, *, team_id: str, person_id: int, fresh: bool = False) -> Person | None:
    """Whom the person is as the team knows them (`fresh`: read again, whatever this session
    loaded before)."""
    row = session.get(Person, person_id, populate_existing=fresh)
    if row is None or row.team_id != team_id:
        return None
    if row.merged_into is not None:
        return session.get(Person, row.merged_into, populate_existing=fresh)
    return row


def _members(session: Session, *, team_id: str, root_id: int) -> list[Person]:
    """Everyone merged into `root_id`, oldest first."""
    return list(
        session.scalars(
            select(Person)
            .where(Person.team_id == team_id, Person.merged_into == root_id)
            .order_by(Person.id)
        )
    )


def _group(session: Session, *, team_id: str, person_id: int) -> list[int]:
    root = _root(session, team_id=team_id, person_id=person_id)
    if root is None:
        return []
    return [root.id, *(p.id for p in _members(session, team_id=team_id, root_id=root.id))]


def _group_by_key() -> Select[int, int | None]:
    root = select(func.coalesce(Person.merged_into, Person.id)).where(*_KEYED).scalar_subquery()
    return (
        select(Person.id, Person.merged_into)
        .where(
            Person.team_id == bindparam("team_id"),
            or_(Person.id == root, Person.merged_into == root),
        )
        .order_by(Person.id)
    )


_GROUP_BY_KEY = _group_by_key()


def known_group(
    session: Session, *, team_id: str, who: str | None, platform: Platform | None
) -> list[int]:
    """The ids of the person `who` names (as whom they were merged into) and everyone merged
    into them, root first; empty if nobody logged them before. One indexed query: it runs on
    every /connect, before the save.
    """
    key = person_key(who.replace("\x00", "") if who else who, platform)
    if key is None:
        return []
    parameters = {"team_id": team_id, "platform": key.platform, "handle": key.handle}
    rows = plain_rows(session, _GROUP_BY_KEY, parameters).all()
    # The root first, then the people merged into it, oldest first (as _group lists them).
    return [row.id for row in rows if row.merged_into is None] + [
        row.id for row in rows if row.merged_into is not None
    ]


def teammate_touch(
    session: Session, *, team_id: str, person_id: int, user_id: str, since: datetime
) -> TeammateTouch | None:
    """Another member's latest touch of this person (or anyone merged with them) since `since`."""
    return group_touch(
        session,
        team_id=team_id,
        group=_group(session, team_id=team_id, person_id=person_id),
        user_id=user_id,
        since=since,
    )


def group_touch(
    session: Session, *, team_id: str, group: Sequence[int], user_id: str, since: datetime
) -> TeammateTouch | None:
    """Another member's latest touch of anyone in `group` (a person and those merged into
    them, as `known_group` lists them) since `since`."""
    if not group:
        return None
    # One person (the usual case) reads newest first straight from the index and stops at the
    # first teammate's entry; a merged group is sorted, however often they were logged.
    parameters: dict[str, object] = {"team_id": team_id, "since": since, "user_id": user_id}
    if len(group) == 1:
        query, parameters["person_id"] = _TOUCH_OF_ONE, group[0]
    else:
        query = _touch_query(Connection.person_id.in_(group))
    row = plain_rows(session, query, parameters).first()
    if row is None:
        return None
    other, principle, day, platform, handle, display = row
    return TeammateTouch(
        user_id=other,
        person=PersonKey(platform, handle, display),
        principle=Principle(principle),
        local_date=day,
    )


def _touch_query(same_person: ColumnElement[bool]) -> Select[str, str, date, str, str, str]:
    """Another member's latest entry naming someone in a group, with whom it names."""
    return (
        select(
            Connection.user_id,
            Connection.principle,
            Connection.local_date,
            Person.platform,
            Person.handle_key,
            Person.display,
        )
        .join(Person, Person.id == Connection.person_id)
        .where(
            Connection.team_id == bindparam("team_id"),
            same_person,
            Connection.created_at >= bindparam("since"),
            Connection.user_id != bindparam("user_id"),
        )
        .order_by(Connection.created_at.desc(), Connection.id.desc())
        .limit(1)
    )


_TOUCH_OF_ONE = _touch_query(Connection.person_id == bindparam("person_id"))


def find_people(
    session: Session, *, team_id: str, key: PersonKey, any_platform: bool
) -> list[Known]:
    """The people (merged ones as whom they were merged into) a looked-up key may mean."""
    query = select(Person).where(Person.team_id == team_id, Person.handle_key == key.handle)
    if not any_platform:
        query = query.where(Person.platform == key.platform)
    roots: dict[int, Known] = {}
    for row in session.scalars(query.order_by(Person.id)):
        root = _root(session, team_id=team_id, person_id=row.id)
        if root is not None:
            roots.setdefault(root.id, _known(root))
    return list(roots.values())


def last_touched(session: Session, *, team_id: str, person_id: int) -> datetime | None:
    """When anyone on the team last touched this person (or anyone merged with them)."""
    group = _group(session, team_id=team_id, person_id=person_id)
    return session.scalar(
        select(func.max(Connection.created_at)).where(
            Connection.team_id == team_id, Connection.person_id.in_(group)
        )
    )


def _touch(row: Connection) -> Touch:
    return Touch(
        connection_id=row.id,
        user_id=row.user_id,
        principle=Principle(row.principle),
        platform=_PLATFORMS.get(row.platform) if row.platform else None,
        who=row.who,
        note=row.note,
        link=row.link,
        local_date=row.local_date,
    )


def person_page(session: Session, *, team_id: str, person_id: int, limit: int) -> PersonPage | None:
    """The person's page: latest touches, totals, first and last, principles, merge candidates."""
    root = _root(session, team_id=team_id, person_id=person_id)
    if root is None:
        return None
    aliases = _members(session, team_id=team_id, root_id=root.id)
    group = [root.id, *(p.id for p in aliases)]
    mine = (Connection.team_id == team_id, Connection.person_id.in_(group))
    touches = session.scalars(
        select(Connection)
        .where(*mine)
        .order_by(Connection.created_at.desc(), Connection.id.desc())
        .limit(limit)
    )
    total, first, last = session.execute(
        select(func.count(), func.min(Connection.local_date), func.max(Connection.local_date))
        .select_from(Connection)
        .where(*mine)
    ).one()
    if not total:
        return None
    counts = dict(
        session.execute(
            select(Connection.principle, func.count()).where(*mine).group_by(Connection.principle)
        ).all()
    )
    return PersonPage(
        person=_known(root),
        aliases=tuple(_known(p) for p in aliases),
        touches=tuple(_touch(row) for row in touches),
        total=int(total),
        first_touch=first,
        last_touch=last,
        principles=tuple((p, int(counts[p.value])) for p in PRINCIPLE_ORDER if counts.get(p.value)),
        candidates=tuple(_candidates(session, team_id=team_id, root=root, group=group)),
    )


def _candidates(
    session: Session, *, team_id: str, root: Person, group: Sequence[int]
) -> list[Known]:
    """Other people this one may be: the same handle elsewhere first, then the newest people."""
    same = session.scalars(
        select(Person)
        .where(Person.team_id == team_id, Person.handle_key == root.handle_key)
        .order_by(Person.id)
        .limit(CANDIDATES)
    )
    newest = session.scalars(
        select(Person)
        .where(Person.team_id == team_id, Person.merged_into.is_(None))
        .order_by(Person.id.desc())
        .limit(CANDIDATES + len(group))
    )
    found: dict[int, Known] = {}
    for row in [*same, *newest]:
        if row.id in group or row.merged_into is not None or row.id in found:
            continue
        found[row.id] = _known(row)
    return list(found.values())[:CANDIDATES]


def merge_people(session: Session, *, team_id: str, source_id: int, target_id: int) -> Merge | None:
    """Record that `source` (and everyone merged into it) is the same person as `target`."""
    # The team's entries under way finish first and new ones wait (as for a settings change):
    # an entry updates its person's row and then its group's root, and a merge takes roots
    # and the people merged into them in another order, so the two must not meet. Merges of
    # one team take turns too, and each sees whom the others merged.
    hold_team(session, team_id=team_id)
    source = _root(session, team_id=team_id, person_id=source_id, fresh=True)
    target = _root(session, team_id=team_id, person_id=target_id, fresh=True)
    if source is None or target is None or source.id == target.id:
        return None
    moved = [source.id, *(p.id for p in _members(session, team_id=team_id, root_id=source.id))]
    session.execute(
        update(Person)
        .where(Person.team_id == team_id, Person.id.in_(moved))
        .values(merged_into=target.id)
    )
    # The moved people's dates now count in the target's group.
    refresh_groups(session, team_id=team_id, person_ids=[*moved, target.id])
    return Merge(source=_known(source), target=_known(target), moved=tuple(moved))


def unmerge_people(
    session: Session, *, team_id: str, source_id: int, moved: Sequence[int]
) -> Known | None:
    """Undo a merge: `source` stands alone again, with the people that moved along with it."""
    hold_team(session, team_id=team_id)  # as merge_people does
    source = session.get(Person, source_id, populate_existing=True)
    if source is None or source.team_id != team_id or source.merged_into is None:
        return None
    target = source.merged_into
    others = [person for person in moved if person != source_id]
    session.execute(
        update(Person)
        .where(Person.team_id == team_id, Person.id == source_id)
        .values(merged_into=None)
    )
    if others:
        session.execute(
            update(Person)
            .where(
                Person.team_id == team_id,
                Person.id.in_(others),
                Person.merged_into == target,
            )
            .values(merged_into=source_id)
        )
    # Two groups again: the source's (with whoever moved along with it) and the target's.
    refresh_groups(session, team_id=team_id, person_ids=[source_id, *others, target])
    session.refresh(source)
    return _known(source)


def _recent_people_query() -> Select[date, int, str, str, str]:
    """The entries that name someone (from their own index, newest first), each with the person
    it names or, for a merged person, the one it was merged into. Built once: this runs for
    every App Home, and building it cost more than running it."""
    named = aliased(Person)
    root = aliased(Person)
    team_id: BindParameter[str] = bindparam("team_id", type_=String())
    return (
        select(
            Connection.local_date,
            func.coalesce(root.id, named.id),
            func.coalesce(root.platform, named.platform),
            func.coalesce(root.handle_key, named.handle_key),
            func.coalesce(root.display, named.display),
        )
        .join(named, (named.id == Connection.person_id) & (named.team_id == team_id))
        .outerjoin(root, root.id == named.merged_into)
        .where(
            Connection.team_id == team_id,
            Connection.user_id == bindparam("user_id"),
            Connection.person_id.is_not(None),
            # A person merged into someone no longer there names nobody.
            or_(named.merged_into.is_(None), root.id.is_not(None)),
        )
        .order_by(Connection.created_at.desc(), Connection.id.desc())
        .limit(bindparam("scan"))
    )


_RECENT_PEOPLE = _recent_people_query()


def recent_people(
    session: Session, *, team_id: str, user_id: str, limit: int, scan: int = 100
) -> list[RecentPerson]:
    """The people the member touched most recently (their last `scan` entries), newest first."""
    parameters = {"team_id": team_id, "user_id": user_id, "scan": scan}
    rows = plain_rows(session, _RECENT_PEOPLE, parameters).all()
    found: dict[int, tuple[Known, date, int]] = {}
    for day, person_id, platform, handle, display in rows:
        if person_id in found:
            known, last, count = found[person_id]
            found[person_id] = (known, last, count + 1)
        elif len(found) < limit:
            known = Known(id=person_id, key=PersonKey(platform, handle, display))
            found[person_id] = (known, day, 1)
    return [
        RecentPerson(person=known, last_touch=last, touches=count)
        for known, last, count in found.values()
    ]
