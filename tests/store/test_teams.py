"""What Slack's answers change about a team or a member: paused schedules, stopped teams."""

from __future__ import annotations

import pytest

from slackapp.domain.deliveries import DeliveryKind
from slackapp.store import teams
from slackapp.store.db import Database
from slackapp.store.models import Member, Team
from tests.support.factories import add_member, add_team


@pytest.mark.parametrize("kind", list(DeliveryKind))
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
