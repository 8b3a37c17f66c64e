"""Block Kit shape and wording of the daily nudge, checked with slack_sdk."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from types import MappingProxyType
from typing import Any

import pytest

from slackapp.domain.nudges import DayTally, MemberNudge, TeamNudge
from slackapp.domain.tips import tip_for
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, Principle
from slackapp.render.kit import Message
from slackapp.render.nudge import day_phrase, nudge_message
from tests.support.blockkit import assert_valid_message

FRI = date(2026, 11, 27)
MON = date(2026, 11, 30)


def counts(*values: int) -> MappingProxyType[Principle, int]:
    return MappingProxyType(dict(zip(PRINCIPLE_ORDER, values, strict=True)))


# --- builders ---------------------------------------------------------------------------------

TALLY = DayTally(day=FRI, total=23, people=4, goal=40, counts=counts(8, 6, 5, 4), days_off_total=3)


def team_nudge(**changes: Any) -> TeamNudge:
    principle = changes.pop("principle", Principle.OPPORTUNITY)
    nudge = TeamNudge(
        team_id="T1",
        day=MON,
        principle=principle,
        tip=tip_for(MON, principle=principle, salt="T1"),
        why="Being early means your help lands when it is needed.",
        question="How many real connections will you make today?",
        daily_goal=10,
        team=TALLY,
    )
    return replace(nudge, **changes)


def member_nudge(**changes: Any) -> MemberNudge:
    base = team_nudge()
    nudge = MemberNudge(
        team_id="T1",
        user_id="U1",
        display_name="Ana",
        day=MON,
        principle=base.principle,
        tip=base.tip,
        why=base.why,
        question=base.question,
        daily_goal=10,
        team=TALLY,
        own_count=6,
        own_days_off=0,
        goal_streak=0,
        active_streak=4,
        first_steps=None,
    )
    return replace(nudge, **changes)


# --- every payload is valid Block Kit ---------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        nudge_message(team_nudge()),
        nudge_message(team_nudge(team=replace(TALLY, total=0, people=0, days_off_total=0))),
        nudge_message(team_nudge(team=replace(TALLY, total=50))),
        nudge_message(member_nudge()),
        nudge_message(member_nudge(goal_streak=3, own_count=12, own_days_off=2)),
        nudge_message(member_nudge(first_steps="Start small.", display_name=None)),
        *(nudge_message(team_nudge(principle=p)) for p in Principle),
    ],
)
def test_messages_are_valid_block_kit(message: Message) -> None:
    assert_valid_message(message)


# --- nudge wording ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "today", "phrase"),
    [
        (date(2026, 11, 26), FRI, "yesterday"),
        (FRI, MON, "on Friday"),
        (date(2026, 11, 25), FRI, "on Wednesday"),
        (date(2026, 11, 23), MON, "last Monday"),
        (date(2026, 11, 2), MON, "on Monday 2 Nov"),
    ],
)
def test_day_phrase(day: date, today: date, phrase: str) -> None:
    assert day_phrase(day, today=today) == phrase


def test_nudge_layout() -> None:
    message = nudge_message(team_nudge())
    kinds = [b["type"] for b in message.blocks]
    assert kinds == ["header", "section", "context", "divider", "section", "section", "actions"]
    assert message.blocks[0]["text"]["text"] == ":dart: Today's principle: Embrace an opportunity"
    assert message.text.startswith("Today's principle: Embrace an opportunity.")
    tally = message.blocks[4]["text"]["text"]
    assert tally.startswith("On Friday the team made *23 real connections* from 4 people")
    assert ":bulb: 8   :heart: 6   :joy: 5   :dart: 4" in tally


def test_member_nudge_adds_their_own_line() -> None:
    message = nudge_message(member_nudge())
    assert len(message.blocks) == 8
    own = message.blocks[4]["text"]["text"]
    assert own.startswith("Hi Ana! *You* made 6 of your 10 on Friday.  ▰▰▰▰▰▰▱▱▱▱")
    assert "4-day run with at least one connection" in own
