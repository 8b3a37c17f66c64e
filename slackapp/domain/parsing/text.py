"""The mechanics of cutting pieces out of a `/connect` line and tidying what is left into a note."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Marks the spot where something was cut out of the note, so tidying can close the gap
# ("host on reddit, sent" -> "host, sent") without touching spacing the person typed.
# A NUL in the input is read as a space: PostgreSQL text columns reject it anyway.
GAP = "\x00"

SEPARATORS = ",;:|-–—"
# Punctuation that belongs to the word before a gap, not to the word after it.
_CLOSERS = ",;.!?)]}…"
# Closing brackets and the opening bracket each one pairs with.
BRACKETS = {")": "(", "]": "[", "}": "{"}

_BLANK_RE = re.compile(r"[\s\x00]*")


def alternation(phrases: Iterable[str]) -> str:
    """A regex alternation, longest first so "solve a problem" beats "solve"."""
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(part) for part in phrase.split()) for phrase in ordered)


def first_content(text: str) -> int:
    """Where the text's first word starts, past any spaces and gaps."""
    match = _BLANK_RE.match(text)
    return match.end() if match else 0


def cut(text: str, start: int, end: int) -> str:
    """`text` with [start, end) replaced by a gap."""
    return text[:start] + GAP + text[end:]


def tidy(text: str) -> str:
    """Collapse whitespace and close the gaps left by what was cut out."""
    words: list[str] = []
    gap = False
    for piece in text.replace(GAP, f" {GAP} ").split():
        if piece == GAP:
            gap = True
            continue
        if words and gap and (piece[0] in _CLOSERS or piece == ":"):
            opener = BRACKETS.get(piece[0])
            if opener is not None and words[-1].endswith(opener):
                # "(https://...)" leaves "()" behind; drop the empty brackets.
                words[-1] = words[-1][:-1]
                piece = piece[1:]
                if not words[-1]:
                    words.pop()
            if not piece:
                continue
            if words:
                words[-1] += piece
                gap = False
                continue
        if not words:
            stripped = piece.lstrip(SEPARATORS)
            if not stripped:
                continue  # a dash or colon left dangling at the start
            words.append(stripped if gap else piece)
        else:
            words.append(piece)
        gap = False
    while gap and words:
        last = words[-1].rstrip(SEPARATORS)
        if last:
            words[-1] = last
            break
        words.pop()
    return " ".join(words)
