"""Reading the principle: a word or emoji named first, else the earliest hinting word."""

from __future__ import annotations

import re

import pytest

from slackapp.domain.parsing import parse_connect_text
from slackapp.domain.vocabulary import Principle

SOLVE, CARE, LAUGH, OPP = (
    Principle.SOLVE,
    Principle.CARE,
    Principle.LAUGH,
    Principle.OPPORTUNITY,
)


@pytest.mark.parametrize(
    ("text", "principle", "note"),
    [
        ("solve: fixed it", SOLVE, "fixed it"),
        ("SOLVE fixed it", SOLVE, "fixed it"),
        ("care - thanked her", CARE, "thanked her"),
        ("care — thanked her", CARE, "thanked her"),
        ("show you care thanked @x", CARE, "thanked @x"),
        ("Solve a problem: fixed the import", SOLVE, "fixed the import"),
        ("make them laugh posted a gif", LAUGH, "posted a gif"),
        ("embrace an opportunity jumped in early", OPP, "jumped in early"),
        ("opp sent the guide", OPP, "sent the guide"),
        ("oppty sent the guide", OPP, "sent the guide"),
        (":bulb: sent the guide", SOLVE, "sent the guide"),
        (":bulb: solve sent the guide", SOLVE, "sent the guide"),
        ("❤️ sent the guide", CARE, "sent the guide"),
        ("❤ sent the guide", CARE, "sent the guide"),
        (":heart: sent the guide", CARE, "sent the guide"),
        (":heart_eyes: sent the guide", CARE, "sent the guide"),
        ("😂 sent the guide", LAUGH, "sent the guide"),
        ("😄 sent the guide", LAUGH, "sent the guide"),
        (":laughing: sent the guide", LAUGH, "sent the guide"),
        (":joy: sent the guide", LAUGH, "sent the guide"),
        ("🎯 sent the guide", OPP, "sent the guide"),
        ("🎯sent the guide", OPP, "sent the guide"),
        # A principle word glued to more letters is just a word.
        ("careful reply to @x", None, "careful reply to @x"),
        ("opportunistic reply", None, "opportunistic reply"),
        # Two different principles up front: only the first is taken.
        ("solve care package", SOLVE, "care package"),
    ],
)
def test_leading_principle_is_taken_out_of_the_note(
    text: str, principle: Principle | None, note: str
) -> None:
    parsed = parse_connect_text(text)
    assert (parsed.principle, parsed.note) == (principle, note)


@pytest.mark.parametrize(
    ("text", "principle"),
    [
        ("Helped a founder pick a CRM", SOLVE),
        ("answered a question about SSO", SOLVE),
        ("troubleshot her DNS", SOLVE),
        ("debugged the webhook", SOLVE),
        ("walked  through the setup", SOLVE),
        ("thanked her after I fixed it", CARE),
        ("fixed it and thanked her", SOLVE),
        ("gave a shout-out to the team", CARE),
        ("Shouted   out the maintainers", CARE),
        ("congrats on the launch", CARE),
        ("posted a pun", LAUGH),
        ("good humour in the replies", LAUGH),
        ("memes only", LAUGH),
        ("jumped in on a thread about onboarding", OPP),
        ("reached out before they asked", OPP),
        ("proactively sent the checklist", OPP),
        ("shared a resource with the group", OPP),
        # Synonyms inside handles, channels and URLs do not count.
        ("pinged @helpdesk", None),
        ("posted in #help", None),
        ("posted https://example.com/help/fix", None),
        ("helpful chat", None),
        ("had coffee", None),
    ],
)
def test_synonyms_pick_the_earliest_principle(text: str, principle: Principle | None) -> None:
    parsed = parse_connect_text(text)
    assert parsed.principle is principle
    # Synonyms read as part of the sentence, so they stay.
    assert parsed.note == " ".join(re.sub(r"https?://\S+", "", text).split())
