"""People reached and relationships deepened, with merged handles counted as one person."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.domain.vocabulary import Platform
from slackapp.store.db import Database
from slackapp.store.digests import digest_counts_of
from slackapp.store.models import Connection, Person
from slackapp.store.people import merge_people, resolve_person
from slackapp.store.relationships import (
    people_reached,
    relationships_deepened,
)
from tests.support.factories import add_connection, add_team, name_person

NOW = datetime(2026, 3, 5, 15, tzinfo=UTC)


def first_time_people(session: Session, *, team_id: str, start: date, end: date) -> int:
    """The digest's "new people" line over `start`..`end`, as the digest reads it."""
    counts = digest_counts_of(
        session, team_ids=[team_id], start=start, end=end, deepened_start=start
    )
    return counts[team_id].first_time_people


def team_relationships_deepened(session: Session, *, team_id: str, start: date, end: date) -> int:
    """The digest's "relationships deepened" line over `start`..`end`, as the digest reads it."""
    counts = digest_counts_of(
        session, team_ids=[team_id], start=start, end=end, deepened_start=start
    )
    return counts[team_id].relationships_deepened


def touch(session: Session, who: str, platform: Platform, day: date, user: str = "U1") -> int:
    entry = add_connection(session, user_id=user, who=who, platform=platform, local_date=day)
    name_person(
        session, entry, resolve_person(session, team_id="T1", who=who, platform=platform, now=NOW)
    )
    assert entry.person_id is not None
    return entry.person_id


