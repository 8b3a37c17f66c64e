"""Which words, phrases and emoji name a principle in a `/connect` line."""

from __future__ import annotations

import re

from slackapp.domain.parsing.text import alternation, cut, first_content
from slackapp.domain.vocabulary import PRINCIPLES, Principle

__all__ = ["synonym_principle", "take_leading_principle"]

_ALIASES: dict[str, Principle] = {
    "opp": Principle.OPPORTUNITY,
    "oppty": Principle.OPPORTUNITY,
}

_EMOJI: dict[str, Principle] = {
    ":wrench:": Principle.SOLVE,
    "🔧": Principle.SOLVE,
    "💡": Principle.SOLVE,
    "❤": Principle.CARE,
    "♥": Principle.CARE,
    ":hearts:": Principle.CARE,
    ":heart_eyes:": Principle.CARE,
    "😍": Principle.CARE,
    ":hugging_face:": Principle.CARE,
    "🤗": Principle.CARE,
    ":orange_heart:": Principle.CARE,
    "🧡": Principle.CARE,
    ":yellow_heart:": Principle.CARE,
    "💛": Principle.CARE,
    ":green_heart:": Principle.CARE,
    "💚": Principle.CARE,
    ":blue_heart:": Principle.CARE,
    "💙": Principle.CARE,
    ":purple_heart:": Principle.CARE,
    "💜": Principle.CARE,
    "😂": Principle.LAUGH,
    ":laughing:": Principle.LAUGH,
    ":satisfied:": Principle.LAUGH,
    "😆": Principle.LAUGH,
    ":smile:": Principle.LAUGH,
    "😄": Principle.LAUGH,
    ":rolling_on_the_floor_laughing:": Principle.LAUGH,
    ":rofl:": Principle.LAUGH,
    "🤣": Principle.LAUGH,
    "🎯": Principle.OPPORTUNITY,
}


def _emoji_table() -> dict[str, Principle]:
    table: dict[str, Principle] = {}
    for principle, info in PRINCIPLES.items():
        table[info.emoji.casefold()] = principle
    for emoji, principle in _EMOJI.items():
        table[emoji.casefold()] = principle
        if not emoji.startswith(":"):
            # Phones add the emoji-style variation selector to some symbols (❤ vs ❤️).
            table[emoji + "\ufe0f"] = principle
    return table


def _word_table() -> dict[str, Principle]:
    table = dict(_ALIASES)
    for principle, info in PRINCIPLES.items():
        table[principle.value] = principle
        table[" ".join(info.label.casefold().split())] = principle
    return table


_LEAD_EMOJI = _emoji_table()
_LEAD_WORDS = _word_table()


# \x00 is the parser's gap marker: a principle word may end right where something was cut out.
_LEAD_RE = re.compile(
    rf"(?:(?P<word>{alternation(_LEAD_WORDS)})(?=$|[\s:,;.!?|\-–—\x00])"
    rf"|(?P<emoji>{alternation(_LEAD_EMOJI)}))"
    # "solve: ..." / "care - ...", but not the first colon of a following ":emoji:".
    r"(?:\s*[:,;|\-–—]+(?=\s|$|\x00))?",
    re.IGNORECASE,
)


def _synonyms() -> dict[str, Principle]:
    groups: dict[Principle, str] = {
        Principle.SOLVE: """
            help helps helped helping answer answers answered answering fix fixes fixed fixing
            solve solves solved solving explain explains explained explaining troubleshoot
            troubleshoots troubleshot troubleshooted troubleshooting debug debugs debugged
            debugging unblock unblocks unblocked unblocking unstuck resolve resolves resolved
            resolving
        """,
        Principle.CARE: """
            thank thanks thanked thanking comment comments commented commenting congratulate
            congratulates congratulated congratulating congrats congratulations shoutout
            shout-out celebrate celebrates celebrated celebrating encourage encourages
            encouraged encouraging kudos cheered praised complimented appreciated
        """,
        Principle.LAUGH: """
            joke jokes joked joking meme memes funny gif gifs pun puns laugh laughs laughed
            laughing lol humor humour humorous hilarious
        """,
        Principle.OPPORTUNITY: """
            spot spots spotted spotting proactive proactively introduce introduces introduced
            introducing intro'd opportunity opportunities
        """,
    }
    phrases: dict[Principle, tuple[str, ...]] = {
        Principle.SOLVE: ("walked through",),
        Principle.CARE: ("thank you", "shout out", "shouted out", "shouting out", "checked in"),
        Principle.LAUGH: (),
        Principle.OPPORTUNITY: (
            "jump in",
            "jumped in",
            "jumping in",
            "shared a resource",
            "shared resources",
            "shared the resource",
            "reach out",
            "reached out",
            "reaching out",
        ),
    }
    table: dict[str, Principle] = {}
    for principle, words in groups.items():
        for word in (*words.split(), *phrases[principle]):
            table[word] = principle
    return table


_SYNONYMS = _synonyms()
_SYNONYM_RE = re.compile(
    rf"(?<![\w@#])(?:{alternation(_SYNONYMS)})(?![\w@])",
    re.IGNORECASE,
)


def take_leading_principle(text: str) -> tuple[Principle | None, str]:
    """Remove a principle named first; a second token for the same one (":bulb: solve") too."""
    principle: Principle | None = None
    for _ in range(2):
        start = first_content(text)
        match = _LEAD_RE.match(text, start)
        if match is None:
            break
        word = match.group("word")
        key = " ".join(word.casefold().split()) if word else match.group("emoji").casefold()
        found = _LEAD_WORDS.get(key) if word else _LEAD_EMOJI.get(key)
        if found is None or (principle is not None and found is not principle):
            break
        principle = found
        text = cut(text, start, match.end())
    return principle, text


def synonym_principle(text: str) -> Principle | None:
    """The principle of the first word or phrase that hints at one ("answered", "thanked")."""
    for match in _SYNONYM_RE.finditer(text):
        found = _SYNONYMS.get(" ".join(match.group().casefold().split()))
        if found is not None:
            return found
    return None
