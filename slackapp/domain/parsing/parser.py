"""The `/connect` parser: which principle, where, who, the link, and the note.

The parser is forgiving on purpose: people type fast, and Slack hands us its own escaped markup.
Anything we cannot read is left as None and the words stay in the note, so nothing is lost.
Every pattern here is written so a match attempt stops at the next delimiter (no nested
quantifiers over the same characters), which keeps the whole parse linear in the input length.
"""

from __future__ import annotations

from dataclasses import dataclass

from slackapp.domain.followups import FollowUpWhen, take_follow_up
from slackapp.domain.parsing.principles import synonym_principle, take_leading_principle
from slackapp.domain.parsing.references import (
    bare_platform,
    mentions_other,
    plain_text,
    platform_from_links,
    scan,
    take_platform_phrase,
    take_who,
)
from slackapp.domain.parsing.text import GAP, tidy
from slackapp.domain.vocabulary import Platform, Principle

__all__ = ["ParsedConnect", "parse_connect_text"]


@dataclass(frozen=True, slots=True)
class ParsedConnect:
    """What we could read out of one `/connect` line; whatever we could not read is None."""

    principle: Principle | None
    platform: Platform | None
    who: str | None
    link: str | None
    note: str
    #: "… follow up in 3 days": when to ask whether they replied (the phrase is not in the note).
    follow_up: FollowUpWhen | None = None


def parse_connect_text(text: str) -> ParsedConnect:
    """Pull principle, platform, who, link and a tidy note out of `/connect` text; never raises."""
    # Unescaping first lets one scan serve both Slack's escaped text and raw text; the only
    # cost is that a literal "&lt;@U1&gt;" reads as a mention, which is what it spells anyway.
    body, urls = scan(plain_text(text))
    # First, so "follow up friday" can never read as a platform, a person or a note.
    follow_up, body = take_follow_up(body, gap=GAP)

    principle, body = take_leading_principle(body)
    platform, body = take_platform_phrase(body)
    if platform is None:
        platform = bare_platform(body)
    if platform is None:
        platform = platform_from_links(urls)
    if platform is None and urls and mentions_other(body):
        platform = Platform.OTHER
    if principle is None:
        principle = synonym_principle(body)

    who, body = take_who(body)
    return ParsedConnect(
        principle=principle,
        platform=platform,
        who=who,
        link=urls[0] if urls else None,
        note=tidy(body),
        follow_up=follow_up,
    )
