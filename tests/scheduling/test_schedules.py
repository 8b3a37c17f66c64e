"""The teams' schedules as stored: a broken row or a settings change after a claim."""

from __future__ import annotations

from datetime import timedelta

from slackapp.store.models import Team
from tests.scheduling.rig import (
    MONDAY_NINE,
    NUDGES,
    TEAM,
    Rig,
    make_team,
)


def test_a_settings_change_after_the_claim_skips_a_retry(rig: Rig) -> None:
    make_team(rig.db)
    rig.standin.fail("chat.postMessage", "internal_error")
    rig.tick(MONDAY_NINE)
    with rig.db.session_scope() as session:
        team = session.get(Team, TEAM)
        assert team is not None
        team.nudge_mode = "off"
    report = rig.tick(MONDAY_NINE + timedelta(minutes=1))
    assert [line.detail for line in report.skipped] == ["nudge turned off"]
    assert len(rig.posts(NUDGES)) == 1


def test_one_broken_team_does_not_stop_the_others(rig: Rig) -> None:
    make_team(rig.db, team_id="T0BAD", nudge_time="25:99")
    make_team(rig.db, team_id="T0GOOD")
    report = rig.tick(MONDAY_NINE)
    assert [line.team_id for line in report.sent] == ["T0GOOD"]
