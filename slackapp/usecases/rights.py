"""A member's rights over their own data: a copy of their entries, and deleting all of it."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from sqlalchemy import func, select

from slackapp.domain.rights import MemberData
from slackapp.slack.posting import send_file_to_member
from slackapp.store.export import export_connections, write_csv
from slackapp.store.models import (
    Connection,
    Delivery,
    FollowUp,
    Member,
    MemberDay,
    MemberMonth,
    MemberTotal,
)
from slackapp.store.rights import MemberRows, count_member_rows, forget_member
from slackapp.usecases.deps import Deps

log = logging.getLogger(__name__)

#: Derived rows that go with the entries and are not worth a line of their own.
_DERIVED = frozenset(table.__tablename__ for table in (MemberDay, MemberMonth, MemberTotal))


@dataclass(frozen=True, slots=True)
class ExportSent:
    """The member's CSV reached their DM."""

    entries: int


@dataclass(frozen=True, slots=True)
class ExportFailed:
    """Slack refused the file or its DM; `reason` is Slack's error code or the failure's kind."""

    reason: str


def entry_count(deps: Deps, *, team_id: str, user_id: str) -> int:
    """How many entries the member has logged in this workspace."""
    with deps.db.read_scope() as session:
        found = session.scalar(
            select(func.count())
            .select_from(Connection)
            .where(Connection.team_id == team_id, Connection.user_id == user_id)
        )
    return int(found or 0)


def export_csv(deps: Deps, *, team_id: str, user_id: str) -> tuple[bytes, int]:
    """The member's own entries here, as `slackapp export` writes them; and how many."""
    out = io.StringIO()
    # However many entries: outside the read gate, so that boards never wait behind it.
    with deps.db.read_scope(take_turn=False) as session:
        count = write_csv(out, export_connections(session, team_id=team_id, user_id=user_id))
    return out.getvalue().encode("utf-8"), count


def send_export(
    deps: Deps, client: WebClient, *, team_id: str, user_id: str
) -> ExportSent | ExportFailed:
    """Upload the member's CSV into their DM with the app (after the command's ack)."""
    content, count = export_csv(deps, team_id=team_id, user_id=user_id)
    day = deps.now().date().isoformat()
    problem = send_file_to_member(
        client,
        user_id=user_id,
        content=content,
        filename=f"valueboard-{day}.csv",
        title=f"Your Valueboard entries ({day})",
        initial_comment=(
            f"Here are your {count:,} Valueboard entr{'y' if count == 1 else 'ies'}: "
            "only yours, with who each was for, the note and the link."
        ),
    )
    if problem is not None:
        log.warning("could not send %s/%s their export: %s", team_id, user_id, problem)
        return ExportFailed(problem)
    return ExportSent(count)


def _member_data(rows: MemberRows) -> MemberData:
    known = {
        Connection.__tablename__,
        Member.__tablename__,
        Delivery.__tablename__,
        *_DERIVED,
    }
    known.add(FollowUp.__tablename__)
    other = sum(n for table, n in rows.rows.items() if table not in known)
    return MemberData(
        entries=rows.count(Connection.__tablename__),
        follow_ups=rows.count(FollowUp.__tablename__),
        settings=rows.count(Member.__tablename__),
        scheduled_messages=rows.count(Delivery.__tablename__),
        people=rows.people,
        other=other,
    )


def held_data(deps: Deps, *, team_id: str, user_id: str) -> MemberData:
    """What forget-me would delete for the member now."""
    with deps.db.read_scope() as session:
        return _member_data(count_member_rows(session, team_id=team_id, user_id=user_id))


@dataclass(frozen=True, slots=True)
class NotYours:
    """A forget-me click by someone other than the member the question was shown to."""


def forget_me(
    deps: Deps, *, team_id: str, user_id: str, owner: str | None
) -> MemberData | NotYours:
    """Delete all of the member's data in one transaction (before the ack); what went.

    `owner` is whose question the button was on: anyone else's click (a forwarded or forged
    payload) deletes nothing.
    """
    if owner != user_id:
        log.warning("refused a forget-me click by %s/%s on %s's question", team_id, user_id, owner)
        return NotYours()
    with deps.db.session_scope() as session:
        rows = forget_member(session, team_id=team_id, user_id=user_id)
    log.info("member %s/%s asked to be forgotten: %d rows deleted", team_id, user_id, rows.total)
    return _member_data(rows)
