"""Follow-ups, pure: the phrase in /connect text, the day it names, reply rates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slackapp.domain.followups import (
    MAX_DAYS,
    AnsweredFollowUp,
    FollowUpWhen,
    ReplyRate,
    due_date,
    form_when,
    reply_rates,
    take_follow_up,
)
from slackapp.domain.intents import IntentKind, interpret_connect
from slackapp.domain.parsing import parse_connect_text
from slackapp.domain.vocabulary import Principle

THURSDAY = date(2026, 3, 5)


@pytest.mark.parametrize(
    ("phrase", "due"),
    [
        ("follow up in 3 days", date(2026, 3, 8)),
        ("follow up 3d", date(2026, 3, 8)),
        ("follow-up in 3 days", date(2026, 3, 8)),
        ("followup tomorrow", date(2026, 3, 6)),
        ("Follow up TOMORROW", date(2026, 3, 6)),
        ("follow up friday", date(2026, 3, 6)),
        ("follow up on fri", date(2026, 3, 6)),
        ("follow up thursday", date(2026, 3, 12)),  # never today: next week's
        ("follow up next monday", date(2026, 3, 9)),
        ("follow up 1w", date(2026, 3, 12)),
        ("follow up in a week", date(2026, 3, 12)),
        ("follow up next week", date(2026, 3, 12)),
        ("follow up 2w", date(2026, 3, 19)),
        ("follow up in two weeks", date(2026, 3, 19)),
        ("follow up in 90 days", date(2026, 6, 3)),
    ],
)
def test_follow_up_phrases_name_a_day(phrase: str, due: date) -> None:
    parsed = parse_connect_text(f"solve @jane on twitter answered her question {phrase}")
    assert parsed.follow_up is not None
    assert due_date(parsed.follow_up, today=THURSDAY) == due
    assert parsed.note == "answered her question"
    assert parsed.who == "@jane"


@pytest.mark.parametrize(
    "text",
    [
        "solve follow up on the docs question",
        "solve follow up in 91 days",
        "solve follow up in 0 days",
        "solve follow up thursday-ish",
        "solve @jane follow up",
        "solve follow up on tomorrow",
        "solve https://example.com/follow-up-friday",
    ],
)
def test_what_is_not_a_follow_up_stays_in_the_note(text: str) -> None:
    parsed = parse_connect_text(text)
    assert parsed.follow_up is None
    assert "follow" in (parsed.note + (parsed.link or ""))


def test_the_phrase_may_sit_anywhere_and_only_the_first_counts() -> None:
    parsed = parse_connect_text("care follow up friday, thanked @sam for the post follow up 2w")
    assert parsed.follow_up == FollowUpWhen(weekday=4)
    assert parsed.note.endswith("for the post follow up 2w")
    assert "friday" not in parsed.note


def test_follow_up_words_are_not_a_sub_command() -> None:
    assert interpret_connect("followups off").kind is IntentKind.FOLLOWUPS_OFF
    assert interpret_connect("follow-ups on").kind is IntentKind.FOLLOWUPS_ON
    intent = interpret_connect("solve @jane answered follow up friday")
    assert intent.kind is IntentKind.LOG
    assert intent.parsed is not None and intent.parsed.follow_up == FollowUpWhen(weekday=4)


_phrases = st.sampled_from(
    ["follow up in 3 days", "follow up friday", "follow up 1w", "followup tomorrow", "follow-up 2w"]
)
_words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60
).filter(lambda t: "follow" not in t.casefold())


@given(before=_words, phrase=_phrases, after=_words)
def test_the_phrase_never_ends_up_in_the_note(before: str, phrase: str, after: str) -> None:
    parsed = parse_connect_text(f"solve {before} {phrase} {after}")
    assert parsed.follow_up is not None
    assert "follow" not in parsed.note.casefold()


@given(text=_words)
def test_text_without_the_phrase_parses_as_before(text: str) -> None:
    when, rest = take_follow_up(text)
    assert (when, rest) == (None, text)


@given(
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    days=st.integers(min_value=1, max_value=MAX_DAYS),
    weekday=st.integers(min_value=0, max_value=6),
)
def test_the_day_is_always_after_today_and_within_reach(
    today: date, days: int, weekday: int
) -> None:
    assert due_date(FollowUpWhen(days=days), today=today) == today + timedelta(days=days)
    on = due_date(FollowUpWhen(weekday=weekday), today=today)
    assert on.weekday() == weekday
    assert today < on <= today + timedelta(days=7)


def test_a_follow_up_is_days_or_a_weekday_never_both_or_neither() -> None:
    with pytest.raises(ValueError):
        FollowUpWhen()
    with pytest.raises(ValueError):
        FollowUpWhen(days=1, weekday=1)
    with pytest.raises(ValueError):
        FollowUpWhen(days=MAX_DAYS + 1)


def test_form_choices() -> None:
    assert form_when("none") is None
    assert form_when(None) is None
    assert form_when("bogus") is None
    assert form_when("3") == FollowUpWhen(days=3)
    assert form_when("14") == FollowUpWhen(days=14)


def _answer(
    person: int, replied: bool, principle: Principle, platform: str = "twitter"
) -> AnsweredFollowUp:
    return AnsweredFollowUp(("person", person), replied, principle, platform)


def test_reply_rates_count_people_not_follow_ups() -> None:
    rates = reply_rates(
        [
            _answer(1, False, Principle.SOLVE),
            _answer(1, True, Principle.SOLVE),  # Jane replied the second time: she replied
            _answer(2, False, Principle.CARE, "linkedin"),
            _answer(3, True, Principle.CARE, "linkedin"),
            _answer(4, True, Principle.CARE),
        ]
    )
    assert rates.overall == ReplyRate(replied=3, answered=4)
    assert rates.overall.percent == 75
    assert rates.by_principle[Principle.CARE] == ReplyRate(replied=2, answered=3)
    assert rates.by_platform["linkedin"] == ReplyRate(replied=1, answered=2)
    assert rates.best_principle is Principle.CARE


def test_no_answers_no_rate() -> None:
    rates = reply_rates([])
    assert rates.overall.percent is None
    assert rates.best_principle is None
    assert ReplyRate(replied=7, answered=12).percent == 58
