"""People at scale: a person's page and the teammate hint, beside reading the rows' handles;
the tick's follow-ups-due query and the people and relationships boards, beside bare SQL.

`python -m bench.people [--rows N] [--people N] [--database-url URL]`
(the issue's scale: `--rows 1000000 --people 200000`)

The seed is one team (the worst case: people are per workspace) with `--people` people on X and
`--rows` entries over two years; a fifth of the touches go to a few busy people. Ours reads
through `connections.person_id` and its (team, person, created_at) index; the baseline answers
the same question the way we could without the people table: read the team's entries and
normalise every "who" in Python. Answers are compared before anything is timed.

Every twentieth entry asked for a follow-up: most are answered, some still wait, a few fall due
today. The follow-ups query is the tick's (`store.followups.due_members`: open, not asked, due,
members that want them, active teams); its baseline is the bare SQL any implementation must run
at least (one GROUP BY on the `ask_on` index of `followups`, no joins). The boards
(`store.relationships`) count people as merged; their baseline is the bare GROUP BY over
`connections.person_id` (which gives the same answer while nobody is merged). Then every
hundredth person is merged into another and the boards run again, beside the bare SQL that
joins `people` to resolve merges.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text

from bench import (
    machine_facts,
    milliseconds,
    print_facts,
    print_table,
    ratio,
    scratch_database,
    time_runs,
)
from slackapp.domain.people import HINT_DAYS, person_key
from slackapp.domain.relationships import RELATIONSHIP_DAYS, RELATIONSHIP_TOUCHES
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, Platform
from slackapp.store import people as store
from slackapp.store.db import Database
from slackapp.store.followups import due_members
from slackapp.store.models import Connection, FollowUp, Member, Person, Team
from slackapp.store.relationships import people_reached, relationships_deepened

TEAM_ID = "T0BENCH"
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
SPAN_DAYS = 730
MEMBERS = 50
BATCH = 10_000
PAGE_LIMIT = 15
#: One entry in this many asked for a follow-up.
FOLLOW_UP_EVERY = 20
TODAY = NOW.date()


def seed(db: Database, *, rows: int, people: int, rng: random.Random) -> None:
    """People @p0 … on X, and entries naming them: a few people are touched very often."""
    created = NOW
    with db.engine.begin() as connection:
        for start in range(0, people, BATCH):
            connection.execute(
                insert(Person),
                [
                    {
                        "id": n + 1,
                        "team_id": TEAM_ID,
                        "platform": Platform.TWITTER.value,
                        "handle_key": f"p{n}",
                        "display": f"@p{n}",
                        "created_at": created,
                    }
                    for n in range(start, min(start + BATCH, people))
                ],
            )
        if db.backend == "postgresql":
            connection.execute(
                text("SELECT setval(pg_get_serial_sequence('people', 'id'), :n)"), {"n": people}
            )
    offsets = sorted(rng.random() for _ in range(rows))
    with db.engine.begin() as connection:
        for start in range(0, rows, BATCH):
            batch: list[dict[str, Any]] = []
            for offset in offsets[start : start + BATCH]:
                # A fifth of the touches go, Zipf-like, to a few busy people; the rest anyone.
                if rng.random() < 0.2:
                    person = min(int(rng.paretovariate(1.1)) - 1, people - 1)
                else:
                    person = rng.randrange(people)
                when = NOW - timedelta(days=SPAN_DAYS * (1 - offset))
                batch.append(
                    {
                        "team_id": TEAM_ID,
                        "user_id": f"UB{rng.randrange(MEMBERS):03d}",
                        "principle": rng.choice(PRINCIPLE_ORDER).value,
                        "platform": Platform.TWITTER.value,
                        "who": f"@P{person}" if rng.random() < 0.3 else f"@p{person}",
                        "note": "",
                        "local_date": when.date(),
                        "created_at": when,
                        "source": "command",
                        "person_id": person + 1,
                    }
                )
            connection.execute(insert(Connection), batch)
    seed_follow_ups(db, rng=rng)
    if db.backend == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in ("connections", "people", "followups", "members"):
                connection.execute(text(f"VACUUM (ANALYZE) {table}"))


def seed_follow_ups(db: Database, *, rng: random.Random) -> None:
    """The team and its members, and a follow-up on every FOLLOW_UP_EVERY-th entry."""
    with db.engine.begin() as connection:
        connection.execute(
            insert(Team), [{"team_id": TEAM_ID, "timezone": "UTC", "created_at": NOW}]
        )
        connection.execute(
            insert(Member),
            [
                {
                    "team_id": TEAM_ID,
                    "user_id": f"UB{n:03d}",
                    "timezone": "America/New_York",
                    "created_at": NOW,
                }
                for n in range(MEMBERS)
            ],
        )
        chosen = connection.execute(
            select(Connection.id, Connection.user_id, Connection.local_date)
            .where(Connection.team_id == TEAM_ID, Connection.id % FOLLOW_UP_EVERY == 0)
            .order_by(Connection.id)
        ).all()
        rows: list[dict[str, Any]] = []
        for entry_id, user_id, day in chosen:
            due = day + timedelta(days=rng.choice((1, 3, 7, 14)))
            answered = due < TODAY - timedelta(days=1) and rng.random() < 0.9
            state = rng.choice(("replied", "no_reply")) if answered else "open"
            rows.append(
                {
                    "team_id": TEAM_ID,
                    "user_id": user_id,
                    "connection_id": entry_id,
                    "due_date": due,
                    "ask_on": None if answered else due,
                    "state": state,
                    "asked_for": due if answered else None,
                    "asks": 1 if answered else 0,
                    "answered_at": NOW if answered else None,
                    "answered_on": due if answered else None,
                    "created_at": NOW,
                }
            )
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(FollowUp), rows[start : start + BATCH])


def due_ours(db: Database) -> list[tuple[str, date]]:
    with db.read_scope() as session:
        found = due_members(session, through=TODAY + timedelta(days=1))
    return sorted((row.user_id, row.first_due) for row in found)


def due_bare(db: Database) -> list[tuple[str, date]]:
    with db.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT user_id, min(ask_on) FROM followups "
                "WHERE ask_on <= :through GROUP BY team_id, user_id"
            ),
            {"through": TODAY + timedelta(days=1)},
        ).all()
    return sorted((str(user_id), _day(due)) for user_id, due in rows)


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def board_ours(db: Database, *, deepened: bool, start: date) -> list[tuple[str, int]]:
    count = relationships_deepened if deepened else people_reached
    with db.read_scope() as session:
        totals, _ = count(session, team_id=TEAM_ID, start=start, end=TODAY)
    return sorted(totals.items())


_REACHED_SQL = (
    "SELECT user_id, count(DISTINCT person_id) FROM connections WHERE team_id = :team "
    "AND local_date BETWEEN :start AND :end GROUP BY user_id"
)
_DEEPENED_SQL = (
    "SELECT user_id, count(*) FROM (SELECT user_id, person_id FROM connections "
    "WHERE team_id = :team AND local_date BETWEEN :start AND :end AND person_id IS NOT NULL "
    "GROUP BY user_id, person_id HAVING count(*) >= :touches) AS deep GROUP BY user_id"
)


_REACHED_MERGED_SQL = (
    "SELECT c.user_id, count(DISTINCT coalesce(p.merged_into, p.id)) FROM connections c "
    "JOIN people p ON p.id = c.person_id WHERE c.team_id = :team "
    "AND c.local_date BETWEEN :start AND :end GROUP BY c.user_id"
)
_DEEPENED_MERGED_SQL = (
    "SELECT user_id, count(*) FROM (SELECT c.user_id, coalesce(p.merged_into, p.id) AS root "
    "FROM connections c JOIN people p ON p.id = c.person_id WHERE c.team_id = :team "
    "AND c.local_date BETWEEN :start AND :end GROUP BY c.user_id, coalesce(p.merged_into, p.id) "
    "HAVING count(*) >= :touches) AS deep GROUP BY user_id"
)


def merge_some(db: Database) -> int:
    """Merge every hundredth person into the one before it (never a merged one); how many."""
    with db.engine.begin() as connection:
        merged = connection.execute(
            text(
                "UPDATE people SET merged_into = id - 1 "
                "WHERE team_id = :team AND id % 100 = 0 AND id > 1"
            ),
            {"team": TEAM_ID},
        )
    return int(merged.rowcount or 0)


def board_bare_merged(db: Database, *, deepened: bool, start: date) -> list[tuple[str, int]]:
    sql = _DEEPENED_MERGED_SQL if deepened else _REACHED_MERGED_SQL
    params = {"team": TEAM_ID, "start": start, "end": TODAY, "touches": RELATIONSHIP_TOUCHES}
    with db.engine.connect() as connection:
        rows = connection.execute(text(sql), params).all()
    return sorted((str(user_id), int(n)) for user_id, n in rows if n)


def board_bare(db: Database, *, deepened: bool, start: date) -> list[tuple[str, int]]:
    sql = _DEEPENED_SQL if deepened else _REACHED_SQL
    params = {"team": TEAM_ID, "start": start, "end": TODAY, "touches": RELATIONSHIP_TOUCHES}
    with db.engine.connect() as connection:
        rows = connection.execute(text(sql), params).all()
    return sorted((str(user_id), int(n)) for user_id, n in rows if n)


def _key_of(who: str | None) -> tuple[str, str] | None:
    key = person_key(who, Platform.TWITTER)
    return (key.platform, key.handle) if key else None


def page_ours(db: Database, person_id: int) -> tuple[int, list[int]]:
    with db.read_scope() as session:
        page = store.person_page(session, team_id=TEAM_ID, person_id=person_id, limit=PAGE_LIMIT)
    assert page is not None
    return page.total, [t.connection_id for t in page.touches]


def page_baseline(db: Database, handle: str) -> tuple[int, list[int]]:
    with db.read_scope() as session:
        rows = session.execute(
            select(Connection.id, Connection.who, Connection.created_at).where(
                Connection.team_id == TEAM_ID
            )
        ).all()
    mine = [(created, id_) for id_, who, created in rows if _key_of(who) == ("twitter", handle)]
    mine.sort(reverse=True)
    return len(mine), [id_ for _, id_ in mine[:PAGE_LIMIT]]


def hint_ours(db: Database, person_id: int) -> str | None:
    with db.read_scope() as session:
        touch = store.teammate_touch(
            session,
            team_id=TEAM_ID,
            person_id=person_id,
            user_id="UNOBODY",
            since=NOW - timedelta(days=HINT_DAYS),
        )
    return touch.user_id if touch else None


def hint_baseline(db: Database, handle: str) -> str | None:
    with db.read_scope() as session:
        rows = session.execute(
            select(Connection.user_id, Connection.who, Connection.created_at, Connection.id)
            .where(
                Connection.team_id == TEAM_ID,
                Connection.created_at >= NOW - timedelta(days=HINT_DAYS),
            )
            .order_by(Connection.created_at.desc(), Connection.id.desc())
        ).all()
    for user_id, who, _, _ in rows:
        if _key_of(who) == ("twitter", handle):
            return str(user_id)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.people", description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000, help="entries (default %(default)s)")
    parser.add_argument("--people", type=int, default=40_000, help="people (default %(default)s)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    with scratch_database(args.database_url) as db:
        print_facts(machine_facts(db))
        started = time.perf_counter()
        seed(db, rows=args.rows, people=args.people, rng=rng)
        print(
            f"\nSeeded {args.rows:,} entries naming {args.people:,} people in one team "
            f"in {time.perf_counter() - started:.0f} s.\n"
        )
        busiest = 0
        with db.read_scope() as session:
            # The person named by the middle entry: someone with a handful of touches.
            middle = session.scalar(
                select(Connection.person_id).order_by(Connection.id).offset(args.rows // 2)
            )
        assert middle is not None
        typical = middle - 1
        operations: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
            (
                "person page, busiest",
                lambda: page_ours(db, busiest + 1),
                lambda: page_baseline(db, f"p{busiest}"),
            ),
            (
                "person page, typical",
                lambda: page_ours(db, typical + 1),
                lambda: page_baseline(db, f"p{typical}"),
            ),
            (
                "teammate hint, busiest",
                lambda: hint_ours(db, busiest + 1),
                lambda: hint_baseline(db, f"p{busiest}"),
            ),
            (
                "teammate hint, typical",
                lambda: hint_ours(db, typical + 1),
                lambda: hint_baseline(db, f"p{typical}"),
            ),
        ]
        month = TODAY.replace(day=1)
        window = TODAY - timedelta(days=RELATIONSHIP_DAYS - 1)
        operations += [
            ("follow-ups due (the tick)", lambda: due_ours(db), lambda: due_bare(db)),
            (
                "people board, this month",
                lambda: board_ours(db, deepened=False, start=month),
                lambda: board_bare(db, deepened=False, start=month),
            ),
            (
                "relationships board, 30 days",
                lambda: board_ours(db, deepened=True, start=window),
                lambda: board_bare(db, deepened=True, start=window),
            ),
        ]
        table: list[list[str]] = []
        failed = False

        def merged_phase() -> None:
            # Then with merged people: ours resolves merges in Python, the baseline joins.
            count = merge_some(db)
            print(f"(then {count:,} people merged into others)")

        phases: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
            (
                "people board, this month, 1% merged",
                lambda: board_ours(db, deepened=False, start=month),
                lambda: board_bare_merged(db, deepened=False, start=month),
            ),
            (
                "relationships board, 30 days, 1% merged",
                lambda: board_ours(db, deepened=True, start=window),
                lambda: board_bare_merged(db, deepened=True, start=window),
            ),
        ]
        for name, ours, baseline in [*operations, ("", merged_phase, merged_phase), *phases]:
            if not name:
                ours()
                continue
            same = ours() == baseline()
            failed |= not same
            mine = time_runs(ours, runs=args.runs)
            theirs = time_runs(baseline, runs=max(1, args.runs // 2))
            table.append(
                [
                    name,
                    milliseconds(mine.median),
                    milliseconds(theirs.median),
                    ratio(theirs.median, mine.median),
                    "yes" if same else "DIFFERENT ANSWERS",
                ]
            )
        print_table(["operation", "ours", "baseline", "baseline/ours", "same answer"], table)
        print(
            "\nBaselines: person page and hint read every entry and normalise handles in Python; "
            "follow-ups due and the boards run the bare SQL GROUP BY."
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
