"""A member's own data: what we hold about them, and deleting all of it (`/connect forget-me`).

"Their data" is every row of a table with both `team_id` and `user_id` columns (entries,
their tallies and totals, their member record, and any table added later the same way), the
DM nudges addressed to them in the delivery ledger (except one being sent this instant), their
id as whoever last saved the team's settings, and the people that only their entries named.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table, and_, delete, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from slackapp.store.models import Base, Connection, Delivery, Person, Team
from slackapp.store.named_dates import refresh_named_dates
from slackapp.store.tallies import hold_team

__all__ = ["MemberRows", "count_member_rows", "forget_member", "member_tables"]

#: Ledger rows still being sent; they finish (or fail) on their own and are kept.
_IN_FLIGHT = "claimed"


@dataclass(frozen=True, slots=True)
class MemberRows:
    """Rows per table (only tables with some), plus the people no entry points at any more."""

    rows: dict[str, int]
    people: int = 0

    def count(self, table: str) -> int:
        """Rows of `table` (0 when none)."""
        return self.rows.get(table, 0)

    @property
    def total(self) -> int:
        """Every row counted."""
        return sum(self.rows.values()) + self.people


def member_tables() -> list[Table]:
    """Every table of the schema holding a member's rows (team_id and user_id), children first."""
    return [
        table
        for table in reversed(Base.metadata.sorted_tables)
        if "team_id" in table.c and "user_id" in table.c
    ]


def _mine(table: Table, *, team_id: str, user_id: str) -> ColumnElement[bool]:
    return and_(table.c.team_id == team_id, table.c.user_id == user_id)


def _their_deliveries(*, team_id: str, user_id: str) -> ColumnElement[bool]:
    return and_(
        Delivery.team_id == team_id, Delivery.target == user_id, Delivery.status != _IN_FLIGHT
    )


def count_member_rows(session: Session, *, team_id: str, user_id: str) -> MemberRows:
    """What `forget_member` would delete now (people are counted when it runs)."""
    rows: dict[str, int] = {}
    for table in member_tables():
        found = session.scalar(
            select(func.count())
            .select_from(table)
            .where(_mine(table, team_id=team_id, user_id=user_id))
        )
        if found:
            rows[table.name] = int(found)
    sent = session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(_their_deliveries(team_id=team_id, user_id=user_id))
    )
    if sent:
        rows[Delivery.__tablename__] = int(sent)
    return MemberRows(rows=rows)


def forget_member(session: Session, *, team_id: str, user_id: str) -> MemberRows:
    """Delete everything of the member's, in the caller's transaction; what went, per table.

    Tallies and totals are the member's own rows, so they go with the entries and the team's
    aggregates stay equal to what is left (tallies.mismatches stays empty).
    """
    # Like a settings change, this waits for the team's entries under way and holds new ones
    # back: it deletes the member's streak rows and may update the team's row.
    hold_team(session, team_id=team_id)
    rows: dict[str, int] = {}
    # The people their entries named: someone else's entries may now be the earliest.
    named = session.scalars(
        select(Connection.person_id)
        .where(
            Connection.team_id == team_id,
            Connection.user_id == user_id,
            Connection.person_id.is_not(None),
        )
        .distinct()
    ).all()
    for table in member_tables():
        gone = session.execute(delete(table).where(_mine(table, team_id=team_id, user_id=user_id)))
        count = int(getattr(gone, "rowcount", 0) or 0)
        if count:
            rows[table.name] = count
    ledger = session.execute(
        delete(Delivery).where(_their_deliveries(team_id=team_id, user_id=user_id))
    )
    if ledger_count := int(getattr(ledger, "rowcount", 0) or 0):
        rows[Delivery.__tablename__] = ledger_count
    # The team's schedules remember who last saved them (to tell them of a pause): not them now.
    session.execute(
        update(Team)
        .where(Team.team_id == team_id, Team.settings_updated_by == user_id)
        .values(settings_updated_by=None)
        .execution_options(synchronize_session=False)
    )
    refresh_named_dates(session, team_id=team_id, person_ids=named)
    session.expire_all()
    return MemberRows(rows=rows, people=_forget_orphans(session, team_id=team_id))


def _forget_orphans(session: Session, *, team_id: str) -> int:
    """Delete the team's people that no entry and no other person points at; how many.

    A merge points only at people that are not merged themselves, so two rounds reach
    everything: first the merged orphans, then orphans that only they pointed at.
    """
    total = 0
    other = aliased(Person)
    for _ in range(3):
        gone = session.execute(
            delete(Person)
            .where(
                Person.team_id == team_id,
                ~exists().where(Connection.person_id == Person.id),
                ~exists().where(other.merged_into == Person.id),
            )
            .execution_options(synchronize_session=False)
        )
        count = int(getattr(gone, "rowcount", 0) or 0)
        total += count
        if not count:
            break
    return total
