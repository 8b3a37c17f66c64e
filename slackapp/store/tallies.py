"""Maintained counts: per member, day and principle; per member and day; per member all-time.

Every change to `connections` calls `count_entry` in the same transaction, so the tallies
always agree with the rows (`mismatches` checks that, and `rebuild` recomputes them, for the
migration that introduced them and for bulk loads that bypass the app).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Insert, bindparam, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from slackapp.store.models import Connection, DailyTally, MemberDay, MemberTotal

_Counted = type[DailyTally] | type[MemberDay] | type[MemberTotal]
#: Each table's key columns, in the order its upsert binds them.
_KEYS: dict[_Counted, tuple[str, ...]] = {
    DailyTally: ("team_id", "user_id", "local_date", "principle"),
    MemberDay: ("team_id", "user_id", "local_date"),
    MemberTotal: ("team_id", "user_id", "principle"),
}
_UPSERTS: dict[tuple[str, _Counted], Insert] = {}


def _upsert_statement(dialect: str, table: _Counted) -> Insert:
    """One prebuilt INSERT … ON CONFLICT per table and dialect: built and compiled once."""
    statement = _UPSERTS.get((dialect, table))
    if statement is None:
        keys = _KEYS[table]
        make = postgresql.insert if dialect == "postgresql" else sqlite.insert
        values: dict[str, Any] = {key: bindparam(key) for key in keys}
        statement = make(table).values(**values, count=bindparam("delta"))
        statement = statement.on_conflict_do_update(
            index_elements=list(keys), set_={"count": table.count + bindparam("delta")}
        )
        _UPSERTS[(dialect, table)] = statement
    return statement


def _upsert(session: Session, table: _Counted, values: dict[str, object], delta: int) -> None:
    # Core on the session's own connection (same transaction), without the ORM's statement work:
    # this runs inside every write of an entry, so inside SQLite's one-writer-at-a-time turn.
    connection = session.connection()
    statement = _upsert_statement(connection.dialect.name, table)
    connection.execute(statement, {**values, "delta": delta})


def count_entry(
    session: Session, *, team_id: str, user_id: str, local_date: date, principle: str, delta: int
) -> None:
    """Add `delta` (1 or -1) to the member's tallies for that day and principle."""
    _upsert(
        session,
        DailyTally,
        {"team_id": team_id, "user_id": user_id, "local_date": local_date, "principle": principle},
        delta,
    )
    _upsert(
        session,
        MemberDay,
        {"team_id": team_id, "user_id": user_id, "local_date": local_date},
        delta,
    )
    _upsert(
        session,
        MemberTotal,
        {"team_id": team_id, "user_id": user_id, "principle": principle},
        delta,
    )


def rebuild(session: Session, *, team_id: str | None = None) -> None:
    """Recompute the tallies from the rows (all teams, or one)."""
    daily = delete(DailyTally)
    days = delete(MemberDay)
    totals = delete(MemberTotal)
    rows = select(
        Connection.team_id,
        Connection.user_id,
        Connection.local_date,
        Connection.principle,
        func.count(),
    ).group_by(Connection.team_id, Connection.user_id, Connection.local_date, Connection.principle)
    per_day = select(
        Connection.team_id, Connection.user_id, Connection.local_date, func.count()
    ).group_by(Connection.team_id, Connection.user_id, Connection.local_date)
    sums = select(
        Connection.team_id, Connection.user_id, Connection.principle, func.count()
    ).group_by(Connection.team_id, Connection.user_id, Connection.principle)
    if team_id is not None:
        daily = daily.where(DailyTally.team_id == team_id)
        days = days.where(MemberDay.team_id == team_id)
        per_day = per_day.where(Connection.team_id == team_id)
        totals = totals.where(MemberTotal.team_id == team_id)
        rows = rows.where(Connection.team_id == team_id)
        sums = sums.where(Connection.team_id == team_id)
    session.execute(daily)
    session.execute(days)
    session.execute(totals)
    session.execute(
        insert(DailyTally).from_select(
            ["team_id", "user_id", "local_date", "principle", "count"], rows
        )
    )
    session.execute(
        insert(MemberDay).from_select(["team_id", "user_id", "local_date", "count"], per_day)
    )
    session.execute(
        insert(MemberTotal).from_select(["team_id", "user_id", "principle", "count"], sums)
    )


def mismatches(session: Session) -> list[str]:
    """Where the tallies disagree with the rows (empty when they agree)."""
    kept_tallies = [
        ("daily tallies", DailyTally.__table__, ("team_id", "user_id", "local_date", "principle")),
        ("member days", MemberDay.__table__, ("team_id", "user_id", "local_date")),
        ("member totals", MemberTotal.__table__, ("team_id", "user_id", "principle")),
    ]
    found: list[str] = []
    for label, table, keys in kept_tallies:
        # The same key columns grouped from the rows, and read from the maintained table.
        columns = [Connection.__table__.c[key] for key in keys]
        counted = {
            tuple(row[:-1]): row[-1]
            for row in session.execute(select(*columns, func.count()).group_by(*columns))
        }
        kept = {
            tuple(row[:-1]): row[-1]
            for row in session.execute(
                select(*(table.c[key] for key in keys), table.c.count).where(table.c.count != 0)
            )
        }
        if counted != kept:
            differ = sorted(set(counted.items()) ^ set(kept.items()))[:5]
            found.append(f"{label} differ at {differ}")
    return found
