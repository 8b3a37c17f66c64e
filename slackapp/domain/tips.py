"""What the daily nudge teaches: one principle a day, a tip for it, and a question to start on.

Everything here is a pure function of the date (plus an optional salt), so every process that
sends a nudge picks the same words without sharing any state.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from slackapp.domain.vocabulary import PRINCIPLE_ORDER, Principle

__all__ = [
    "DAILY_QUESTIONS",
    "FIRST_STEPS_LINES",
    "MIN_TIPS_PER_PRINCIPLE",
    "QUIET_PERIOD_LINES",
    "TIPS",
    "WHY_IT_MATTERS",
    "Tip",
    "daily_question",
    "first_steps_line",
    "principle_of_the_day",
    "quiet_period_line",
    "tip_for",
    "why_it_matters",
]


@dataclass(frozen=True, slots=True)
class Tip:
    """One tip: which principle it teaches and where it sits in that principle's list."""

    principle: Principle
    index: int
    text: str


#: tip_for's no-repeat guarantee needs at least this many tips per principle (see _tip_slot).
MIN_TIPS_PER_PRINCIPLE = 10

TIPS: Mapping[Principle, tuple[str, ...]] = MappingProxyType(
    {
        Principle.SOLVE: (
            "Search LinkedIn for a question in your niche that has sat unanswered for a day, "
            "and answer it fully in the comments, no link needed.",
            "Find a Reddit thread where someone is stuck on a problem your team knows well, "
            "and write the step-by-step reply you wish they'd had from the start.",
            "Take the question your support team heard most this week and turn it into a short "
            "post on X that puts the fix in the very first line.",
            "Look through your Instagram comments for a \u201chow do I\u2026?\u201d and reply "
            "with the actual answer instead of \u201cDM us\u201d.",
            "Film a 30-second TikTok or Reel that fixes one small, annoying problem your "
            "customers keep running into.",
            "Pick a YouTube comment asking for help under one of your videos and reply with the "
            "exact step or timestamp they need.",
            "Help someone troubleshoot in a Facebook group you belong to, even if the best answer "
            "is a free tool that isn't yours.",
            "When someone on Threads or Bluesky vents about a fiddly task, reply with one "
            "practical shortcut that makes it easier today.",
            "Ask your LinkedIn network what's blocking them this week, then pick one reply and "
            "solve it in public.",
            "Find one complaint in your mentions and answer it with a concrete fix and a real "
            "name to follow up with, not a template.",
            "Make a short Instagram carousel that answers \u201cwhat should I do first?\u201d for "
            "a beginner in your field.",
            "Answer a question on Mastodon or a community forum that sits next to your product "
            "rather than about it; that kind of help travels further than a pitch.",
        ),
        Principle.CARE: (
            "Comment on a customer's LinkedIn post with one specific detail you liked, so they "
            "can tell you really read it.",
            "Reshare a small creator's Instagram post about your industry and add one line on "
            "why it helped you.",
            "When someone in your audience announces a new job, launch or milestone on X, send "
            "a warm congratulations reply.",
            "Reply to a first-time commenter on your TikTok by name and thank them for something "
            "specific they said.",
            "Think of someone in your community who had a rough week and check in with a short "
            "message that asks for nothing.",
            "Thank a critic on Facebook for their honest feedback and tell them what you'll "
            "change because of it.",
            "Feature a customer's work in your Instagram Stories, tag them, and say in a "
            "sentence what makes it good.",
            "Find a thoughtful YouTube comment that nobody has answered for a few days, heart "
            "it, and write a real reply.",
            "Remember something a follower mentioned earlier, like a launch, a trip or a new "
            "puppy, and ask them how it went.",
            "Write an unprompted LinkedIn recommendation for a partner or community member whose "
            "work you admire.",
            "When someone on Threads or Bluesky shares a win, ask them how they pulled it off; "
            "being asked feels like being seen.",
            "Reply to every comment on your latest post today, including the one-word ones and "
            "the emoji-only ones.",
        ),
        Principle.LAUGH: (
            "Share a relatable \u201cplan vs. what actually happened\u201d moment from your "
            "team's week in your Instagram Stories.",
            "Post a gentle joke on LinkedIn about a frustration everyone in your industry shares, "
            "laughing with your audience and never at them.",
            "Answer a funny comment on your TikTok with a video reply that plays along with the "
            "joke.",
            "Caption a behind-the-scenes photo on Instagram with the honest, slightly ridiculous "
            "story of how it was taken.",
            "Run a poll on X with three sensible options and one absurd one, then reply warmly "
            "to everyone who picks the absurd one.",
            "Turn a common mix-up in your field into a friendly meme for Facebook, making sure "
            "no real person is the punchline.",
            "Answer a playful question in your mentions with a playful reply instead of the "
            "official voice.",
            "Post the blooper from your last video shoot as a YouTube Short or a Reel.",
            "Give the most boring feature you sell a dramatic movie-trailer description in a "
            "Threads post.",
            "Join a trending TikTok format only if you can give it a twist that truly fits your "
            "audience, then go and reply to the people who laugh.",
            "Start a \u201cthings only people in our line of work understand\u201d thread on "
            "Bluesky and invite replies.",
            "If a post of yours goes out with a typo, own it with a smile in the replies; a "
            "little self-mockery makes a brand feel human.",
        ),
        Principle.OPPORTUNITY: (
            "Save a search on X or Bluesky for the exact question your product answers, and "
            "check it before lunch.",
            "Keep your three most useful guides in one easy-to-reach place so you can drop the "
            "right one into a thread within minutes.",
            "Read the comments under an industry leader's LinkedIn post and answer a question "
            "nobody else has picked up yet.",
            "Watch Facebook and LinkedIn groups for \u201cdoes anyone know a tool for\u2026?\u201d "
            "and reply with honest options, yours only if it truly fits.",
            "When news breaks in your field, post a calm, short explainer on Threads while "
            "people are still asking what it means.",
            "Turn an unanswered Reddit question into tomorrow's post, then go back and share it "
            "with the person who asked.",
            "Scan the comments under trending TikToks in your niche and reply to the earliest "
            "questions with a clear answer.",
            "Write a one-page answer to the question you get every month, so next time you can "
            "reply in seconds.",
            "When someone on LinkedIn says they're starting something new, offer the one "
            "resource you'd want on day one.",
            "Check this week's hashtags in your space on Instagram and prepare a ready-to-post "
            "answer to the question that keeps coming up.",
            "When a customer shares a clever workaround on Instagram, ask if you can feature it, "
            "and credit them when you do.",
            "Look for follow-up questions under YouTube tutorials in your area that the creator "
            "never answered, and answer one.",
        ),
    }
)

