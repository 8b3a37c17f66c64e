"""What a member means by the text after /connect and /leaderboard."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from slackapp.domain.calendar import Window, parse_window
from slackapp.domain.entries import COMMAND_TEXT_MAX
from slackapp.domain.parsing import ParsedConnect, parse_connect_text
from slackapp.domain.parsing.references import bare_platform, mentions_other
from slackapp.domain.relationships import PeopleBoardKind
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, PRINCIPLES, Platform, Principle


class IntentKind(StrEnum):
    HELP = "help"
    SETTINGS = "settings"
    NUDGES_ON = "nudges_on"
    NUDGES_OFF = "nudges_off"
    FOLLOWUPS_ON = "followups_on"
    FOLLOWUPS_OFF = "followups_off"
    OPEN_FORM = "open_form"
    LOG = "log"
    TOO_LONG = "too_long"
    WHO = "who"
    EXPORT = "export"
    FORGET_ME = "forget_me"


@dataclass(frozen=True, slots=True)
class ConnectIntent:
    """The kind of request, plus what was understood of a connection if any."""

    kind: IntentKind
    parsed: ParsedConnect | None = None


_HELP_WORDS = {"help", "?", "-h", "--help", "how", "usage"}
_SETTINGS_WORDS = {"settings", "setup", "config", "configure", "admin"}
_EXPORT_PHRASES = {"export", "export my data", "export mine", "my data"}
_FORGET_PHRASES = {"forget-me", "forget me", "forgetme", "forget_me", "delete my data"}


def interpret_connect(text: str) -> ConnectIntent:
    """Classify /connect text: a sub-command, a form to open, or a connection to log."""
    if len(text) > COMMAND_TEXT_MAX:
        return ConnectIntent(IntentKind.TOO_LONG)
    words = text.strip().lower().split()
    if not words:
        return ConnectIntent(IntentKind.OPEN_FORM)
    if len(words) == 1 and words[0] in _HELP_WORDS:
        return ConnectIntent(IntentKind.HELP)
    if len(words) == 1 and words[0] in _SETTINGS_WORDS:
        return ConnectIntent(IntentKind.SETTINGS)
    phrase = " ".join(words)
    if phrase in _EXPORT_PHRASES:
        return ConnectIntent(IntentKind.EXPORT)
    if phrase in _FORGET_PHRASES:
        return ConnectIntent(IntentKind.FORGET_ME)
    if len(words) == 2 and words[0] in {"nudges", "nudge", "reminders"}:
        if words[1] in {"on", "yes", "start", "resume"}:
            return ConnectIntent(IntentKind.NUDGES_ON)
        if words[1] in {"off", "no", "stop", "pause"}:
            return ConnectIntent(IntentKind.NUDGES_OFF)
    if len(words) == 2 and words[0] in {"followups", "follow-ups", "followup", "follow-up"}:
        if words[1] in {"on", "yes", "start", "resume"}:
            return ConnectIntent(IntentKind.FOLLOWUPS_ON)
        if words[1] in {"off", "no", "stop", "pause"}:
            return ConnectIntent(IntentKind.FOLLOWUPS_OFF)
    if words[0] == "who" and 2 <= len(words) <= 3:
        return _who_intent(text.split()[1:])
    parsed = parse_connect_text(text)
    if parsed.principle is None:
        return ConnectIntent(IntentKind.OPEN_FORM, parsed)
    return ConnectIntent(IntentKind.LOG, parsed)


def _who_intent(tokens: list[str]) -> ConnectIntent:
    """`/connect who @jane [platform]`: whom to show, and where if said."""
    who = tokens[0]
    if who.startswith("<") and who.endswith(">") and not who.startswith("<@"):
        who = who[1:-1].partition("|")[0]  # Slack's <https://x.com/jane|x.com/jane>
    platform: Platform | None = None
    if len(tokens) == 2:
        word = tokens[1].strip("[]()").casefold()
        platform = Platform.TWITTER if word == "x" else bare_platform(word)
        if platform is None and mentions_other(word):
            platform = Platform.OTHER
    parsed = ParsedConnect(principle=None, platform=platform, who=who, link=None, note="")
    return ConnectIntent(IntentKind.WHO, parsed)


@dataclass(frozen=True, slots=True)
class BoardRequest:
    """Which leaderboard someone asked for: a window and, optionally, one principle."""

    window: Window = Window.WEEK
    principle: Principle | None = None


@dataclass(frozen=True, slots=True)
class BoardUsage:
    """/leaderboard arguments we could not use; the reply explains the options instead."""

    unknown: tuple[str, ...] = ()
    clashes: tuple[str, ...] = ()


# "" is what a lone "?" (or any word of only punctuation) trims down to: a request for help too.
_BOARD_HELP_WORDS = frozenset({"help", "options", ""})
# Brackets and punctuation people copy from the usage hint ("[today]") or type after a word.
_BOARD_TRIM = "[](){}<>,;.!?\"'`*_"


def _principle_words() -> dict[str, Principle]:
    words: dict[str, Principle] = {}
    for principle in PRINCIPLE_ORDER:
        words[principle.value] = principle
        words[principle.value + "s"] = principle
        words[PRINCIPLES[principle].emoji] = principle
    extra = {
        "solving": Principle.SOLVE,
        "solved": Principle.SOLVE,
        "problem": Principle.SOLVE,
        "problems": Principle.SOLVE,
        "caring": Principle.CARE,
        "laughs": Principle.LAUGH,
        "laughing": Principle.LAUGH,
        "humor": Principle.LAUGH,
        "humour": Principle.LAUGH,
        "opportunities": Principle.OPPORTUNITY,
        "opp": Principle.OPPORTUNITY,
        "opps": Principle.OPPORTUNITY,
    }
    return {**words, **extra}


_PRINCIPLE_WORDS = _principle_words()


def _board_token(phrase: str) -> Window | Principle | None:
    cleaned = phrase.strip(_BOARD_TRIM).casefold()
    if not cleaned:
        return None
    return _PRINCIPLE_WORDS.get(cleaned) or parse_window(cleaned)


def parse_board_args(text: str) -> BoardRequest | BoardUsage:
    """Read `/leaderboard` arguments in any order: a window, a principle, both or neither."""
    if any(word.strip(_BOARD_TRIM).casefold() in _BOARD_HELP_WORDS for word in text.split()):
        return BoardUsage()
    words = [word for word in text.split() if word.strip(_BOARD_TRIM)]
    windows: list[tuple[str, Window]] = []
    principles: list[tuple[str, Principle]] = []
    unknown: list[str] = []
    position = 0
    while position < len(words):
        # Longest phrase first, so "last 7 days" and "this week" read as one window.
        for span in (3, 2, 1):
            phrase = " ".join(words[position : position + span])
            found = _board_token(phrase) if position + span <= len(words) else None
            if found is not None:
                break
        if isinstance(found, Principle):
            principles.append((phrase, found))
        elif isinstance(found, Window):
            windows.append((phrase, found))
        else:
            unknown.append(words[position])
            span = 1
        position += span
    clashes: list[str] = []
    for given in (windows, principles):
        if len({value for _, value in given}) > 1:
            clashes.extend(phrase for phrase, _ in given)
    if unknown or clashes:
        return BoardUsage(unknown=tuple(unknown), clashes=tuple(clashes))
    return BoardRequest(
        window=windows[0][1] if windows else Window.WEEK,
        principle=principles[0][1] if principles else None,
    )


@dataclass(frozen=True, slots=True)
class PeopleBoardRequest:
    """`/leaderboard people [window]` or `/leaderboard relationships [window]`."""

    kind: PeopleBoardKind
    window: Window


_PEOPLE_WORDS = {
    "people": PeopleBoardKind.PEOPLE,
    "persons": PeopleBoardKind.PEOPLE,
    "relationships": PeopleBoardKind.RELATIONSHIPS,
    "relationship": PeopleBoardKind.RELATIONSHIPS,
}
#: The window of a people board when none is named.
PEOPLE_BOARD_WINDOWS = {
    PeopleBoardKind.PEOPLE: Window.WEEK,
    PeopleBoardKind.RELATIONSHIPS: Window.LAST_30_DAYS,
}


def parse_people_board_args(text: str) -> PeopleBoardRequest | BoardUsage | None:
    """A people board request, what to type instead, or None when the text asks for another."""
    words = text.split()
    kind = _PEOPLE_WORDS.get(words[0].strip(_BOARD_TRIM).casefold()) if words else None
    if kind is None:
        return None
    rest = words[1:]
    if not rest:
        return PeopleBoardRequest(kind, PEOPLE_BOARD_WINDOWS[kind])
    request = parse_board_args(" ".join(rest))
    if isinstance(request, BoardUsage):
        return request
    if request.principle is not None:
        # People are counted whatever the kind of value: a principle filter means nothing here.
        return BoardUsage(unknown=tuple(w for w in rest if _board_token(w) is request.principle))
    return PeopleBoardRequest(kind, request.window)
