"""Team settings in the database: reading, saving, and the member nudge opt-out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import delete, event

from slackapp.domain.team_settings import (
    DigestMode,
    NudgeMode,
    SettingsUpdate,
    validate_settings,
)
from slackapp.store.db import Database
from slackapp.store.models import Member, Team
from slackapp.store.team_settings import get_settings, save_settings, set_member_nudges
from tests.domain.test_team_settings import VALID
from tests.support.factories import add_member, add_team

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


# --- reading and saving -----------------------------------------------------------------------


def test_an_unknown_team_reads_as_the_defaults_without_a_write(db: Database) -> None:
    with db.session_scope() as session:
        settings = get_settings(session, team_id="TNEW", default_timezone="Europe/Paris")
        assert session.get(Team, "TNEW") is None
    assert settings.timezone == "Europe/Paris"
    assert settings.work_days == frozenset(range(5))
    assert settings.daily_goal == 10
    assert settings.nudge_mode is NudgeMode.OFF
    assert settings.nudge_time == time(9, 0)
    assert settings.digest_mode is DigestMode.OFF


def test_save_stores_everything_and_who_saved_it(db: Database) -> None:
    update = validate_settings(replace(VALID, work_days=("0", "2", "4"), daily_goal="7"))
    assert isinstance(update, SettingsUpdate)
    with db.session_scope() as session:
        add_team(session)
        saved = save_settings(session, team_id="T1", update=update, user_id="UADMIN", now=NOW)
    with db.session_scope() as session:
        team = session.get(Team, "T1")
        assert team is not None
        assert team.timezone == "America/New_York"
        assert team.work_days_mask == 0b10101
        assert team.daily_goal == 7
        assert (team.nudge_mode, team.nudge_channel, team.nudge_time) == (
            "channel",
            "C100",
            "09:00",
        )
        assert (team.digest_mode, team.digest_channel, team.digest_time) == (
            "weekly",
            "C200",
            "16:30",
        )
        assert team.digest_weekday == 4
        assert team.settings_updated_by == "UADMIN"
        assert team.settings_updated_at == NOW
        assert get_settings(session, team_id="T1") == saved
    assert saved.work_days == frozenset({0, 2, 4})


def test_save_creates_a_team_that_has_no_row_yet(db: Database) -> None:
    update = validate_settings(VALID)
    assert isinstance(update, SettingsUpdate)
    with db.session_scope() as session:
        save_settings(session, team_id="TNEW", update=update, user_id="U1", now=NOW)
    with db.session_scope() as session:
        team = session.get(Team, "TNEW")
        assert team is not None and team.nudge_channel == "C100"


def test_saving_resumes_paused_schedules(db: Database) -> None:
    update = validate_settings(VALID)
    assert isinstance(update, SettingsUpdate)
    with db.session_scope() as session:
        team = add_team(session)
        team.nudge_channel, team.digest_channel = "C100", "C200"
        team.nudge_paused_reason = "I'm not in that private channel"
        team.digest_paused_reason = "the channel was archived"
    with db.session_scope() as session:
        saved = save_settings(session, team_id="T1", update=update, user_id="U1", now=NOW)
    assert saved.nudge_paused_reason is None
    assert saved.digest_paused_reason is None
    with db.session_scope() as session:
        stored = session.get(Team, "T1")
        assert stored is not None
        assert (stored.nudge_paused_reason, stored.digest_paused_reason) == (None, None)


def test_turning_a_schedule_off_keeps_its_channel_for_next_time(db: Database) -> None:
    first = validate_settings(VALID)
    off = validate_settings(
        replace(VALID, nudge_mode="off", nudge_channel=None, digest_mode="off", digest_channel=None)
    )
    assert isinstance(first, SettingsUpdate) and isinstance(off, SettingsUpdate)
    with db.session_scope() as session:
        save_settings(session, team_id="T1", update=first, user_id="U1", now=NOW)
        saved = save_settings(session, team_id="T1", update=off, user_id="U1", now=NOW)
    assert (saved.nudge_mode, saved.nudge_channel) == (NudgeMode.OFF, "C100")
    assert (saved.digest_mode, saved.digest_channel) == (DigestMode.OFF, "C200")


@pytest.mark.parametrize("mode", list(NudgeMode))
def test_members_opt_out_and_back_in(db: Database, mode: NudgeMode) -> None:
    with db.session_scope() as session:
        team = add_team(session)
        team.nudge_mode = mode.value
        team.nudge_channel = "C100" if mode is NudgeMode.CHANNEL else None
        team.nudge_time = "08:30"
        add_member(session, user_id="U2")
    with db.session_scope() as session:
        off = set_member_nudges(session, team_id="T1", user_id="U1", enabled=False, now=NOW)
    with db.session_scope() as session:
        member = session.get(Member, ("T1", "U1"))
        other = session.get(Member, ("T1", "U2"))
        assert member is not None and member.nudges_enabled is False
        assert other is not None and other.nudges_enabled is True
    assert (off.enabled, off.team_mode, off.nudge_time) == (False, mode, time(8, 30))
    with db.session_scope() as session:
        on = set_member_nudges(session, team_id="T1", user_id="U1", enabled=True, now=NOW)
    with db.session_scope() as session:
        member = session.get(Member, ("T1", "U1"))
        assert member is not None and member.nudges_enabled is True
    assert on.enabled is True


def test_settings_come_from_the_sessions_own_team_changes_and_all(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
    with db.session_scope() as session:
        team = session.get(Team, "T1")
        assert team is not None
        team.daily_goal = 7  # not flushed: the settings read must still see it
        statements: list[str] = []
        record = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert get_settings(session, team_id="T1").daily_goal == 7
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert statements == []  # the session's own Team: nothing to read, nothing flushed
        session.rollback()
        assert get_settings(session, team_id="T1").daily_goal == 10  # the row again


def test_a_team_deleted_behind_an_expired_object_reads_as_the_defaults(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session, daily_goal=4)
    with db.session_scope() as session:
        assert session.get(Team, "T1") is not None
        session.execute(delete(Team).where(Team.team_id == "T1"))
        session.expire_all()  # the Team stays in the identity map, its row gone
        assert get_settings(session, team_id="T1", default_goal=6).daily_goal == 6
