"""The /connect free-text parser: exact readings of typical lines, and robustness on any input."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slackapp.domain.parsing import ParsedConnect, parse_connect_text
from slackapp.domain.vocabulary import Platform, Principle
from tests.support.work import finishes

SOLVE, CARE, LAUGH, OPP = (
    Principle.SOLVE,
    Principle.CARE,
    Principle.LAUGH,
    Principle.OPPORTUNITY,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "solve @jane on twitter answered her question about webhook retries "
            "https://x.com/jane/status/1",
            ParsedConnect(
                SOLVE,
                Platform.TWITTER,
                "@jane",
                "https://x.com/jane/status/1",
                "answered her question about webhook retries",
            ),
        ),
        (
            "care commented on @sam's launch post on linkedin https://www.linkedin.com/posts/sam-1",
            ParsedConnect(
                CARE,
                Platform.LINKEDIN,
                "@sam",
                "https://www.linkedin.com/posts/sam-1",
                "commented on @sam's launch post",
            ),
        ),
        (
            "laugh shared a meme with @dev_folks on instagram",
            ParsedConnect(
                LAUGH, Platform.INSTAGRAM, "@dev_folks", None, "shared a meme with @dev_folks"
            ),
        ),
        (
            "opportunity spotted @newbie asking for a podcast host on reddit, sent our guide",
            ParsedConnect(
                OPP,
                Platform.REDDIT,
                "@newbie",
                None,
                "spotted @newbie asking for a podcast host, sent our guide",
            ),
        ),
        (
            "solve <@U0123ABC|jane> on x fixed her webhook "
            "<https://x.com/jane/status/1|x.com/jane>",
            ParsedConnect(
                SOLVE,
                Platform.TWITTER,
                "<@U0123ABC>",
                "https://x.com/jane/status/1",
                "fixed her webhook",
            ),
        ),
        (
            "helped @kim with her CSV import https://reddit.com/r/x/1",
            ParsedConnect(
                SOLVE,
                Platform.REDDIT,
                "@kim",
                "https://reddit.com/r/x/1",
                "helped @kim with her CSV import",
            ),
        ),
        (
            "💡 @ana explained retries",
            ParsedConnect(SOLVE, None, "@ana", None, "explained retries"),
        ),
        (
            ":dart: spotted a question",
            ParsedConnect(OPP, None, None, None, "spotted a question"),
        ),
        (
            "just said hi",
            ParsedConnect(None, None, None, None, "just said hi"),
        ),
        # Slack entities are unescaped in the note.
        (
            "care thanked @li for the Q&amp;A &lt;3 &gt;_&lt;",
            ParsedConnect(CARE, None, "@li", None, "thanked @li for the Q&A <3 >_<"),
        ),
        # A mailto is not a link; the address stays in the note and is not a handle.
        (
            "solve emailed <mailto:ana@example.com|ana@example.com> the fix",
            ParsedConnect(SOLVE, None, None, None, "emailed ana@example.com the fix"),
        ),
        (
            "helped jane@example.com with SSO",
            ParsedConnect(SOLVE, None, None, None, "helped jane@example.com with SSO"),
        ),
        # Several URLs: the first is the link, all leave the note.
        (
            "laugh posted https://example.com/a then https://example.org/b",
            ParsedConnect(LAUGH, None, None, "https://example.com/a", "posted then"),
        ),
        (
            "care shouted out <#C024BE7LR|launches> folks",
            ParsedConnect(CARE, None, None, None, "shouted out #launches folks"),
        ),
        (
            "<@U024BE7LH> thanks for the intro",
            ParsedConnect(CARE, None, "<@U024BE7LH>", None, "thanks for the intro"),
        ),
        (
            "care congrats to @ana@mastodon.social on the release",
            ParsedConnect(
                CARE,
                None,
                "@ana@mastodon.social",
                None,
                "congrats to @ana@mastodon.social on the release",
            ),
        ),
        # Handles stop before sentence punctuation.
        (
            "solve answered @jane.doe.",
            ParsedConnect(SOLVE, None, "@jane.doe", None, "answered @jane.doe."),
        ),
        # A possessive handle opening the note is part of the sentence, so it stays.
        (
            "care @sam's launch post got my comment",
            ParsedConnect(CARE, None, "@sam", None, "@sam's launch post got my comment"),
        ),
        (
            "solve @jane: answered the SSO question",
            ParsedConnect(SOLVE, None, "@jane", None, "answered the SSO question"),
        ),
        # Broadcast mentions are never echoed as markup, and are nobody in particular.
        (
            "care thanked <!here> and <!subteam^S1|design> on fb",
            ParsedConnect(CARE, Platform.FACEBOOK, None, None, "thanked @here and design"),
        ),
        (
            "solve fixed <https://example.com/?a=1&amp;b=2|the docs> for @mo",
            ParsedConnect(SOLVE, None, "@mo", "https://example.com/?a=1&b=2", "fixed for @mo"),
        ),
        # Raw text with stray angle brackets is left alone.
        (
            "laugh a pun about 3 < 5 > 2",
            ParsedConnect(LAUGH, None, None, None, "a pun about 3 < 5 > 2"),
        ),
        (
            "see (https://en.wikipedia.org/wiki/Foo_(bar)), then thanked @al",
            ParsedConnect(
                CARE,
                None,
                "@al",
                "https://en.wikipedia.org/wiki/Foo_(bar)",
                "see, then thanked @al",
            ),
        ),
        (
            "solve answered https://x.com/a/1.",
            ParsedConnect(SOLVE, Platform.TWITTER, None, "https://x.com/a/1", "answered."),
        ),
        (
            "solve on x: fixed it",
            ParsedConnect(SOLVE, Platform.TWITTER, None, None, "fixed it"),
        ),
        (
            "",
            ParsedConnect(None, None, None, None, ""),
        ),
        (
            "   \n\t  ",
            ParsedConnect(None, None, None, None, ""),
        ),
    ],
)
def test_parses_exactly(text: str, expected: ParsedConnect) -> None:
    assert parse_connect_text(text) == expected


def test_raw_and_escaped_forms_read_the_same() -> None:
    raw = parse_connect_text("care thanked <@U1ABC> for Q&A https://x.com/a?b=1&c=2")
    escaped = parse_connect_text(
        "care thanked <@U1ABC|ana> for Q&amp;A <https://x.com/a?b=1&amp;c=2>"
    )
    assert raw == escaped
    assert raw.who == "<@U1ABC>"
    assert raw.note == "thanked <@U1ABC> for Q&A"


def test_note_keeps_what_a_person_typed_when_nothing_was_cut() -> None:
    # Spacing before punctuation is only closed up where we removed something.
    assert parse_connect_text("said hi , then left").note == "said hi , then left"


# --- robustness -----------------------------------------------------------------------------

_HANDLE = re.compile(
    r"<@[UW][A-Z0-9]+>|@[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_])?(?:@[A-Za-z0-9.\-]+)?"
)


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _check_invariants(text: str, parsed: ParsedConnect) -> None:
    assert isinstance(parsed, ParsedConnect)
    assert parsed.principle is None or isinstance(parsed.principle, Principle)
    assert parsed.platform is None or isinstance(parsed.platform, Platform)
    assert isinstance(parsed.note, str)
    assert parsed.note == parsed.note.strip()
    assert parsed.note == " ".join(parsed.note.split())
    assert "\x00" not in parsed.note
    if parsed.link is not None:
        assert isinstance(parsed.link, str)
        assert parsed.link.startswith(("http://", "https://"))
        # Only the scheme is normalised; the rest is exactly what was typed, host included.
        tail = parsed.link[parsed.link.index("://") :]
        assert len(tail) > len("://")
        assert tail in text or tail in _unescape(text)
    if parsed.who is not None:
        assert isinstance(parsed.who, str)
        assert _HANDLE.fullmatch(parsed.who), parsed.who


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_parses(text: str) -> None:
    _check_invariants(text, parse_connect_text(text))


_FRAGMENTS = st.sampled_from(
    [
        "solve",
        "care",
        "laugh",
        "opportunity",
        "opp",
        "show you care",
        ":bulb:",
        "💡",
        "❤️",
        ":dart:",
        "helped",
        "thanked",
        "meme",
        "spotted",
        "jumped in",
        "on",
        "via",
        "in",
        "x",
        "twitter",
        "reddit",
        "other",
        "@jane",
        "@sam's",
        "@ana@mastodon.social",
        "jane@example.com",
        "<@U0123ABC|jane>",
        "<@U0123ABC>",
        "<#C1|general>",
        "<!here>",
        "<mailto:a@b.co|a@b.co>",
        "https://x.com/a/1",
        "https://reddit.com/r/x",
        "<https://example.com/?a=1&amp;b=2|label>",
        "http://",
        "(https://en.wikipedia.org/wiki/A_(b))",
        "&amp;",
        "&lt;",
        "<",
        ">",
        "|",
        ",",
        ":",
        "-",
        "—",
        "\x00",
        "\n",
        "'; DROP TABLE connections; --",
        "مرحبا",
    ]
)
_MIXED = st.lists(_FRAGMENTS | st.text(max_size=6), max_size=14).flatmap(
    lambda parts: st.sampled_from([" ".join(parts), "".join(parts)])
)


@settings(max_examples=300, deadline=None)
@given(_MIXED)
def test_mixed_keywords_markup_and_urls_parse(text: str) -> None:
    _check_invariants(text, parse_connect_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "<" * 4000,
        "@" * 4000,
        "http://" + "a" * 4000,
        "<@" * 2000,
        "<https://" * 450,
        "@a" * 2000,
        "@a." * 1333,
        "on " * 1333,
        "in" + " " * 4000 + "x",
        "http://a" + ")" * 4000,
        "(" * 2000 + ")" * 2000,
        "-" * 4000,
        "&amp;" * 800,
        "shouted " * 500,
        "solve " + "\x00" * 4000,
        "💡" * 4000,
        "\u202e" * 4000,
        "a" * 10_000,
    ],
)
def test_adversarial_input_never_runs_away(text: str) -> None:
    # Linear work takes milliseconds here; a pattern backtracking catastrophically over a few
    # thousand characters would not finish in a lifetime.
    parsed = finishes(lambda: parse_connect_text(text))
    _check_invariants(text, parsed)