def test_a_merged_person_counts_once_everywhere(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        on_x = touch(session, "@jane", Platform.TWITTER, date(2026, 2, 20))  # before the week
        touch(session, "@jane", Platform.TWITTER, date(2026, 3, 2))
        on_linkedin = touch(session, "jane-doe", Platform.LINKEDIN, date(2026, 3, 3))
        touch(session, "jane-doe", Platform.LINKEDIN, date(2026, 3, 4), user="U2")
        touch(session, "@sam", Platform.TWITTER, date(2026, 3, 4))
        week = {"start": date(2026, 3, 2), "end": date(2026, 3, 8)}
        # Apart: Jane on LinkedIn is someone new this week, and nobody has 3 touches.
        assert people_reached(session, team_id="T1", start=week["start"], end=week["end"]) == (
            {"U1": 3, "U2": 1},
            3,
        )
        assert first_time_people(session, team_id="T1", start=week["start"], end=week["end"]) == 2
        assert relationships_deepened(session, team_id="T1", start=None, end=week["end"]) == (
            {},
            0,
        )
        merge_people(session, team_id="T1", source_id=on_linkedin, target_id=on_x)
        assert people_reached(session, team_id="T1", start=week["start"], end=week["end"]) == (
            {"U1": 2, "U2": 1},
            2,
        )
        # Jane was touched before the week (on X), so only Sam is new.
        assert first_time_people(session, team_id="T1", start=week["start"], end=week["end"]) == 1
        # Ana touched Jane three times (two handles), the team four times.
        assert relationships_deepened(session, team_id="T1", start=None, end=week["end"]) == (
            {"U1": 1},
            1,
        )
        assert relationships_deepened(
            session, team_id="T1", start=week["start"], end=week["end"]
        ) == ({}, 1)
        assert (
            team_relationships_deepened(session, team_id="T1", start=week["start"], end=week["end"])
            == 1
        )


def test_the_digest_people_lines_read_people_off_their_indexes_on_sqlite(
    db: Database, captured_sql: list[tuple[str, Any]]
) -> None:
    # Nobody touched after the window: the digest's one statement answers both lines, each a
    # range on an index of the groups' dates, never the table (a merged group's rows were
    # looked up one by one, person by person found).
    if db.backend != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    with db.session_scope() as session:
        add_team(session)
        on_x = touch(session, "@jane", Platform.TWITTER, date(2026, 3, 2))
        on_linkedin = touch(session, "jane-doe", Platform.LINKEDIN, date(2026, 3, 3))
        touch(session, "jane-doe", Platform.LINKEDIN, date(2026, 3, 4))
        touch(session, "@sam", Platform.TWITTER, date(2026, 3, 4))
        merge_people(session, team_id="T1", source_id=on_linkedin, target_id=on_x)
    captured_sql.clear()
    with db.read_scope() as session:
        (counts,) = digest_counts_of(
            session,
            team_ids=["T1"],
            start=date(2026, 3, 2),
            end=date(2026, 3, 8),
            deepened_start=date(2026, 2, 7),
        ).values()
    assert (counts.first_time_people, counts.relationships_deepened) == (2, 1)
    ((sql, params),) = [(sql, p) for sql, p in captured_sql if "people" in sql]
    assert [sql for sql, _ in captured_sql if sql.startswith("SELECT")] == [sql], captured_sql
    with db.engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
    steps = [str(row[-1]) for row in plan if str(row[-1]).startswith("SEARCH people ")]
    assert len(steps) == 2, plan
    assert "COVERING INDEX ix_people_team_group_first" in steps[0], plan
    assert "COVERING INDEX ix_people_team_group_touches" in steps[1], plan


def _roots(session: Session) -> dict[int, int]:
    rows = session.execute(select(Person.id, Person.merged_into).where(Person.team_id == "T1"))
    return {person: root or person for person, root in rows}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("merges", [0, 6])
def test_the_digest_lines_match_counting_every_entry(db: Database, seed: int, merges: int) -> None:
    # The digest's two people lines, counted by the database, against the entries read one by
    # one: with and without merged people, on windows that start before, inside and after them.
    rng = random.Random(seed)
    first = date(2026, 2, 1)
    with db.session_scope() as session:
        add_team(session)
        for _ in range(160):
            touch(
                session,
                f"@p{rng.randrange(25)}",
                rng.choice([Platform.TWITTER, Platform.LINKEDIN]),
                first + timedelta(days=rng.randrange(40)),
                user=rng.choice(["U1", "U2", "U3"]),
            )
        add_connection(session, local_date=first + timedelta(days=3))  # names nobody
        people = sorted(_roots(session))
        for _ in range(merges):
            source, target = rng.sample(people, 2)
            roots = _roots(session)
            if roots[source] != roots[target]:
                merge_people(session, team_id="T1", source_id=roots[source], target_id=target)
        roots = _roots(session)
        entries = [
            (roots[person], day)
            for person, day in session.execute(
                select(Connection.person_id, Connection.local_date).where(
                    Connection.person_id.is_not(None)
                )
            )
            if person is not None
        ]
        assert merges == 0 or len(set(roots.values())) < len(roots)
        # Every start day, before, through and after the entries: a window's edge falls on
        # every day someone was touched, and the last windows end on the last day anyone logged
        # (nobody touched since, as for a digest) or after it.
        for start, days in [
            (first + timedelta(days=offset), days) for offset in range(-2, 42) for days in (7, 30)
        ]:
            end = start + timedelta(days=days - 1)
            touches = Counter(root for root, day in entries if start <= day <= end)
            earliest: dict[int, date] = {}
            for root, day in entries:
                earliest[root] = min(day, earliest.get(root, day))
            new = sum(1 for root in touches if earliest[root] >= start)
            deepened = sum(1 for n in touches.values() if n >= 3)
            assert first_time_people(session, team_id="T1", start=start, end=end) == new
            assert team_relationships_deepened(session, team_id="T1", start=start, end=end) == (
                deepened
            )
            assert relationships_deepened(session, team_id="T1", start=start, end=end)[1] == (
                deepened
            )


def test_the_migrations_find_every_persons_first_and_latest_days(database_url: str) -> None:
    from slackapp.store.migrate import upgrade

    database = Database(database_url)
    try:
        upgrade(database, revision="0013")
        people = sa.table(
            "people",
            sa.column("id"),
            sa.column("team_id"),
            sa.column("platform"),
            sa.column("handle_key"),
            sa.column("display"),
            sa.column("created_at"),
        )
        entries = sa.table(
            "connections",
            sa.column("team_id"),
            sa.column("user_id"),
            sa.column("principle"),
            sa.column("note"),
            sa.column("local_date", sa.Date),
            sa.column("created_at"),
            sa.column("source"),
            sa.column("person_id"),
        )
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
                    }
                    for n in (1, 2, 3)
                ],
            )
            connection.execute(
                sa.insert(entries),
                [
                    {
                        "team_id": "T1",
                        "user_id": "U1",
                        "principle": "care",
                        "note": "",
                        "local_date": day,
                        "created_at": NOW,
                        "source": "command",
                        "person_id": person,
                    }
                    for person, day in (
                        (1, date(2026, 3, 4)),
                        (1, date(2026, 2, 1)),
                        (1, date(2026, 3, 4)),
                        (1, date(2026, 1, 9)),
                        (2, date(2026, 3, 1)),
                    )
                ],
            )
        upgrade(database)
        with database.read_scope() as session:
            kept = {
                person: tuple(dates)
                for person, *dates in session.execute(
                    select(
                        Person.id, Person.first_date, Person.touch_1, Person.touch_2, Person.touch_3
                    )
                )
            }
    finally:
        database.dispose()
    # The first day, then the latest three, newest first: a day named twice comes twice.
    assert kept == {
        1: (date(2026, 1, 9), date(2026, 3, 4), date(2026, 3, 4), date(2026, 2, 1)),
        2: (date(2026, 3, 1), date(2026, 3, 1), None, None),
        3: (None, None, None, None),
    }
