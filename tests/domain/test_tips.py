"""Tests for the daily nudge's teaching content and its rotation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from itertools import pairwise

import pytest

from slackapp.domain import tips
from slackapp.domain.tips import (
    DAILY_QUESTIONS,
    FIRST_STEPS_LINES,
    QUIET_PERIOD_LINES,
    TIPS,
    WHY_IT_MATTERS,
    Tip,
    daily_question,
    first_steps_line,
    principle_of_the_day,
    quiet_period_line,
    tip_for,
    why_it_matters,
)
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, PRINCIPLES, Principle

MON_FRI = frozenset(range(5))
ALL_WEEK = frozenset(range(7))
SALTS = ("", "T0123ABC", "U9ZZZ", "team-42", "\u00e9quipe")
START = date(2024, 1, 1)
TWO_YEARS = 2 * 366


def _days(start: date, count: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(count)]


# --- content ---------------------------------------------------------------------------------


def test_every_principle_has_at_least_ten_distinct_tips() -> None:
    assert set(TIPS) == set(Principle)
    for principle, texts in TIPS.items():
        assert len(texts) >= tips.MIN_TIPS_PER_PRINCIPLE >= 10, principle
        assert len(set(texts)) == len(texts), principle


def test_no_tip_text_is_shared_between_principles() -> None:
    everything = [text for texts in TIPS.values() for text in texts]
    assert len(everything) == len(set(everything))


@pytest.mark.parametrize(
    "text",
    [text for texts in TIPS.values() for text in texts]
    + list(WHY_IT_MATTERS.values())
    + list(DAILY_QUESTIONS)
    + list(QUIET_PERIOD_LINES)
    + list(FIRST_STEPS_LINES),
)
def test_people_text_is_short_clean_and_quote_free(text: str) -> None:
    assert text == text.strip()
    assert "  " not in text
    assert 20 <= len(text) <= 220
    assert text[0].isupper()
    assert text[-1] in ".?!"
    # No attributed quotations: our own words only.
    assert '"' not in text
    assert " - " not in text


def test_tips_are_one_or_two_sentences() -> None:
    for texts in TIPS.values():
        for text in texts:
            endings = sum(text.count(mark) for mark in (". ", "? ", "! ")) + 1
            assert endings <= 2, text


def test_tips_mention_a_variety_of_platforms() -> None:
    platforms: tuple[str, ...] = ("LinkedIn", "Reddit", "X ", "Instagram", "TikTok", "YouTube")
    platforms += ("Facebook", "Threads", "Bluesky", "Mastodon")
    everything = " ".join(text for texts in TIPS.values() for text in texts) + " "
    for name in platforms:
        assert name in everything, name
    for principle, texts in TIPS.items():
        named = {name for name in platforms if any(name in f"{text} " for text in texts)}
        assert len(named) >= 5, principle


def test_why_it_matters_covers_every_principle() -> None:
    assert set(WHY_IT_MATTERS) == set(Principle)
    for principle in Principle:
        assert why_it_matters(principle) == WHY_IT_MATTERS[principle]
    assert len(set(WHY_IT_MATTERS.values())) == len(Principle)


@pytest.mark.parametrize(
    ("lines", "minimum"),
    [(DAILY_QUESTIONS, 6), (QUIET_PERIOD_LINES, 6), (FIRST_STEPS_LINES, 4)],
)
def test_line_pools_are_big_enough_and_distinct(lines: tuple[str, ...], minimum: int) -> None:
    assert len(lines) >= minimum
    assert len(set(lines)) == len(lines)


def test_daily_questions_are_questions_about_connections() -> None:
    for question in DAILY_QUESTIONS:
        assert question.endswith("?")
    assert sum("connection" in q for q in DAILY_QUESTIONS) >= len(DAILY_QUESTIONS) // 2


def test_content_cannot_be_mutated() -> None:
    with pytest.raises(TypeError):
        TIPS[Principle.SOLVE] = ()  # type: ignore[index]


# --- principle_of_the_day --------------------------------------------------------------------


@pytest.mark.parametrize(
    "work_days",
    [
        MON_FRI,
        ALL_WEEK,
        frozenset({0, 1, 2, 3}),
        frozenset({1, 2, 3, 4, 5}),
        frozenset({6, 0, 2, 4}),
    ],
)
def test_every_week_shows_all_four_principles(work_days: frozenset[int]) -> None:
    monday = START
    for _ in range(110):
        shown = [
            principle_of_the_day(day, work_days=work_days)
            for day in _days(monday, 7)
            if day.weekday() in work_days
        ]
        assert set(shown) == set(Principle), monday
        # With five work days one principle gets two days; nobody gets three.
        assert max(Counter(shown).values()) <= 2
        monday += timedelta(days=7)


def test_week_across_new_year_still_shows_all_four() -> None:
    monday = date(2026, 12, 28)
    shown = {principle_of_the_day(day, work_days=MON_FRI) for day in _days(monday, 5)}
    assert shown == set(Principle)


def test_rotation_moves_principles_between_weekdays() -> None:
    mondays = {
        principle_of_the_day(START + timedelta(weeks=w), work_days=MON_FRI) for w in range(4)
    }
    assert mondays == set(Principle)


def test_principle_of_the_day_is_deterministic_even_on_days_off() -> None:
    saturday = date(2025, 3, 15)
    assert saturday.weekday() == 5
    first = principle_of_the_day(saturday, work_days=MON_FRI)
    assert first in PRINCIPLE_ORDER
    assert principle_of_the_day(saturday, work_days=MON_FRI) == first
    assert principle_of_the_day(saturday, work_days=frozenset()) in PRINCIPLE_ORDER


# --- tip_for ---------------------------------------------------------------------------------


def test_tip_for_returns_a_tip_of_the_asked_principle() -> None:
    for principle in Principle:
        tip = tip_for(START, principle=principle, salt="T1")
        assert isinstance(tip, Tip)
        assert tip.principle is principle
        assert TIPS[principle][tip.index] == tip.text


def test_tip_for_is_deterministic() -> None:
    day = date(2025, 6, 17)
    for salt in SALTS:
        for principle in Principle:
            assert tip_for(day, principle=principle, salt=salt) == tip_for(
                day, principle=principle, salt=salt
            )


@pytest.mark.parametrize("work_days", [MON_FRI, ALL_WEEK, frozenset({0, 1, 2, 3, 4, 5})])
@pytest.mark.parametrize("salt", SALTS)
def test_no_tip_repeats_within_any_thirty_days(work_days: frozenset[int], salt: str) -> None:
    # Every day over two years and a month, then every 30-day window starting in those two years.
    shown: list[tuple[Principle, int] | None] = []
    for day in _days(START, TWO_YEARS + 30):
        if day.weekday() in work_days:
            principle = principle_of_the_day(day, work_days=work_days)
            shown.append((principle, tip_for(day, principle=principle, salt=salt).index))
        else:
            shown.append(None)
    for start in range(TWO_YEARS):
        window = [item for item in shown[start : start + 30] if item is not None]
        assert len(window) == len(set(window)), START + timedelta(days=start)


def test_every_tip_gets_its_turn() -> None:
    for salt in SALTS:
        seen: dict[Principle, set[int]] = {p: set() for p in Principle}
        for day in _days(START, 366):
            if day.weekday() in MON_FRI:
                principle = principle_of_the_day(day, work_days=MON_FRI)
                seen[principle].add(tip_for(day, principle=principle, salt=salt).index)
        for principle, indexes in seen.items():
            assert indexes == set(range(len(TIPS[principle]))), (salt, principle)


def test_salt_shifts_the_cycle() -> None:
    day = date(2025, 9, 3)
    by_salt = {
        salt: tuple(tip_for(day, principle=p, salt=salt).index for p in Principle) for salt in SALTS
    }
    assert len(set(by_salt.values())) > 1


def test_tip_changes_from_one_showing_to_the_next() -> None:
    for principle in Principle:
        showings = [
            day
            for day in _days(START, 60)
            if principle_of_the_day(day, work_days=MON_FRI) is principle
            and day.weekday() in MON_FRI
        ]
        indexes = [tip_for(day, principle=principle, salt="x").index for day in showings]
        assert all(a != b for a, b in pairwise(indexes))


# --- daily lines -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pick", "pool"),
    [
        (daily_question, DAILY_QUESTIONS),
        (quiet_period_line, QUIET_PERIOD_LINES),
        (first_steps_line, FIRST_STEPS_LINES),
    ],
)
def test_daily_lines_rotate_through_the_whole_pool(
    pick: Callable[[date], str], pool: tuple[str, ...]
) -> None:
    picked = [pick(day) for day in _days(START, len(pool))]
    assert sorted(picked) == sorted(pool)
    assert [pick(day) for day in _days(START, 3)] == picked[:3]
    for a, b in pairwise(picked):
        assert a != b


def test_principle_labels_exist_for_everything_tips_use() -> None:
    # tips.py leans on principles.py for display; make sure the two agree on the set.
    assert set(TIPS) == set(PRINCIPLES)
