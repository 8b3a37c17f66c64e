"""/leaderboard and its Share button, end to end: signed requests in, Slack calls and rows out.

The clock (conftest) is Friday 27 November 2026, 15:00 UTC; the team keeps UTC, so "this week"
is Monday 23 to Friday 27 November.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from slackapp.domain.calendar import Window
from slackapp.domain.intents import BoardRequest, BoardUsage, parse_board_args
from slackapp.domain.vocabulary import Principle
from slackapp.render import ids
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.store.models import Connection
from tests.support.blockkit import all_text, assert_valid_blocks, elements
from tests.support.driver import SlackDriver
from tests.support.factories import add_connections, add_member, add_team

FRIDAY = date(2026, 11, 27)
MONDAY = date(2026, 11, 23)
LAST_MONTH = date(2026, 10, 14)

# ---------------------------------------------------------------------------------------------
# Reading the arguments (pure)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", BoardRequest()),
        ("   ", BoardRequest()),
        ("today", BoardRequest(Window.TODAY)),
        ("today care", BoardRequest(Window.TODAY, Principle.CARE)),
        ("care today", BoardRequest(Window.TODAY, Principle.CARE)),
        ("CARE  Today", BoardRequest(Window.TODAY, Principle.CARE)),
        ("laugh", BoardRequest(Window.WEEK, Principle.LAUGH)),
        ("all", BoardRequest(Window.ALL)),
        ("all time", BoardRequest(Window.ALL)),
        ("this week opportunity", BoardRequest(Window.WEEK, Principle.OPPORTUNITY)),
        ("last 7 days solve", BoardRequest(Window.LAST_7_DAYS, Principle.SOLVE)),
        ("30d :dart:", BoardRequest(Window.LAST_30_DAYS, Principle.OPPORTUNITY)),
        ("[month] [solve]", BoardRequest(Window.MONTH, Principle.SOLVE)),
        ("week, laughs", BoardRequest(Window.WEEK, Principle.LAUGH)),
        ("week week", BoardRequest(Window.WEEK)),
    ],
)
def test_arguments_in_any_order(text: str, expected: BoardRequest) -> None:
    assert parse_board_args(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bogus", BoardUsage(unknown=("bogus",))),
        ("today bogus care", BoardUsage(unknown=("bogus",))),
        ("today week", BoardUsage(clashes=("today", "week"))),
        ("care laugh", BoardUsage(clashes=("care", "laugh"))),
        ("help", BoardUsage()),
        ("?", BoardUsage()),
        ("week help", BoardUsage()),
    ],
)
def test_arguments_we_cannot_use(text: str, expected: BoardUsage) -> None:
    assert parse_board_args(text) == expected


# ---------------------------------------------------------------------------------------------
# End to end
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def team(slack: SlackDriver) -> SlackDriver:
    """Four members with different mixes; Ana (U1) and Ben (U2) log some through /connect."""
    slack.standin.add_user("U3", display_name="Cy", tz="Europe/London")
    slack.standin.add_user("U4", display_name="<!channel> Dee & co", tz="Asia/Tokyo")
    with slack.db.session_scope() as session:
        add_team(session, team_id=slack.team_id, timezone="UTC")
        for user_id, name in [
            ("U1", "Ana"),
            ("U2", "Ben"),
            ("U3", "Cy"),
            ("U4", "<!channel> Dee & co"),
        ]:
            add_member(session, team_id=slack.team_id, user_id=user_id, display_name=name)
        team_id = slack.team_id
        add_connections(
            session, 2, team_id=team_id, user_id="U1", principle=Principle.SOLVE, local_date=MONDAY
        )
        add_connections(
            session, 3, team_id=team_id, user_id="U2", principle=Principle.CARE, local_date=FRIDAY
        )
        add_connections(
            session, 2, team_id=team_id, user_id="U2", principle=Principle.CARE, local_date=MONDAY
        )
        add_connections(
            session, 2, team_id=team_id, user_id="U3", principle=Principle.LAUGH, local_date=FRIDAY
        )
        add_connections(
            session,
            10,
            team_id=team_id,
            user_id="U3",
            principle=Principle.OPPORTUNITY,
            local_date=LAST_MONTH,
        )
        add_connections(
            session, 1, team_id=team_id, user_id="U4", principle=Principle.SOLVE, local_date=MONDAY
        )
    # Through Slack: Ana logs a solve and a care today (her today: Friday in New York).
    slack.command("solve answered @jane's question about webhook retries", user="U1")
    slack.command("care thanked @sam for the launch post", user="U1")
    slack.responses(count=2)
    slack.standin.reset()
    return slack


def board_reply(slack: SlackDriver, text: str, *, user: str = "U1") -> dict[str, Any]:
    reply = slack.command(text, command="/leaderboard", user=user)
    assert reply.status == 200
    (response,) = slack.responses()
    assert response["response_type"] == "ephemeral"
    assert_valid_blocks(response["blocks"], limit=50)
    return response


def ranked_lines(response: dict[str, Any]) -> list[str]:
    text = all_text([b for b in response["blocks"] if b["type"] == "section"])
    return [line for line in text.splitlines() if "  ·  *" in line]


def connection_count(slack: SlackDriver) -> int:
    with slack.db.session_scope() as session:
        return session.scalar(select(func.count()).select_from(Connection)) or 0


def test_leaderboard_defaults_to_this_week_with_counts_and_the_team_goal(team: SlackDriver) -> None:
    response = board_reply(team, "")
    lines = ranked_lines(response)
    assert [line.split("  ")[1] for line in lines] == [
        "Ben",
        "Ana _(you)_",
        "Cy",
        "&lt;!channel&gt; Dee &amp; co",
    ]
    assert lines[0].startswith(":first_place_medal:") and "*5*" in lines[0]
    assert ":bulb: 3  :heart: 1  :joy: 0  :dart: 0" in lines[1]
    text = all_text(response["blocks"])
    assert "This week (Mon 23 – Fri 27 Nov)" in text
    # 4 members x 10 a day x 5 work days (Monday to Friday); 12 logged this week.
    assert "*Team total:* 12 of 200" in text
    # Names are display names, never mentions that would ping anyone.
    raw = text + response["text"]
    assert "<@" not in raw and "<!" not in raw
    (share,) = elements(response["blocks"], action_id=ids.SHARE_BOARD_ACTION)
    assert share["value"] == "week"
    assert not team.standin.calls("chat.postMessage")


@pytest.mark.parametrize("text", ["today care", "care today"])
def test_leaderboard_today_for_one_principle(team: SlackDriver, text: str) -> None:
    response = board_reply(team, text)
    lines = ranked_lines(response)
    assert [line.split("  ")[1] for line in lines] == ["Ben", "Ana _(you)_"]
    assert "*3* :heart:" in lines[0] and "*1* :heart:  _(2 in all)_" in lines[1]
    text_all = all_text(response["blocks"])
    assert "Today (Fri 27 Nov)  ·  only :heart: Show you care" in text_all
    # The team's progress covers every principle: 3 + 2 (Ben, Cy) + 2 (Ana) today.
    assert "*Team total:* 7 of 40" in text_all
    (share,) = elements(response["blocks"], action_id=ids.SHARE_BOARD_ACTION)
    assert share["value"] == "today care"


def test_leaderboard_all_time_includes_earlier_months(team: SlackDriver) -> None:
    response = board_reply(team, "all")
    lines = ranked_lines(response)
    assert lines[0].split("  ")[1] == "Cy" and "*12*" in lines[0]
    assert "All time" in all_text(response["blocks"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bogus", "I didn't recognise `bogus`"),
        ("today week", "you gave `today` and `week`"),
        ("help", "Here's what `/leaderboard` understands"),
    ],
)
def test_unknown_arguments_get_a_friendly_explanation_and_nothing_else(
    team: SlackDriver, text: str, expected: str
) -> None:
    before = connection_count(team)
    response = board_reply(team, text)
    shown = all_text(response["blocks"])
    assert expected in shown
    assert "`today`" in shown and "`care`" in shown
    assert "Team leaderboard" not in shown
    assert not elements(response["blocks"], action_id=ids.SHARE_BOARD_ACTION)
    assert connection_count(team) == before
    assert not team.standin.calls("chat.postMessage")


def test_a_caller_below_the_top_ten_sees_their_own_row(slack: SlackDriver) -> None:
    with slack.db.session_scope() as session:
        add_team(session, team_id=slack.team_id)
        for n in range(12):
            user_id = f"UX{n:02d}"
            add_member(session, team_id=slack.team_id, user_id=user_id, display_name=f"P{n:02d}")
            add_connections(
                session, 20 - n, team_id=slack.team_id, user_id=user_id, local_date=FRIDAY
            )
        add_connections(session, 1, team_id=slack.team_id, user_id="U1", local_date=FRIDAY)
    response = board_reply(slack, "today")
    lines = ranked_lines(response)
    assert len(lines) == 11
    assert lines[9].split("  ")[1] == "P09"
    assert lines[10].startswith("*13.*  Ana _(you)_")
    assert "⋯" in all_text(response["blocks"])


def share(slack: SlackDriver, value: str, *, user: str = "U1", channel: str = "C1") -> None:
    reply = slack.block_action(ids.SHARE_BOARD_ACTION, value=value, user=user, channel=channel)
    assert reply.status == 200


def test_share_posts_the_same_board_to_the_channel_saying_who_shared(team: SlackDriver) -> None:
    private = board_reply(team, "today care")
    (button,) = elements(private["blocks"], action_id=ids.SHARE_BOARD_ACTION)
    share(team, button["value"])
    (posted,) = team.standin.wait_for("chat.postMessage")
    assert posted.params["channel"] == "C1"
    blocks = posted.json_param("blocks")
    assert_valid_blocks(blocks, limit=50)
    text = all_text(blocks)
    assert ":mega: Shared by Ana" in text
    assert ranked_lines({"blocks": blocks}) == [
        line.replace(" _(you)_", "") for line in ranked_lines(private)
    ]
    assert "(you)" not in text and "<@" not in text
    assert not elements(blocks, action_id=ids.SHARE_BOARD_ACTION)
    # The private copy is removed: the board now lives in the channel.
    responses = team.responses(count=2)
    assert responses[-1].get("delete_original") is True


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found"])
def test_share_where_the_bot_cannot_post_says_so_kindly(team: SlackDriver, error: str) -> None:
    team.standin.fail("chat.postMessage", error)
    share(team, "week")
    (response,) = team.responses()
    assert response.get("replace_original") is False
    assert "couldn't post" in response["text"] or "can't post" in response["text"]
    if error == "not_in_channel":
        assert "/invite @Valueboard" in response["text"]
    # The failed attempt is the only one: nothing else was posted anywhere.
    assert len(team.standin.calls("chat.postMessage")) == 1


def test_share_in_a_channel_the_bot_left_uses_the_stand_ins_membership(
    team: SlackDriver, standin: SlackEmulator
) -> None:
    standin.add_channel("C9", name="marketing", is_member=False)
    share(team, "week", channel="C9")
    (response,) = team.responses()
    assert "/invite @Valueboard" in response["text"]
