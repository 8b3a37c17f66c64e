"""What a member means by the text after /connect."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from slackapp.connections import COMMAND_TEXT_MAX
from slackapp.parsing import ParsedConnect, parse_connect_text


class IntentKind(StrEnum):
    HELP = "help"
    SETTINGS = "settings"
    NUDGES_ON = "nudges_on"
    NUDGES_OFF = "nudges_off"
    OPEN_FORM = "open_form"
    LOG = "log"
    TOO_LONG = "too_long"


@dataclass(frozen=True, slots=True)
class ConnectIntent:
    """The kind of request, plus what was understood of a connection if any."""

    kind: IntentKind
    parsed: ParsedConnect | None = None


_HELP_WORDS = {"help", "?", "-h", "--help", "how", "usage"}
_SETTINGS_WORDS = {"settings", "setup", "config", "configure", "admin"}


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
    if len(words) == 2 and words[0] in {"nudges", "nudge", "reminders"}:
        if words[1] in {"on", "yes", "start", "resume"}:
            return ConnectIntent(IntentKind.NUDGES_ON)
        if words[1] in {"off", "no", "stop", "pause"}:
            return ConnectIntent(IntentKind.NUDGES_OFF)
    parsed = parse_connect_text(text)
    if parsed.principle is None:
        return ConnectIntent(IntentKind.OPEN_FORM, parsed)
    return ConnectIntent(IntentKind.LOG, parsed)
