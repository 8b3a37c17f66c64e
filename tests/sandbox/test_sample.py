"""Sample history: weeks of believable entries, tallies kept right, nothing added twice."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from slackapp.domain.team_settings import DigestMode, NudgeMode
from slackapp.sandbox.sample import fill_sample_history
from slackapp.sandbox.seed import ADMIN, MARKETING, MEMBERS, TEAM_ID
from slackapp.store.db import Database
from slackapp.store.models import Connection
from slackapp.store.tallies import mismatches
from slackapp.store.team_settings import get_settings

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def fill(db: Database) -> int:
    report = fill_sample_history(
        db, now=NOW, default_timezone=ADMIN.tz, daily_goal=10, daily_cap=50
    )
    return report.added


def test_every_member_gets_a_history_and_the_tallies_agree(db: Database) -> None:
    added = fill(db)

    with db.read_scope() as session:
        per_member = dict(
            session.execute(
                select(Connection.user_id, func.count()).group_by(Connection.user_id)
            ).all()
        )
        latest = session.scalar(select(func.max(Connection.created_at)))
        assert mismatches(session) == []
    assert set(per_member) == {m.user_id for m in MEMBERS}
    assert sum(per_member.values()) == added > 200
    assert per_member["U0ANA"] > per_member["U0KENJI"]
    assert latest is not None and latest <= NOW


def test_pressing_it_twice_adds_nothing(db: Database) -> None:
    fill(db)

    assert fill(db) == 0


def test_it_switches_on_a_nudge_and_a_digest_unless_an_admin_chose(db: Database) -> None:
    fill(db)

    with db.read_scope() as session:
        settings = get_settings(session, team_id=TEAM_ID)
    assert settings.nudge_mode is NudgeMode.CHANNEL
    assert settings.nudge_channel == MARKETING.channel_id
    assert settings.digest_mode is DigestMode.WEEKLY
    assert settings.updated_by == ADMIN.user_id
