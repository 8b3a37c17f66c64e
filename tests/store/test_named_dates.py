"""The dates kept on people and on their merged groups, against the entries they come from."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.domain.entries import Draft
from slackapp.domain.people import Merge
from slackapp.domain.vocabulary import Platform, Principle
from slackapp.store.connections import delete_connection, update_connection
from slackapp.store.db import Database
from slackapp.store.digests import digest_counts_of
from slackapp.store.models import Connection, Person
from slackapp.store.named_dates import named_date_mismatches, rebuild_named_dates
from slackapp.store.people import merge_people, resolve_person, unmerge_people
from slackapp.store.rights import forget_member
from tests.support.databases import patient_gates, waiting_for_a_lock
from tests.support.factories import add_connection, add_team, name_person

NOW = datetime(2026, 3, 5, 15, tzinfo=UTC)
FIRST = date(2026, 2, 1)
USERS = ("U1", "U2", "U3")


def _day(n: int) -> date:
    return FIRST + timedelta(days=n)


def _touch(session: Session, rng: random.Random, *, people: int = 12) -> None:
    who = f"@p{rng.randrange(people)}"
    platform = rng.choice([Platform.TWITTER, Platform.LINKEDIN])
    entry = add_connection(
        session,
        user_id=rng.choice(USERS),
        who=who,
        platform=platform,
        local_date=FIRST + timedelta(days=rng.randrange(40)),
    )
    person = resolve_person(session, team_id="T1", who=who, platform=platform, now=NOW)
    name_person(session, entry, person)


def _group_dates(session: Session) -> dict[int, tuple[date | None, ...]]:
    """Every person's kept group dates: first day, then the latest three."""
    columns = (Person.group_first, Person.group_touch_1, Person.group_touch_2, Person.group_touch_3)
    return {person: tuple(dates) for person, *dates in session.execute(select(Person.id, *columns))}


def _roots(session: Session) -> dict[int, int]:
    rows = session.execute(select(Person.id, Person.merged_into).where(Person.team_id == "T1"))
    return {person: root or person for person, root in rows}


def _expected(
    session: Session, *, first_start: date, deepened_start: date, end: date
) -> tuple[int, int]:
    """The two lines counted from every entry, one by one."""
    roots = _roots(session)
    entries = [
        (roots[person], day)
        for person, day in session.execute(
            select(Connection.person_id, Connection.local_date).where(
                Connection.team_id == "T1", Connection.person_id.is_not(None)
            )
        )
        if person is not None
    ]
    earliest: dict[int, date] = {}
    for root, day in entries:
        earliest[root] = min(day, earliest.get(root, day))
    new = sum(1 for day in earliest.values() if first_start <= day <= end)
    touches = Counter(root for root, day in entries if deepened_start <= day <= end)
    return new, sum(1 for n in touches.values() if n >= 3)


def _change(session: Session, rng: random.Random) -> str:
    """One change of the kinds that move people's dates: an entry logged, deleted or edited
    (another person, another day), a merge or its undo, a member's data deleted."""
    kind = rng.choice(["log", "log", "delete", "edit", "merge", "merge", "unmerge", "forget"])
    entries = session.execute(
        select(Connection.id, Connection.user_id).where(Connection.team_id == "T1")
    ).all()
    if kind == "log" or not entries:
        _touch(session, rng)
        return "log"
    if kind == "delete":
        entry_id, user_id = rng.choice(entries)
        delete_connection(session, team_id="T1", user_id=user_id, connection_id=entry_id)
    elif kind == "edit":
        entry_id, user_id = rng.choice(entries)
        draft = Draft(
            principle=Principle.CARE,
            local_date=FIRST + timedelta(days=rng.randrange(40)),
            platform=Platform.TWITTER,
            who=f"@p{rng.randrange(14)}",
        )
        update_connection(
            session, team_id="T1", user_id=user_id, connection_id=entry_id, draft=draft, now=NOW
        )
    elif kind in ("merge", "unmerge"):
        roots = _roots(session)
        if kind == "unmerge":
            merged = sorted(person for person, root in roots.items() if root != person)
            if merged:
                source = rng.choice(merged)
                unmerge_people(session, team_id="T1", source_id=source, moved=[source])
                return kind
        source, target = rng.sample(sorted(roots), 2)
        if roots[source] != roots[target]:
            merge_people(session, team_id="T1", source_id=roots[source], target_id=target)
    elif kind == "forget":
        forget_member(session, team_id="T1", user_id=rng.choice(USERS))
    return kind


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_every_change_keeps_the_dates_and_the_digest_lines_true(db: Database, seed: int) -> None:
    rng = random.Random(seed)
    with db.session_scope() as session:
        add_team(session)
        for _ in range(60):
            _touch(session, rng)
    kinds: Counter[str] = Counter()
    for _ in range(40):
        with db.session_scope() as session:
            kinds[_change(session, rng)] += 1
            assert named_date_mismatches(session) == []
        with db.read_scope() as session:
            # Windows that end before, inside and after the entries: some with people touched
            # after them (counted from their entries), some with none (from the groups' dates).
            for offset in (-3, 5, 20, 33, 39, 45):
                end = FIRST + timedelta(days=offset)
                first_start, deepened_start = end - timedelta(days=6), end - timedelta(days=29)
                counts = digest_counts_of(
                    session,
                    team_ids=["T1", "T2"],
                    start=first_start,
                    end=end,
                    deepened_start=deepened_start,
                )
                lines = {
                    team_id: (team.first_time_people, team.relationships_deepened)
                    for team_id, team in counts.items()
                }
                assert lines["T1"] == _expected(
                    session, first_start=first_start, deepened_start=deepened_start, end=end
                ), (offset, kinds)
                assert lines["T2"] == (0, 0)
    # Every kind of change came up (the seeds are fixed: this guards the test itself).
    assert {"log", "delete", "edit", "merge"} <= set(kinds), kinds