WHY_IT_MATTERS: Mapping[Principle, str] = MappingProxyType(
    {
        Principle.SOLVE: "Getting someone unstuck earns trust faster than any ad, and people "
        "remember who helped them when it mattered.",
        Principle.CARE: "People can feel real attention, and that attention is what turns a "
        "follower into someone who would vouch for you.",
        Principle.LAUGH: "A shared laugh lowers everyone's guard, and people come back to the "
        "accounts that make their day a little lighter.",
        Principle.OPPORTUNITY: "Being early and ready means your help lands at the moment it is "
        "needed most, before the question goes cold.",
    }
)

DAILY_QUESTIONS: tuple[str, ...] = (
    "How many real connections will you make today?",
    "Who are the ten people you'll give something useful to today?",
    "What's your number of real connections for today, and where will the first one happen?",
    "If today goes well, how many people will be a little better off because of you?",
    "Which platform are you starting on today, and how many real connections are you aiming for?",
    "Who is one person you can help before lunch, and how many more will you reach after that?",
    "What count of real connections would make today feel like a win?",
    "Ten real connections is the habit: which one will you make first?",
)

QUIET_PERIOD_LINES: tuple[str, ...] = (
    "A quiet stretch happens to everyone. One real connection today is all it takes to get "
    "the board moving again.",
    "Nothing was logged this time, and that's okay. Pick one person to help today and start fresh.",
    "The board is empty, which means the next connection is the first one. Who will it be?",
    "Quiet periods are a good moment to reset: answer one question, thank one person, share "
    "one laugh.",
    "No connections logged yet. Small moments add up quickly once the first one is on the board.",
    "Think of this as a blank page, not a bad score. Log your next real connection and watch it "
    "grow.",
    "Sometimes the help happens and the logging doesn't. If you helped someone, add it; it counts.",
)

