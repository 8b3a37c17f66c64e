"""Follow-ups: "did they reply?" asked on a day the member chose, and the reply rates it builds.

Pure code: reading the follow-up phrase out of `/connect` text, the day it names, the answers
and what each does, and the arithmetic of reply rates. No Slack, no store.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import StrEnum
from types import MappingProxyType

from slackapp.domain.vocabulary import Principle

__all__ = [
    "ASK_AGAIN_DAYS",
    "ASK_TIME",
    "FORM_CHOICES",
    "MAX_DAYS",
    "PER_MESSAGE",
    "Answer",
    "AnswerStatus",
    "Answered",
    "AnsweredFollowUp",
    "FollowUpItem",
    "FollowUpState",
    "FollowUpWhen",
    "ReplyRate",
    "ReplyRates",
    "ask_again",
    "due_date",
    "form_when",
    "reply_rates",
    "take_follow_up",
]

#: The local time the member is asked, on the due day.
ASK_TIME = time(9, 0)
#: "Still waiting" asks again this many days later.
ASK_AGAIN_DAYS = 3
#: The furthest ahead a follow-up may be set.
MAX_DAYS = 90
#: Follow-ups answered per DM at most; the rest are asked the next morning.
PER_MESSAGE = 10


class FollowUpState(StrEnum):
    """Where a follow-up stands; the value is what the database stores."""

    OPEN = "open"
    REPLIED = "replied"
    NO_REPLY = "no_reply"


class Answer(StrEnum):
    """The buttons of the follow-up DM; the value travels in the button."""

    REPLIED = "replied"
    NO_REPLY = "no_reply"
    WAITING = "waiting"


@dataclass(frozen=True, slots=True)
class FollowUpWhen:
    """When to ask: `days` after today, or on the next `weekday` (Monday = 0) after today."""

    days: int | None = None
    weekday: int | None = None

    def __post_init__(self) -> None:
        if (self.days is None) == (self.weekday is None):
            raise ValueError("a follow-up is either some days ahead or on a weekday")
        if self.days is not None and not 1 <= self.days <= MAX_DAYS:
            raise ValueError(f"a follow-up is 1 to {MAX_DAYS} days ahead")
        if self.weekday is not None and not 0 <= self.weekday <= 6:
            raise ValueError("weekday is 0 (Monday) to 6 (Sunday)")


def due_date(when: FollowUpWhen, *, today: date) -> date:
    """The member's local day to ask on: always after `today`."""
    if when.days is not None:
        return today + timedelta(days=when.days)
    assert when.weekday is not None
    ahead = (when.weekday - today.weekday()) % 7
    return today + timedelta(days=ahead or 7)


#: The form's "Follow up" choices: option value -> (label, days ahead); "none" asks nothing.
FORM_CHOICES: Mapping[str, tuple[str, int | None]] = MappingProxyType(
    {
        "none": ("No follow-up", None),
        "1": ("Tomorrow", 1),
        "3": ("In 3 days", 3),
        "7": ("In a week", 7),
        "14": ("In two weeks", 14),
    }
)

_WEEKDAYS = {
    name: n
    for n, names in enumerate(
        (
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        )
    )
    for name in names
}
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_UNITS = {
    "d": 1,
    "day": 1,
    "days": 1,
    "w": 7,
    "wk": 7,
    "wks": 7,
    "week": 7,
    "weeks": 7,
}

# "follow up", "follow-up", "followup", then an optional "in"/"on"/"next", then the when.
# Each piece stops at a space or the next word, so a match attempt is linear.
_PHRASE_RE = re.compile(
    r"(?<![\w@/.])follow[\s-]?up\s+"
    r"(?:(?P<prep>in|on|next|this|after)\s+)?"
    r"(?:(?P<count>\d{1,3}|an?|one|two|three|four|five|six)\s*"
    r"(?P<unit>days?|d|weeks?|wks?|wk|w)"
    r"|(?P<word>tomorrow|tmrw|week|monday|mon|tuesday|tues|tue|wednesday|wed|thursday|thurs"
    r"|thur|thu|friday|fri|saturday|sat|sunday|sun))"
    r"(?![\w@/-])",
    re.IGNORECASE,
)


def _when_of(match: re.Match[str]) -> FollowUpWhen | None:
    prep = (match.group("prep") or "").casefold()
    word = (match.group("word") or "").casefold()
    if word:
        if word in {"tomorrow", "tmrw"}:
            return None if prep else FollowUpWhen(days=1)
        if word == "week":
            # "follow up next week" / "in a week" reads as seven days.
            return FollowUpWhen(days=7) if prep in {"next", "in", "after"} else None
        weekday = _WEEKDAYS[word]
        if prep == "next":
            return FollowUpWhen(weekday=weekday)
        return FollowUpWhen(weekday=weekday) if prep in {"", "on", "this"} else None
    if prep in {"on", "this", "next"}:
        return None
    count_text = match.group("count").casefold()
    count = int(count_text) if count_text.isdigit() else _NUMBERS[count_text]
    days = count * _UNITS[match.group("unit").casefold()]
    if not 1 <= days <= MAX_DAYS:
        return None
    return FollowUpWhen(days=days)


