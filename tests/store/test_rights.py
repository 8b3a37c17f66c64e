"""forget_member: all of one member's rows, in one transaction; nobody else's."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from slackapp.store.db import Database
from slackapp.store.models import Delivery, Member, Team
from slackapp.store.rights import count_member_rows, forget_member, member_tables
from slackapp.store.tallies import mismatches
from tests.support.factories import add_connection, add_member, add_team

AT = datetime(2026, 11, 27, 9, tzinfo=UTC)


def dm(team_id: str, user_id: str, day: int, status: str) -> Delivery:
    return Delivery(
        team_id=team_id,
        kind="nudge",
        target=user_id,
        local_date=date(2026, 11, day),
        due_at=AT,
        status=status,
    )


def test_member_tables_are_every_table_with_team_and_user_ids() -> None:
    names = {table.name for table in member_tables()}
    assert {"connections", "members", "member_days", "member_totals"} <= names


def test_forgetting_a_member_leaves_teammates_and_in_flight_posts(db: Database) -> None:
    with db.session_scope() as session:
        team = add_team(session, team_id="T1")
        team.settings_updated_by = "U1"
        for user_id in ("U1", "U2"):
            add_member(session, team_id="T1", user_id=user_id)
            add_connection(session, team_id="T1", user_id=user_id)
        add_member(session, team_id="T2", user_id="U1")
        add_connection(session, team_id="T2", user_id="U1")
        session.add_all(
            [
                dm("T1", "U1", 25, "sent"),
                dm("T1", "U1", 26, "failed"),
                dm("T1", "U1", 27, "claimed"),  # being sent right now: it finishes on its own
                dm("T1", "U2", 27, "sent"),
            ]
        )
    with db.session_scope() as session:
        preview = count_member_rows(session, team_id="T1", user_id="U1")
        assert (preview.count("connections"), preview.count("members")) == (1, 1)
        assert preview.count("deliveries") == 2
    with db.session_scope() as session:
        gone = forget_member(session, team_id="T1", user_id="U1")
    assert gone.rows == preview.rows
    with db.session_scope() as session:
        assert session.get(Member, ("T1", "U1")) is None
        assert session.get(Member, ("T1", "U2")) is not None
        assert session.get(Member, ("T2", "U1")) is not None  # another workspace's member
        left = {(d.target, d.status) for d in session.scalars(select(Delivery))}
        assert left == {("U1", "claimed"), ("U2", "sent")}
        saved = session.get(Team, "T1")
        assert saved is not None and saved.settings_updated_by is None
        assert mismatches(session) == []
        assert count_member_rows(session, team_id="T1", user_id="U1").total == 0