FIRST_STEPS_LINES: tuple[str, ...] = (
    "You haven't logged a real connection yet. Start with one reply that genuinely helps "
    "someone today.",
    "Welcome in! Your first entry can be tiny: a thoughtful comment or a quick answer counts.",
    "Your board is still empty. Pick the principle that feels easiest and log one connection "
    "today.",
    "Not sure where to begin? Find one unanswered question in your niche, answer it well, and "
    "log it.",
    "The first real connection is the one that starts the habit. Give it a go today.",
)

# date(1, 1, 1) is a Monday with ordinal 1, so (ordinal - 1) // 7 numbers weeks Monday to Sunday
# without the jump that ISO week numbers make at the turn of a year.
_MONDAY_ORDINAL = 1
_DAYS_PER_WEEK = 7
# Thursday is the first day of a week's second half (see _tip_slot).
_SECOND_HALF_START = 3


def _week_serial(day: date) -> int:
    return (day.toordinal() - _MONDAY_ORDINAL) // _DAYS_PER_WEEK


def principle_of_the_day(day: date, *, work_days: frozenset[int]) -> Principle:
    """The principle the nudge teaches on `day`; work_days holds weekday numbers (Monday is 0)."""
    week = _week_serial(day)
    ordered = sorted(work_days)
    # Shifting the start by one each week keeps every principle off any fixed weekday.
    position = ordered.index(day.weekday()) if day.weekday() in ordered else day.weekday()
    return PRINCIPLE_ORDER[(position + week) % len(PRINCIPLE_ORDER)]


def _tip_slot(day: date) -> int:
    # principle_of_the_day can show a principle at most twice in a week, at work-day positions
    # n and n + 4. Position n + 4 exists only if four work days follow position n, so that day
    # falls on Wednesday at the latest (weekday <= 2) and its partner on Friday at the earliest
    # (weekday >= 4). Splitting each week into Mon-Wed and Thu-Sun therefore gives the two
    # showings different slots, whatever the work days are. A 30-day window crosses at most nine
    # slot boundaries (four full weeks of Mondays and Thursdays plus one extra day), so it
    # touches at most ten consecutive slots, which stay distinct modulo ten or more tips.
    half = 0 if day.weekday() < _SECOND_HALF_START else 1
    return 2 * _week_serial(day) + half


def _offset(salt: str, principle: Principle) -> int:
    # crc32 rather than hash(): str hashes change from one process to the next.
    return zlib.crc32(f"{salt}\x1f{principle.value}".encode())


def tip_for(day: date, *, principle: Principle, salt: str = "") -> Tip:
    """The tip of `principle` for `day`; salt (a team or user id) shifts where the cycle starts."""
    texts = TIPS[principle]
    index = (_tip_slot(day) + _offset(salt, principle)) % len(texts)
    return Tip(principle=principle, index=index, text=texts[index])


def why_it_matters(principle: Principle) -> str:
    """One line on why the principle is worth practising."""
    return WHY_IT_MATTERS[principle]


def _pick(lines: tuple[str, ...], day: date) -> str:
    # Consecutive days get consecutive lines, so a line never repeats on the next day.
    return lines[day.toordinal() % len(lines)]


def daily_question(day: date) -> str:
    """The question that opens the nudge on `day`."""
    return _pick(DAILY_QUESTIONS, day)


def quiet_period_line(day: date) -> str:
    """An encouraging line for a digest period in which nothing was logged."""
    return _pick(QUIET_PERIOD_LINES, day)


def first_steps_line(day: date) -> str:
    """An encouraging line for a member who has not logged anything yet."""
    return _pick(FIRST_STEPS_LINES, day)