def take_follow_up(text: str, *, gap: str = " ") -> tuple[FollowUpWhen | None, str]:
    """The first follow-up phrase in `text` and the text with `gap` in its place.

    The text comes back unchanged when it asks for no follow-up (or for one we cannot read:
    those words stay in the note, so nothing is lost).
    """
    for match in _PHRASE_RE.finditer(text):
        when = _when_of(match)
        if when is not None:
            return when, text[: match.start()] + gap + text[match.end() :]
    return None, text


def form_when(value: str | None) -> FollowUpWhen | None:
    """The follow-up a form choice asks for (None for "none", unknown or empty)."""
    label_days = FORM_CHOICES.get(value or "none")
    if label_days is None or label_days[1] is None:
        return None
    return FollowUpWhen(days=label_days[1])


def ask_again(*, today: date) -> date:
    """The next day to ask after "Still waiting" on `today`."""
    return today + timedelta(days=ASK_AGAIN_DAYS)


@dataclass(frozen=True, slots=True)
class ReplyRate:
    """Of the people whose follow-ups were answered, how many replied."""

    replied: int = 0
    answered: int = 0

    @property
    def percent(self) -> int | None:
        """Whole percent replied, or None with nothing answered."""
        if not self.answered:
            return None
        return round(100 * self.replied / self.answered)


@dataclass(frozen=True, slots=True)
class ReplyRates:
    """A member's (or team's) reply rate, overall and per principle and platform."""

    overall: ReplyRate = field(default_factory=ReplyRate)
    by_principle: Mapping[Principle, ReplyRate] = field(default_factory=dict)
    by_platform: Mapping[str, ReplyRate] = field(default_factory=dict)

    @property
    def best_principle(self) -> Principle | None:
        """The principle that gets the most replies (then the best rate); None without replies."""
        ranked = [
            (rate.replied, rate.replied / rate.answered, principle)
            for principle, rate in self.by_principle.items()
            if rate.replied
        ]
        if not ranked:
            return None
        ranked.sort(key=lambda item: (-item[0], -item[1], item[2].value))
        return ranked[0][2]


@dataclass(frozen=True, slots=True)
class FollowUpItem:
    """One follow-up as the DM, the Home and the answers show it."""

    id: int
    user_id: str
    due_date: date
    state: FollowUpState
    asked_for: date | None
    principle: Principle
    who: str | None
    platform: str | None
    note: str
    link: str | None
    logged_on: date


class AnswerStatus(StrEnum):
    """What became of a click on one of the DM's buttons."""

    DONE = "done"
    ALREADY_ANSWERED = "already_answered"  # a second click, or the other button after one
    ALREADY_MOVED = "already_moved"  # "Still waiting" was clicked already: asked again later
    NOT_YOURS = "not_yours"  # someone else's follow-up (a forwarded or forged payload)
    GONE = "gone"  # its entry was deleted since


@dataclass(frozen=True, slots=True)
class Answered:
    """The outcome of an answer, with the follow-up as it stands now (None when gone)."""

    status: AnswerStatus
    item: FollowUpItem | None
    answer: Answer


@dataclass(frozen=True, slots=True)
class AnsweredFollowUp:
    """One answered follow-up, as reply rates count it: whom (a person key), and the answer."""

    person: tuple[str, int]  # ("person", root id), or ("followup", id) when it named nobody
    replied: bool
    principle: Principle
    platform: str


def _rate(answers: list[AnsweredFollowUp]) -> ReplyRate:
    # Per person: someone counts as having replied if any follow-up to them got a reply.
    people: dict[tuple[str, int], bool] = {}
    for answer in answers:
        people[answer.person] = people.get(answer.person, False) or answer.replied
    return ReplyRate(replied=sum(people.values()), answered=len(people))


def reply_rates(answers: list[AnsweredFollowUp]) -> ReplyRates:
    """Reply rates over people: overall, per principle and per platform."""
    by_principle: dict[Principle, list[AnsweredFollowUp]] = {}
    by_platform: dict[str, list[AnsweredFollowUp]] = {}
    for answer in answers:
        by_principle.setdefault(answer.principle, []).append(answer)
        by_platform.setdefault(answer.platform, []).append(answer)
    return ReplyRates(
        overall=_rate(answers),
        by_principle={p: _rate(group) for p, group in by_principle.items()},
        by_platform={p: _rate(group) for p, group in by_platform.items()},
    )
