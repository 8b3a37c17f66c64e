"""A channel that refuses us pauses that schedule, and its admin hears about it once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from slackapp.domain.team_settings import DigestMode, NudgeMode, SettingsUpdate
from slackapp.store.models import Team
from slackapp.store.team_settings import save_settings
from tests.scheduling.rig import (
    ADMIN,
    DIGESTS,
    MONDAY_NINE,
    NUDGES,
    TEAM,
    Rig,
    make_team,
    ny,
)


@pytest.mark.parametrize(
    ("setup", "code", "words"),
    [
        ("private", "channel_not_found", "/invite @Valueboard"),
        ("missing", "channel_not_found", "/invite @Valueboard"),
        ("archived", "is_archived", "archived"),
        ("join_refused", "not_in_channel", "/invite @Valueboard"),
    ],
)
def test_a_channel_that_refuses_us_pauses_that_schedule_and_tells_the_admin_once(
    rig: Rig, setup: str, code: str, words: str
) -> None:
    if setup == "private":
        rig.standin.add_channel(NUDGES, name="secret", is_private=True, is_member=False)
    elif setup == "missing":
        rig.standin.fail("chat.postMessage", "channel_not_found")
    elif setup == "archived":
        rig.standin.add_channel(NUDGES, name="old", is_archived=True)
    else:
        rig.standin.add_channel(NUDGES, name="nudges", is_member=False)
        rig.standin.fail("conversations.join", "restricted_action")
    make_team(rig.db, digest_mode="daily")
    report = rig.tick(MONDAY_NINE)

    team = rig.team()
    assert team.nudge_paused_reason is not None and code in team.nudge_paused_reason
    assert team.digest_paused_reason is None and team.is_active
    assert [(p.kind, p.channel, p.admin_told) for p in report.paused] == [("nudge", NUDGES, True)]
    assert [r.status for r in rig.rows()] == ["failed"]
    dms = rig.posts(ADMIN)
    assert len(dms) == 1
    message = str(dms[0].params["text"])
    assert words in message and "/connect settings" in message and f"<#{NUDGES}>" in message

    # The digest has its own channel and carries on; the paused nudge is not tried again.
    rig.tick(ny(2027, 3, 15, 16, 0))
    assert len(rig.posts(DIGESTS)) == 1
    before = len(rig.posts(NUDGES))
    rig.tick(MONDAY_NINE + timedelta(days=1))
    assert len(rig.posts(NUDGES)) == before
    assert len(rig.posts(ADMIN)) == 1


def test_saving_the_settings_resumes_a_paused_nudge_from_its_next_time(rig: Rig) -> None:
    rig.standin.add_channel(NUDGES, name="old", is_archived=True)
    make_team(rig.db)
    rig.tick(MONDAY_NINE)
    assert rig.team().nudge_paused_reason is not None
    rig.standin.add_channel("C0NEW", name="fresh")
    with rig.db.session_scope() as session:
        team = session.get(Team, TEAM)
        assert team is not None
        update = SettingsUpdate(
            timezone=team.timezone,
            work_days=frozenset(range(5)),
            daily_goal=10,
            nudge_mode=NudgeMode.CHANNEL,
            nudge_channel="C0NEW",
            nudge_time=datetime(2027, 1, 1, 9, 0).time(),  # noqa: DTZ001
            digest_mode=DigestMode.OFF,
            digest_channel=None,
            digest_time=datetime(2027, 1, 1, 16, 0).time(),  # noqa: DTZ001
            digest_weekday=4,
        )
        save_settings(
            session,
            team_id=TEAM,
            update=update,
            user_id=ADMIN,
            now=MONDAY_NINE + timedelta(minutes=20),
        )
    rig.tick(MONDAY_NINE + timedelta(minutes=21))
    assert rig.posts("C0NEW") == []  # today's 09:00 had passed when it was saved
    rig.tick(MONDAY_NINE + timedelta(days=1))
    assert len(rig.posts("C0NEW")) == 1


def test_with_nobody_to_tell_the_pause_is_still_recorded(rig: Rig) -> None:
    rig.standin.add_channel(NUDGES, name="old", is_archived=True)
    make_team(rig.db, admin=None)
    report = rig.tick(MONDAY_NINE)
    assert [p.admin_told for p in report.paused] == [False]
    assert rig.team().nudge_paused_reason is not None
