"""Every logged connection (and its follow-up) as rows for `slackapp export` and
`/connect export`, in batches."""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.store.models import Connection, FollowUp


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One connection as `slackapp export` writes it."""

    team_id: str
    user_id: str
    principle: str
    platform: str
    who: str
    note: str
    link: str
    local_date: str
    created_at: str
    #: The entry's follow-up, if one was asked for: its day, where it stands, when answered.
    follow_up_due: str = ""
    follow_up_state: str = ""
    follow_up_answered_on: str = ""


EXPORT_FIELDS = tuple(ExportRow.__slots__)


def export_connections(
    session: Session,
    *,
    since: date | None = None,
    until: date | None = None,
    user_id: str | None = None,
    team_id: str | None = None,
    batch_size: int = 1000,
) -> Iterator[ExportRow]:
    """Every logged connection matching the filters, oldest first, streamed in batches."""
    query = (
        select(Connection, FollowUp)
        .outerjoin(FollowUp, FollowUp.connection_id == Connection.id)
        .order_by(Connection.local_date, Connection.id)
    )
    if since is not None:
        query = query.where(Connection.local_date >= since)
    if until is not None:
        query = query.where(Connection.local_date <= until)
    if user_id is not None:
        query = query.where(Connection.user_id == user_id)
    if team_id is not None:
        query = query.where(Connection.team_id == team_id)
    for row, follow_up in session.execute(query.execution_options(yield_per=batch_size)):
        yield ExportRow(
            team_id=row.team_id,
            user_id=row.user_id,
            principle=row.principle,
            platform=row.platform or "",
            who=row.who or "",
            note=row.note,
            link=row.link or "",
            local_date=row.local_date.isoformat(),
            created_at=row.created_at.isoformat(),
            follow_up_due=follow_up.due_date.isoformat() if follow_up else "",
            follow_up_state=follow_up.state if follow_up else "",
            follow_up_answered_on=(
                follow_up.answered_on.isoformat() if follow_up and follow_up.answered_on else ""
            ),
        )


#: What a spreadsheet reads as the start of a formula (OWASP's list): such a cell is prefixed
#: with an apostrophe, so a note like "=HYPERLINK(…)" opens as the text it was.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """`cell` as text a spreadsheet will not run as a formula."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def write_csv(out: TextIO, rows: Iterable[ExportRow]) -> int:
    """Write a header and `rows` as CSV, formula-safe; returns how many rows."""
    writer = csv.writer(out)
    writer.writerow(EXPORT_FIELDS)
    count = 0
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in dataclasses.astuple(row)])
        count += 1
    return count
