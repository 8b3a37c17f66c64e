"""What Slack's answers change about a team or a member: paused schedules, stopped teams."""

from __future__ import annotations

import time
from typing import Any

import pytest

from slackapp.domain.deliveries import DeliveryKind
from slackapp.store import teams
from slackapp.store.db import Database
from slackapp.store.models import Member, Team
from tests.scheduling.rig import TEAM, make_team
from tests.support.driver import SlackDriver
from tests.support.factories import add_member, add_team


# Follow-ups are DMs to one member: a refusal skips that member, never pauses a schedule.
@pytest.mark.parametrize("kind", [DeliveryKind.NUDGE, DeliveryKind.DIGEST])
def test_a_schedule_pauses_once(db: Database, kind: DeliveryKind) -> None:
    with db.session_scope() as session:
        add_team(session)
    with db.session_scope() as session:
        assert teams.pause_schedule(session, team_id="T1", kind=kind, reason="is_archived in C1")
    with db.session_scope() as session:
        assert not teams.pause_schedule(session, team_id="T1", kind=kind, reason="again")
        team = session.get(Team, "T1")
        assert team is not None
        paused = {
            DeliveryKind.NUDGE: team.nudge_paused_reason,
            DeliveryKind.DIGEST: team.digest_paused_reason,
        }
    assert paused[kind] == "is_archived in C1"
    assert [v for k, v in paused.items() if k is not kind] == [None]


@pytest.mark.parametrize(
    ("reason", "comes_back"),
    [
        ("token_revoked", True),
        ("account_inactive", True),
        ("invalid_auth", True),
        ("app_uninstalled", True),
        ("tokens_revoked", True),
        ("switched_off_by_operator", False),
    ],
)
def test_a_team_stopped_by_its_token_comes_back_when_the_token_works(
    db: Database, reason: str, comes_back: bool
) -> None:
    with db.session_scope() as session:
        add_team(session)
    with db.session_scope() as session:
        assert teams.deactivate_team(session, team_id="T1", reason=reason)
        assert not teams.deactivate_team(session, team_id="T1", reason=reason)
    with db.session_scope() as session:
        team = session.get(Team, "T1")
        assert team is not None and (team.is_active, team.inactive_reason) == (False, reason)
    with db.session_scope() as session:
        assert teams.reactivate_team(session, team_id="T1") is comes_back
        team = session.get(Team, "T1")
        assert team is not None and team.is_active is comes_back


@pytest.mark.parametrize(("is_bot", "flags"), [(True, (True, False)), (False, (False, True))])
def test_unreachable_members_are_flagged(
    db: Database, is_bot: bool, flags: tuple[bool, bool]
) -> None:
    with db.session_scope() as session:
        add_team(session)
        add_member(session, user_id="U1")
        add_member(session, user_id="U2")
    with db.session_scope() as session:
        teams.mark_member_unreachable(session, team_id="T1", user_id="U1", is_bot=is_bot)
    with db.session_scope() as session:
        one, two = session.get(Member, ("T1", "U1")), session.get(Member, ("T1", "U2"))
        assert one is not None and two is not None
        assert (one.is_bot, one.deleted) == flags
        assert (two.is_bot, two.deleted) == (False, False)


# -------------------------------------------------------------------------------------------
# Events that end a team's schedules
# -------------------------------------------------------------------------------------------


def wait_until_inactive(db: Database, *, timeout: float = 5.0) -> Team:
    deadline = time.monotonic() + timeout
    while True:
        with db.session_scope() as session:
            team = session.get(Team, TEAM)
            assert team is not None
        if not team.is_active or time.monotonic() > deadline:
            return team
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"type": "app_uninstalled"}, "app_uninstalled"),
        ({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}, "tokens_revoked"),
    ],
)
def test_uninstall_and_revoked_bot_tokens_make_the_team_inactive(
    slack: SlackDriver, event: dict[str, Any], reason: str
) -> None:
    make_team(slack.db)
    assert slack.event(event).status == 200
    team = wait_until_inactive(slack.db)
    assert (team.is_active, team.inactive_reason) == (False, reason)
    # The retention period starts now (the frozen clock): saved before the ack, like the rest.
    assert team.uninstalled_at == slack.clock.now


def test_an_uninstall_of_a_team_without_settings_still_starts_its_retention(
    slack: SlackDriver,
) -> None:
    # Members logged entries, but nobody ever saved the team: there is still data to delete.
    assert slack.event({"type": "app_uninstalled"}).status == 200
    team = wait_until_inactive(slack.db)
    assert (team.is_active, team.uninstalled_at) == (False, slack.clock.now)


def test_a_post_refused_for_a_bad_token_stops_schedules_but_starts_no_retention(
    slack: SlackDriver,
) -> None:
    make_team(slack.db)
    with slack.db.session_scope() as session:
        teams.deactivate_team(session, team_id=TEAM, reason="invalid_auth")
    team = wait_until_inactive(slack.db)
    assert team.uninstalled_at is None


def test_revoked_user_tokens_leave_the_team_active(slack: SlackDriver) -> None:
    make_team(slack.db)
    reply = slack.event({"type": "tokens_revoked", "tokens": {"oauth": ["U1"], "bot": []}})
    assert reply.status == 200
    time.sleep(0.3)
    team = wait_until_inactive(slack.db, timeout=0.2)
    assert team.is_active
