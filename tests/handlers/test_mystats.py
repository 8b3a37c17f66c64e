"""/mystats end to end: each member's own day, streaks and week, in their own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from slackapp.domain.vocabulary import Principle
from slackapp.render import ids
from slackapp.render.stats import NUDGES
from tests.support.blockkit import all_text, assert_valid_blocks, elements
from tests.support.driver import SlackDriver
from tests.support.factories import add_connections, add_team

# Ana (U1) lives in New York; the clock says Friday 27 November 2026, 10:00 there.
MON, TUE, WED, THU, FRI = (date(2026, 11, day) for day in range(23, 28))
PREVIOUS_FRI = date(2026, 11, 20)


def mystats(slack: SlackDriver, *, user: str = "U1") -> dict[str, Any]:
    reply = slack.command("", command="/mystats", user=user)
    assert reply.status == 200
    (response,) = slack.responses()
    assert response["response_type"] == "ephemeral"
    assert_valid_blocks(response["blocks"], limit=50)
    return response


def test_mystats_shows_today_streaks_the_week_and_a_nudge(slack: SlackDriver) -> None:
    team_id = slack.team_id
    with slack.db.session_scope() as session:
        add_team(session, team_id=team_id)
        # Goal met Tuesday to Thursday; Monday only started, which broke last Friday's goal
        # run but not the active one: the weekend between is skipped, not a miss.
        for day, count, principle in [
            (PREVIOUS_FRI, 10, Principle.SOLVE),
            (MON, 3, Principle.SOLVE),
            (TUE, 12, Principle.CARE),
            (WED, 10, Principle.SOLVE),
            (THU, 10, Principle.OPPORTUNITY),
        ]:
            add_connections(
                session, count, team_id=team_id, user_id="U1", principle=principle, local_date=day
            )
        # Someone else's work never counts toward Ana's numbers.
        add_connections(
            session, 30, team_id=team_id, user_id="U2", principle=Principle.LAUGH, local_date=FRI
        )
    for text in ["care thanked @sam for the launch post", "solve fixed @li's webhook"]:
        slack.command(text, user="U1")
    slack.responses(count=2)
    slack.standin.reset()

    response = mystats(slack)
    text = all_text(response["blocks"])
    assert "*Today* · Fri 27 Nov\n*2/10*  ▰▰▱▱▱▱▱▱▱▱" in text
    assert "*Goal streak*\n3 work days :fire:" in text
    assert "*Active streak*\n6 work days" in text
    assert "*Best goal streak*\n3 work days" in text
    assert "*Best active streak*\n6 work days" in text
    assert ":bulb: Solve a problem: *14*" in text
    assert ":heart: Show you care: *13*" in text
    assert ":joy: Make them laugh: *0*" in text
    assert ":dart: Embrace an opportunity: *10*" in text
    assert "*This week* · 37 in all" in text
    assert ":joy: *Make them laugh* is your quietest this week." in text
    assert any(tip in text for tip in NUDGES[Principle.LAUGH])
    assert "America/New_York" in text
    # Read-only: /mystats never posts anywhere else.
    assert not slack.standin.calls("chat.postMessage")


def test_each_member_counts_days_in_their_own_time_zone(slack: SlackDriver) -> None:
    # 03:00 UTC on Saturday: still Friday evening in New York, already Saturday in Berlin.
    slack.clock.now = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    with slack.db.session_scope() as session:
        add_team(session, team_id=slack.team_id)
        add_connections(session, 4, team_id=slack.team_id, user_id="U1", local_date=FRI)
        add_connections(session, 4, team_id=slack.team_id, user_id="U2", local_date=FRI)
    ana = all_text(mystats(slack, user="U1")["blocks"])
    slack.standin.reset()
    ben = all_text(mystats(slack, user="U2")["blocks"])
    assert "*Today* · Fri 27 Nov\n*4/10*" in ana
    assert "*Today* · Sat 28 Nov\n*0/10*" in ben
    assert "Europe/Berlin" in ben


def test_a_member_who_never_logged_is_welcomed(slack: SlackDriver) -> None:
    response = mystats(slack, user="U2")
    text = all_text(response["blocks"])
    assert "You haven't logged a connection yet" in text
    assert "*Four ways to give value*" in text
    assert elements(response["blocks"], action_id=ids.OPEN_FORM_ACTION)


@pytest.mark.parametrize("goal", [3, 10])
def test_the_daily_goal_comes_from_the_team(slack: SlackDriver, goal: int) -> None:
    with slack.db.session_scope() as session:
        add_team(session, team_id=slack.team_id, daily_goal=goal)
        add_connections(session, 3, team_id=slack.team_id, user_id="U1", local_date=FRI)
    text = all_text(mystats(slack)["blocks"])
    assert f"*3/{goal}*" in text
    assert ("Goal reached" in text) is (goal == 3)