def test_a_group_keeps_the_dates_of_all_its_people(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        ids = {}
        for who, day in (("@a", 3), ("@a", 9), ("@b", 1), ("@b", 12), ("@c", 7), ("@c", 7)):
            entry = add_connection(session, who=who, local_date=FIRST + timedelta(days=day))
            person = resolve_person(session, team_id="T1", who=who, platform=None, now=NOW)
            name_person(session, entry, person)
            assert person is not None
            ids[who] = person
        merge_people(session, team_id="T1", source_id=ids["@b"], target_id=ids["@a"])
        merge_people(session, team_id="T1", source_id=ids["@c"], target_id=ids["@a"])
        rows = _group_dates(session)

    # The root keeps the group's earliest day and its latest three (a day twice, twice); the
    # people merged into it keep none.
    assert rows[ids["@a"]] == (_day(1), _day(12), _day(9), _day(7))
    assert rows[ids["@b"]] == rows[ids["@c"]] == (None,) * 4


def test_rebuilding_finds_what_the_changes_kept(db: Database) -> None:
    rng = random.Random(7)
    with db.session_scope() as session:
        add_team(session)
        for _ in range(80):
            _touch(session, rng)
        for _ in range(10):
            _change(session, rng)
    with db.read_scope() as session:
        kept = session.execute(select(Person).order_by(Person.id)).scalars().all()
        before = [
            (p.id, p.group_first, p.group_touch_1, p.group_touch_2, p.group_touch_3) for p in kept
        ]
    with db.session_scope() as session:
        session.execute(
            sa.update(Person)
            .where(Person.team_id == "T1")
            .values(group_first=None, group_touch_1=None)
        )
        assert named_date_mismatches(session) != []
        rebuild_named_dates(session, team_id="T1")
        assert named_date_mismatches(session) == []
        again = session.execute(select(Person).order_by(Person.id)).scalars().all()
        assert [
            (p.id, p.group_first, p.group_touch_1, p.group_touch_2, p.group_touch_3) for p in again
        ] == before


def test_entries_of_one_group_while_it_merges_keep_its_dates(db: Database) -> None:
    # Entries naming people of one group, from several threads, while the group is merged and
    # unmerged: PostgreSQL runs them side by side (an entry updates its person, then the root;
    # a merge works the root out again), and every day ends up where it belongs, no deadlock.
    if db.backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing meets")
    with db.session_scope() as session:
        add_team(session)
        people = []
        for n in range(4):
            entry = add_connection(session, who=f"@g{n}", local_date=FIRST)
            person = resolve_person(session, team_id="T1", who=f"@g{n}", platform=None, now=NOW)
            name_person(session, entry, person)
            assert person is not None
            people.append(person)
    failures: list[BaseException] = []

    def log(n: int) -> None:
        rng = random.Random(n)
        try:
            for _ in range(25):
                with db.session_scope() as session:
                    entry = add_connection(
                        session, local_date=FIRST + timedelta(days=rng.randrange(60))
                    )
                    name_person(session, entry, rng.choice(people))
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    def merge() -> None:
        # Groups grow (a group with people merged into it merged again) and come apart, last
        # merge first.
        rng = random.Random(99)
        done: list[Merge] = []
        try:
            for _ in range(30):
                with db.session_scope() as session:
                    if done and (len(done) == 3 or rng.random() < 0.4):
                        last = done.pop()
                        unmerge_people(
                            session, team_id="T1", source_id=last.moved[0], moved=last.moved
                        )
                    else:
                        source, target = rng.sample(people, 2)
                        merged = merge_people(
                            session, team_id="T1", source_id=source, target_id=target
                        )
                        if merged is not None:
                            done.append(merged)
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    threads = [threading.Thread(target=log, args=(n,)) for n in range(3)]
    threads.append(threading.Thread(target=merge))
    with patient_gates(db):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    with db.read_scope() as session:
        assert named_date_mismatches(session) == []


def test_a_group_worked_out_again_waits_for_an_entry_under_way_in_it(db: Database) -> None:
    # An entry naming someone merged into a root has added its day to the root and not yet
    # committed; deleting an entry naming someone else of the group then works the group out
    # again. It must
    # wait for the entry before it reads the group's people: read before, it would miss the
    # entry's day and then write the root over it.
    if db.backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing meets")
    with db.session_scope() as session:
        add_team(session)
        ids = {}
        for who, day in (("@a", 3), ("@b", 5), ("@c", 1)):
            entry = add_connection(session, who=who, local_date=FIRST + timedelta(days=day))
            person = resolve_person(session, team_id="T1", who=who, platform=None, now=NOW)
            name_person(session, entry, person)
            assert person is not None
            ids[who] = person
        gone = add_connection(session, user_id="U2", local_date=FIRST)
        name_person(session, gone, ids["@c"])
        gone_id = gone.id
        merge_people(session, team_id="T1", source_id=ids["@b"], target_id=ids["@a"])
        merge_people(session, team_id="T1", source_id=ids["@c"], target_id=ids["@a"])
    failures: list[BaseException] = []

    def delete() -> None:
        try:
            with db.session_scope() as session:
                delete_connection(session, team_id="T1", user_id="U2", connection_id=gone_id)
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    thread = threading.Thread(target=delete)
    with patient_gates(db), db.session_scope() as session:
        entry = add_connection(session, local_date=FIRST + timedelta(days=20))
        name_person(session, entry, ids["@b"])  # the root now holds day 20, uncommitted
        thread.start()
        deadline = time.monotonic() + 10
        while not waiting_for_a_lock(db):
            assert time.monotonic() < deadline, "the delete never waited for the entry"
            time.sleep(0.02)
    thread.join(30)
    assert failures == []
    with db.read_scope() as session:
        assert named_date_mismatches(session) == []
        root = session.get(Person, ids["@a"])
        assert root is not None
        assert root.group_touch_1 == FIRST + timedelta(days=20)


def test_the_migration_keeps_every_groups_dates(database_url: str) -> None:
    from slackapp.store.migrate import upgrade

    database = Database(database_url)
    try:
        upgrade(database, revision="0019")
        people = sa.table(
            "people",
            *(sa.column(name) for name in ("id", "team_id", "platform", "handle_key")),
            *(sa.column(name) for name in ("display", "created_at", "merged_into")),
            *(sa.column(name, sa.Date) for name in ("first_date", "touch_1", "touch_2")),
            sa.column("touch_3", sa.Date),
        )

        rows = [
            # id, merged into, first day, latest three
            (1, None, _day(4), _day(20), _day(9), _day(4)),
            (2, 1, _day(1), _day(12), _day(12), _day(1)),  # merged into 1
            (3, 1, None, None, None, None),  # merged into 1, named by no entry
            (4, None, _day(6), _day(6), None, None),  # alone
            (5, None, None, None, None, None),  # named by no entry
        ]
        with database.engine.begin() as connection:
            connection.execute(
                sa.insert(people),
                [
                    {
                        "id": n,
                        "team_id": "T1",
                        "platform": "twitter",
                        "handle_key": f"p{n}",
                        "display": f"@p{n}",
                        "created_at": NOW,
                        "merged_into": into,
                        "first_date": first,
                        "touch_1": t1,
                        "touch_2": t2,
                        "touch_3": t3,
                    }
                    for n, into, first, t1, t2, t3 in rows
                ],
            )
        upgrade(database)
        with database.read_scope() as session:
            kept = _group_dates(session)
    finally:
        database.dispose()
    assert kept == {
        1: (_day(1), _day(20), _day(12), _day(12)),
        2: (None, None, None, None),
        3: (None, None, None, None),
        4: (_day(6), _day(6), None, None),
        5: (None, None, None, None),
    }


def _group_of_three(db: Database) -> dict[str, int]:
    """@a, @b and @c, each named once; @b merged into @a (the oldest)."""
    with db.session_scope() as session:
        add_team(session)
        ids = {}
        for n, who in enumerate(("@a", "@b", "@c")):
            entry = add_connection(session, who=who, local_date=_day(n))
            person = resolve_person(session, team_id="T1", who=who, platform=None, now=NOW)
            name_person(session, entry, person)
            assert person is not None
            ids[who] = person
        merge_people(session, team_id="T1", source_id=ids["@b"], target_id=ids["@a"])
    return ids


def _between_an_entrys_two_rows(db: Database, *, person_id: int, then: Callable[[], None]) -> None:
    """Save an entry naming `person_id` (merged into someone) and, once it has updated the
    person's row and before it updates their root's, run `then` in another thread until it
    waits for a lock; then let the entry go on. Whatever `then` raises is raised here."""
    failures: list[BaseException] = []

    def other() -> None:
        try:
            then()
        except BaseException as error:  # pragma: no cover - raised below
            failures.append(error)

    thread = threading.Thread(target=other)

    def before(
        connection: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if isinstance(parameters, dict) and "b_root" in parameters and not thread.is_alive():
            thread.start()
            deadline = time.monotonic() + 10
            while not waiting_for_a_lock(db):
                assert time.monotonic() < deadline, "the other change never waited"
                time.sleep(0.02)

    with patient_gates(db):
        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            with db.session_scope() as session:
                entry = add_connection(session, local_date=_day(30))
                name_person(session, entry, person_id)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)
        thread.join(30)
    assert thread.ident is not None, "the entry never updated a root"
    assert failures == []


def test_a_merge_of_a_group_waits_for_an_entry_naming_one_of_its_people(db: Database) -> None:
    # The entry holds @b's row and is about to update @a's (its root); merging @a's group
    # into @c takes @a and @b too. Had the merge taken @a first, each would wait for the other.
    if db.backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing meets")
    ids = _group_of_three(db)

    def merge() -> None:
        with db.session_scope() as session:
            assert merge_people(session, team_id="T1", source_id=ids["@a"], target_id=ids["@c"])

    _between_an_entrys_two_rows(db, person_id=ids["@b"], then=merge)
    with db.read_scope() as session:
        assert named_date_mismatches(session) == []
        assert _roots(session) == {ids["@a"]: ids["@c"], ids["@b"]: ids["@c"], ids["@c"]: ids["@c"]}


def test_an_edit_to_a_merged_handle_waits_for_an_entry_naming_it(db: Database) -> None:
    # An edit that moves an entry from @a to @b (merged into @a) works out both again: it takes
    # @b before @a, as the entry does, instead of @a (the lower id) first.
    if db.backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing meets")
    ids = _group_of_three(db)
    with db.session_scope() as session:
        other = add_connection(session, user_id="U2", who="@a", local_date=_day(5))
        name_person(session, other, ids["@a"])
        other_id = other.id

    def edit() -> None:
        draft = Draft(principle=Principle.CARE, local_date=_day(6), who="@b")
        with db.session_scope() as session:
            update_connection(
                session, team_id="T1", user_id="U2", connection_id=other_id, draft=draft, now=NOW
            )

    _between_an_entrys_two_rows(db, person_id=ids["@b"], then=edit)
    with db.read_scope() as session:
        assert named_date_mismatches(session) == []


def test_two_merges_at_once_make_no_chain(db: Database) -> None:
    # @c into @d while @a's group (with @b) goes into @c: each merge takes the team's row
    # alone, so the second sees what the first did, and nobody ends up merged into someone
    # who is merged.
    if db.backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing meets")
    ids = _group_of_three(db)
    with db.session_scope() as session:
        extra = add_connection(session, who="@d", local_date=_day(9))
        person = resolve_person(session, team_id="T1", who="@d", platform=None, now=NOW)
        name_person(session, extra, person)
        assert person is not None
        ids["@d"] = person
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def merge(source: str, target: str) -> None:
        try:
            barrier.wait(10)
            with db.session_scope() as session:
                merge_people(session, team_id="T1", source_id=ids[source], target_id=ids[target])
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    threads = [
        threading.Thread(target=merge, args=("@c", "@d")),
        threading.Thread(target=merge, args=("@a", "@c")),
    ]
    with patient_gates(db):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert failures == []
    with db.read_scope() as session:
        assert named_date_mismatches(session) == []
        roots = _roots(session)
        # Nobody is merged into someone who is merged: every root is its own root.
        assert all(roots[root] == root for root in roots.values()), roots
