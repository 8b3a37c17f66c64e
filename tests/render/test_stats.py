"""The /mystats reply: Block Kit shape, today's bar, streaks, the week and the nudge."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from types import MappingProxyType

import pytest

from slackapp.domain.progress import MemberStats
from slackapp.domain.streaks import Streaks
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, PRINCIPLES, Principle
from slackapp.render import ids
from slackapp.render.stats import (
    BALANCED_NUDGE,
    NUDGES,
    mystats_message,
    nudge_text,
    streak_fields,
    today_text,
)
from tests.support.blockkit import all_text, assert_valid_message, elements

TODAY = date(2026, 11, 27)


def counts(*values: int) -> MappingProxyType[Principle, int]:
    return MappingProxyType(dict(zip(PRINCIPLE_ORDER, values, strict=True)))


def make_stats(**changes: object) -> MemberStats:
    stats = MemberStats(
        user_id="U1",
        today=TODAY,
        today_count=4,
        daily_goal=10,
        streaks=Streaks(goal_streak=3, active_streak=5, best_goal_streak=8, best_active_streak=12),
        week_counts=counts(6, 3, 0, 2),
        least_used=Principle.LAUGH,
        last_7_days=tuple((TODAY - timedelta(days=back), back) for back in range(6, -1, -1)),
        recent=(),
        total_all_time=40,
    )
    return replace(stats, **changes)  # type: ignore[arg-type]


def test_mystats_is_valid_and_shows_today_streaks_week_and_a_nudge() -> None:
    message = mystats_message(make_stats(), timezone="America/New_York")
    assert_valid_message(message)
    text = all_text(message.blocks)
    assert "*Today* · Fri 27 Nov\n*4/10*  ▰▰▰▰▱▱▱▱▱▱" in text
    assert "*Goal streak*\n3 work days :fire:" in text
    assert "*Active streak*\n5 work days" in text
    assert "*Best goal streak*\n8 work days" in text
    assert ":bulb: Solve a problem: *6*" in text and ":joy: Make them laugh: *0*" in text
    assert "*This week* · 11 in all" in text
    assert ":joy: *Make them laugh* is your quietest this week." in text
    assert "America/New_York" in text
    assert message.text.startswith("Today 4/10.")


def test_a_member_who_never_logged_gets_a_welcome_not_zeros() -> None:
    stats = make_stats(
        today_count=0,
        total_all_time=0,
        week_counts=counts(0, 0, 0, 0),
        streaks=Streaks(0, 0, 0, 0),
    )
    message = mystats_message(stats, timezone="UTC")
    assert_valid_message(message)
    text = all_text(message.blocks)
    assert "You haven't logged a connection yet" in text
    for principle in PRINCIPLE_ORDER:
        assert PRINCIPLES[principle].label in text
    assert "Goal streak" not in text
    assert elements(message.blocks, action_id=ids.OPEN_FORM_ACTION)


def test_huge_counts_stay_valid() -> None:
    stats = make_stats(
        today_count=10**9,
        week_counts=counts(10**9, 10**9, 10**9, 10**9),
        streaks=Streaks(10**6, 10**6, 10**6, 10**6),
        total_all_time=10**12,
    )
    message = mystats_message(stats, timezone="Pacific/Kiritimati")
    assert_valid_message(message)
    assert "1,000,000,000/10" in all_text(message.blocks)


@pytest.mark.parametrize(
    ("count", "goal", "bar", "cheer"),
    [
        (0, 10, "▱" * 10, False),
        (4, 10, "▰" * 4 + "▱" * 6, False),
        (10, 10, "▰" * 10, True),
        (25, 10, "▰" * 10, True),
    ],
)
def test_today_text(count: int, goal: int, bar: str, cheer: bool) -> None:
    text = today_text(today=TODAY, count=count, goal=goal)
    assert f"*{count}/{goal}*  {bar}" in text
    assert ("Goal reached" in text) is cheer


@pytest.mark.parametrize(
    ("days", "words"), [(0, "0 work days"), (1, "1 work day"), (2, "2 work days")]
)
def test_streak_fields_say_days_in_good_english(days: int, words: str) -> None:
    fields = streak_fields(Streaks(days, days, days, days))
    assert all(field["text"].split("\n")[1].startswith(words) for field in fields)


@pytest.mark.parametrize("principle", PRINCIPLE_ORDER)
def test_each_principle_has_several_distinct_nudges_in_our_words(principle: Principle) -> None:
    variants = NUDGES[principle]
    assert 2 <= len(variants) <= 3
    assert len(set(variants)) == len(variants)
    assert all(20 < len(v) < 200 for v in variants)


@pytest.mark.parametrize("principle", PRINCIPLE_ORDER)
def test_the_nudge_points_at_the_least_used_principle_and_varies_by_day(
    principle: Principle,
) -> None:
    week = counts(*(0 if p is principle else 3 for p in PRINCIPLE_ORDER))
    seen = set()
    for offset in range(len(NUDGES[principle])):
        text = nudge_text(week_counts=week, least_used=principle, today=TODAY + timedelta(offset))
        assert text.startswith(f"{PRINCIPLES[principle].emoji} *{PRINCIPLES[principle].label}*")
        tips = [tip for tip in NUDGES[principle] if tip in text]
        assert len(tips) == 1
        seen.add(tips[0])
    # Consecutive days walk through every variant.
    assert seen == set(NUDGES[principle])


def test_the_same_day_gives_the_same_words() -> None:
    week = counts(1, 0, 1, 1)
    first = nudge_text(week_counts=week, least_used=Principle.CARE, today=TODAY)
    assert nudge_text(week_counts=week, least_used=Principle.CARE, today=TODAY) == first


def test_a_balanced_week_is_praised_instead() -> None:
    text = nudge_text(week_counts=counts(2, 2, 2, 2), least_used=Principle.SOLVE, today=TODAY)
    assert text == BALANCED_NUDGE


def test_an_empty_week_is_a_fresh_start() -> None:
    text = nudge_text(week_counts=counts(0, 0, 0, 0), least_used=Principle.SOLVE, today=TODAY)
    assert text.startswith("A fresh week. Why not start with :bulb: *Solve a problem*?")
