"""Deleting a whole workspace's data: every row of every table that has a `team_id` column.

The tables are read from the database itself, not from a list kept by hand, so a table added
later (or one made outside our models, like slack_sdk's installation tables) is purged too,
the moment it has a `team_id` column. Rows go in bounded batches, one short transaction each,
children before the tables they point at and the `teams` row last: a purge cut short leaves
the team still listed, and running it again carries on where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, MetaData, Table, delete, func, literal_column, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnClause

from slackapp.store.db import Database
from slackapp.store.models import TEAM_COLUMN, Team, TeamRevision

__all__ = [
    "PURGE_BATCH",
    "TEAM_COLUMN",
    "PurgeResult",
    "count_team_rows",
    "purge_team",
    "team_tables",
    "teams_due_for_purge",
]

#: Rows deleted per statement (and per transaction), so that no lock is held for long.
PURGE_BATCH = 1000


@dataclass
class PurgeResult:
    """What a purge deleted, table by table (the team's revision, bookkeeping, left out);
    `stopped` when the team was reinstalled meanwhile."""

    team_id: str
    deleted: dict[str, int] = field(default_factory=dict)
    stopped: bool = False

    @property
    def total(self) -> int:
        """All rows deleted."""
        return sum(self.deleted.values())


def team_tables(connection: Connection) -> list[Table]:
    """Every table in the database with a team_id column, children first and `teams` last."""
    reflected = MetaData()
    reflected.reflect(bind=connection)
    scoped = [t for t in reversed(reflected.sorted_tables) if TEAM_COLUMN in t.c]
    # `teams` is the marker that a purge is still owed: it goes last, whatever points at it.
    return [t for t in scoped if t.name != Team.__tablename__] + [
        t for t in scoped if t.name == Team.__tablename__
    ]


def count_team_rows(session: Session, *, team_id: str) -> dict[str, int]:
    """How many rows each team-scoped table holds for the team (tables with none left out).

    The team's revision is not counted: it is bookkeeping, in as many parts as its writes
    happened to raise (store.revisions), and a purge's own batches raise it.
    """
    counts: dict[str, int] = {}
    for table in team_tables(session.connection()):
        if table.name == TeamRevision.__tablename__:
            continue
        found = session.scalar(
            select(func.count()).select_from(table).where(table.c[TEAM_COLUMN] == team_id)
        )
        if found:
            counts[table.name] = int(found)
    return counts


def teams_due_for_purge(session: Session, *, uninstalled_before: datetime) -> list[str]:
    """Teams uninstalled before that instant and not reinstalled since, oldest first."""
    return list(
        session.scalars(
            select(Team.team_id)
            .where(
                Team.uninstalled_at.is_not(None),
                Team.uninstalled_at <= uninstalled_before,
                Team.is_active.is_(False),
            )
            .order_by(Team.uninstalled_at, Team.team_id)
        )
    )


def _row_id(connection: Connection) -> str:
    # Every table has a physical row id, whatever its primary key: batches need no PK knowledge.
    return "ctid" if connection.dialect.name == "postgresql" else "rowid"


def _still_due(session: Session, *, team_id: str, uninstalled_before: datetime | None) -> bool:
    """Whether the purge may go on: always for an operator's purge, else while still uninstalled.

    On PostgreSQL the team row is locked for the batch's transaction, so a reinstall
    (reactivate_team) waits for the batch instead of racing it. (SQLite's write lock already
    lets one transaction write at a time.)
    """
    query = select(Team.team_id).where(Team.team_id == team_id)
    if uninstalled_before is not None:
        query = query.where(
            Team.uninstalled_at.is_not(None),
            Team.uninstalled_at <= uninstalled_before,
            Team.is_active.is_(False),
        )
    if session.get_bind().dialect.name == "postgresql":
        # Also serialises purges of one team: each batch deletes rows nobody else is deleting.
        query = query.with_for_update()
    found = session.scalar(query) is not None
    return found or uninstalled_before is None


def _self_references(table: Table) -> list[str]:
    """Columns of `table` pointing at its own rows (people.merged_into), cleared before deletes."""
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table.name == table.name]


def purge_team(
    db: Database,
    *,
    team_id: str,
    uninstalled_before: datetime | None = None,
    batch: int = PURGE_BATCH,
    on_batch: Callable[[str, int], None] | None = None,
) -> PurgeResult:
    """Delete every row the team has in every team-scoped table, in batches of `batch`.

    With `uninstalled_before`, each batch first checks that the team is still uninstalled
    since before that instant, and stops (`stopped`) if it was reinstalled meanwhile. Safe to
    run from several processes at once: each batch deletes whatever rows are still there.
    """
    result = PurgeResult(team_id=team_id)
    with db.read_scope(take_turn=False) as session:  # reflecting every table: a long read
        tables = team_tables(session.connection())
    revisions = next((t for t in tables if t.name == TeamRevision.__tablename__), None)
    for table in tables:
        if table is revisions:
            # Goes with the team's row, in its transaction: every batch before that raises the
            # team's revision (store.revisions) and would give it a row again.
            continue
        for column in _self_references(table):
            with db.session_scope() as session:
                if not _still_due(session, team_id=team_id, uninstalled_before=uninstalled_before):
                    result.stopped = True
                    return result
                session.execute(
                    update(table)
                    .where(table.c[TEAM_COLUMN] == team_id, table.c[column].is_not(None))
                    .values({column: None})
                )
        while True:
            with db.session_scope() as session:
                if not _still_due(session, team_id=team_id, uninstalled_before=uninstalled_before):
                    result.stopped = True
                    return result
                row_id: ColumnClause[Any] = literal_column(_row_id(session.connection()))
                chosen = (
                    select(row_id)
                    .select_from(table)
                    .where(table.c[TEAM_COLUMN] == team_id)
                    .limit(batch)
                    .correlate(None)
                )
                gone = session.execute(delete(table).where(row_id.in_(chosen)))
                count = int(getattr(gone, "rowcount", 0) or 0)
                if count and table.name == Team.__tablename__ and revisions is not None:
                    # Not counted, as count_team_rows does not count it.
                    session.execute(delete(revisions).where(revisions.c[TEAM_COLUMN] == team_id))
            if count:
                result.deleted[table.name] = result.deleted.get(table.name, 0) + count
                if on_batch is not None:
                    on_batch(table.name, count)
            if count == 0 or table.name == Team.__tablename__:
                # Not "fewer than a batch": a concurrent purge may have taken some of ours. The
                # team's own row is its last and only one there: once it is gone, the purge is
                # done (checking again would find no team and read that as a reinstall).
                break
    return result
