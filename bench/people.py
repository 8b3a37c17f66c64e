"""People at scale: a person's page and the teammate hint, beside reading the rows' handles.

`python -m bench.people [--rows N] [--people N] [--database-url URL]`

The seed is one team (the worst case: people are per workspace) with `--people` people on X and
`--rows` entries over two years; a fifth of the touches go to a few busy people. Ours reads
through `connections.person_id` and its (team, person, created_at) index; the baseline answers
the same question the way we could without the people table: read the team's entries and
normalise every "who" in Python. Answers are compared before anything is timed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
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
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, Platform
from slackapp.store import people as store
from slackapp.store.db import Database
from slackapp.store.models import Connection, Person

TEAM_ID = "T0BENCH"
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
SPAN_DAYS = 730
MEMBERS = 50
BATCH = 10_000
PAGE_LIMIT = 15


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
    if db.backend == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE) connections"))
            connection.execute(text("VACUUM (ANALYZE) people"))


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
        table: list[list[str]] = []
        failed = False
        for name, ours, baseline in operations:
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
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
