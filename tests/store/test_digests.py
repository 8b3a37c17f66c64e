"""A digest's counts, read in one statement for a batch of teams."""

from __future__ import annotations

from datetime import date

from slackapp.domain.vocabulary import Principle
from slackapp.store.db import Database
from slackapp.store.digests import digest_counts_of
from tests.support.factories import add_connection, add_connections, add_team

THURSDAY = date(2026, 11, 19)
MONDAY = date(2026, 11, 23)


def _per_day(db: Database, *, start: date, end: date) -> dict[date, dict[Principle, int]]:
    with db.read_scope() as session:
        counts = digest_counts_of(
            session, team_ids=["T1"], start=start, end=end, deepened_start=start
        )
    return counts["T1"].per_day


def test_the_days_fill_every_day_and_principle(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        add_team(session, team_id="T2")
        add_connections(session, 2, user_id="U1", principle=Principle.CARE, local_date=MONDAY)
        add_connections(session, 1, user_id="U2", principle=Principle.CARE, local_date=MONDAY)
        add_connections(session, 1, user_id="U2", principle=Principle.SOLVE, local_date=MONDAY)
        add_connections(session, 4, user_id="U1", local_date=date(2026, 11, 25))
        add_connections(session, 3, user_id="U1", local_date=date(2026, 11, 22))  # before start
        add_connections(session, 3, user_id="U1", local_date=date(2026, 11, 26))  # after end
        add_connections(session, 6, team_id="T2", user_id="U1", local_date=MONDAY)

    result = _per_day(db, start=MONDAY, end=date(2026, 11, 25))
    zero = dict.fromkeys(Principle, 0)
    assert result == {
        MONDAY: {**zero, Principle.CARE: 3, Principle.SOLVE: 1},
        date(2026, 11, 24): zero,
        date(2026, 11, 25): {**zero, Principle.SOLVE: 4},
    }
    assert list(result) == sorted(result)


def test_the_days_with_start_after_end_is_empty(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        add_connection(session, local_date=MONDAY)
    assert _per_day(db, start=MONDAY, end=THURSDAY) == {}
