"""Handles, platforms and links in a `/connect` line: Slack's markup, URLs, @handles, and the
words and link domains that say where a connection happened.
"""

from __future__ import annotations

import re

from slackapp.domain.parsing.text import BRACKETS, GAP, SEPARATORS, alternation, cut, first_content
from slackapp.domain.vocabulary import Platform

__all__ = [
    "bare_platform",
    "mentions_other",
    "plain_text",
    "platform_from_links",
    "scan",
    "take_platform_phrase",
    "take_who",
]

# --- Slack markup and links -----------------------------------------------------------------

_ENTITY_RE = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}

# Slack markup we understand, then bare URLs. Every class excludes "<" and ">", so an attempt
# that starts at one "<" can never run past the next one.
_SCAN_RE = re.compile(
    r"<(?P<url>https?://[^<>|\s]+)(?:\|[^<>]*)?>"
    r"|<mailto:(?P<mail>[^<>|]*)(?:\|(?P<mail_label>[^<>]*))?>"
    r"|<(?P<ref>[@#!][^<>|]*)(?:\|(?P<ref_label>[^<>]*))?>"
    r"|(?P<bare>https?://[^\s<>]+)",
    re.IGNORECASE,
)
_USER_ID_RE = re.compile(r"@[UW][A-Z0-9]+")
_CHANNEL_ID_RE = re.compile(r"#[CG][A-Z0-9]+")
_BROADCASTS = frozenset({"here", "channel", "everyone"})

_URL_TRAILING = ".,;:!?'\"…”’»"
_NETLOC_END_RE = re.compile(r"[/?#\\]")

# --- handles --------------------------------------------------------------------------------

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_WHO_RE = re.compile(
    r"<@[UW][A-Z0-9]+>"
    # Not after a word character, "@", "." "+" or "-": that would be an email address.
    r"|(?<![\w@.+\-])@[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_])?"
    rf"(?:@{_LABEL}(?:\.{_LABEL})+)?"
)
_WHO_FOLLOWERS = frozenset(SEPARATORS) | {GAP}

# --- platforms ------------------------------------------------------------------------------

_PLATFORM_WORDS: dict[str, Platform] = {
    "twitter": Platform.TWITTER,
    "tweet": Platform.TWITTER,
    "tweets": Platform.TWITTER,
    "tweeted": Platform.TWITTER,
    "tweeting": Platform.TWITTER,
    "linkedin": Platform.LINKEDIN,
    "instagram": Platform.INSTAGRAM,
    "insta": Platform.INSTAGRAM,
    "ig": Platform.INSTAGRAM,
    "facebook": Platform.FACEBOOK,
    "fb": Platform.FACEBOOK,
    "tiktok": Platform.TIKTOK,
    "youtube": Platform.YOUTUBE,
    "yt": Platform.YOUTUBE,
    "reddit": Platform.REDDIT,
    "subreddit": Platform.REDDIT,
    "threads": Platform.THREADS,
    "bluesky": Platform.BLUESKY,
    "bsky": Platform.BLUESKY,
    "mastodon": Platform.MASTODON,
}
# "x" is too common a word to count alone; it needs a preposition in front of it.
_PHRASE_WORDS = {**_PLATFORM_WORDS, "x": Platform.TWITTER}
_REMOVABLE_PREPOSITIONS = frozenset({"on", "via", "in"})
_WORD_END = r"(?![\w@]|-\w)"

_PHRASE_RE = re.compile(
    rf"(?<![\w@#])(?P<prep>on|via|in|at|from)\s+(?P<word>{alternation(_PHRASE_WORDS)}){_WORD_END}",
    re.IGNORECASE,
)
_BARE_RE = re.compile(
    rf"(?<![\w@#])(?P<word>{alternation(_PLATFORM_WORDS)}){_WORD_END}"
    r"|(?<![\w/])r/[A-Za-z0-9_]+",
    re.IGNORECASE,
)
_OTHER_RE = re.compile(r"(?<![\w@#])other(?![\w@])", re.IGNORECASE)

_DOMAINS: dict[str, Platform] = {
    "twitter.com": Platform.TWITTER,
    "x.com": Platform.TWITTER,
    "t.co": Platform.TWITTER,
    "linkedin.com": Platform.LINKEDIN,
    "lnkd.in": Platform.LINKEDIN,
    "instagram.com": Platform.INSTAGRAM,
    "instagr.am": Platform.INSTAGRAM,
    "facebook.com": Platform.FACEBOOK,
    "fb.com": Platform.FACEBOOK,
    "fb.me": Platform.FACEBOOK,
    "fb.watch": Platform.FACEBOOK,
    "tiktok.com": Platform.TIKTOK,
    "youtube.com": Platform.YOUTUBE,
    "youtu.be": Platform.YOUTUBE,
    "reddit.com": Platform.REDDIT,
    "redd.it": Platform.REDDIT,
    "threads.net": Platform.THREADS,
    "threads.com": Platform.THREADS,
    "bsky.app": Platform.BLUESKY,
    "bsky.social": Platform.BLUESKY,
    "mastodon.social": Platform.MASTODON,
}


def plain_text(text: str) -> str:
    """Slack's escaped text read as typed; a NUL (which could pass for a gap) reads as a space."""
    return _ENTITY_RE.sub(lambda m: _ENTITIES[m.group(1)], text.replace(GAP, " "))


def mentions_other(text: str) -> bool:
    """Whether the text says the platform was some "other" one."""
    return _OTHER_RE.search(text) is not None


def scan(text: str) -> tuple[str, list[str]]:
    """Resolve Slack markup to plain words and cut every URL out, remembering them in order."""
    parts: list[str] = []
    urls: list[str] = []
    pos = 0
    for match in _SCAN_RE.finditer(text):
        parts.append(text[pos : match.start()])
        pos = match.end()
        if (url := match.group("url")) is not None:
            urls.append(_lower_scheme(url))
            parts.append(GAP)
        elif (bare := match.group("bare")) is not None:
            url, tail = _split_trailing(bare)
            if url.endswith("://"):
                parts.append(bare)  # a scheme with no host is just words
                continue
            urls.append(_lower_scheme(url))
            parts.extend((GAP, tail))
        elif (mail := match.group("mail")) is not None:
            # An email address is not a link to a public post; keep it as words.
            parts.append(match.group("mail_label") or mail)
        else:
            parts.append(_render_reference(match.group("ref"), match.group("ref_label") or ""))
    parts.append(text[pos:])
    return "".join(parts), urls


def _render_reference(ref: str, label: str) -> str:
    """Turn `<@U1|jane>`, `<#C1|general>` or `<!here>` into what the note should say."""
    if ref.startswith("@"):
        # Keep user mentions in Slack's own form so they still render as a mention.
        return f"<{ref}>" if _USER_ID_RE.fullmatch(ref) else label or ref
    if ref.startswith("#"):
        if label:
            return f"#{label}"
        return f"<{ref}>" if _CHANNEL_ID_RE.fullmatch(ref) else ref
    name = ref[1:].split("^", 1)[0]
    # Never echo <!here> back as markup: a bot repeating the note would ping the channel.
    if label:
        return label
    return f"@{name}" if name in _BROADCASTS else name


def _lower_scheme(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    return scheme.lower() + sep + rest


def _split_trailing(url: str) -> tuple[str, str]:
    """Split sentence punctuation off the end of a bare URL, keeping balanced brackets."""
    opens = {closer: url.count(opener) for closer, opener in BRACKETS.items()}
    closes = {closer: url.count(closer) for closer in BRACKETS}
    end = len(url)
    while end > 0:
        char = url[end - 1]
        if char in _URL_TRAILING:
            end -= 1
        elif char in BRACKETS and closes[char] > opens[char]:
            closes[char] -= 1
            end -= 1
        else:
            break
    return url[:end], url[end:]


def _host(url: str) -> str:
    rest = url.partition("://")[2]
    end = _NETLOC_END_RE.search(rest)
    netloc = rest[: end.start()] if end else rest
    netloc = netloc.rpartition("@")[2]
    if netloc.startswith("["):
        return ""  # an IPv6 literal is never a social platform
    return netloc.partition(":")[0].lower().rstrip(".")


def platform_from_links(urls: list[str]) -> Platform | None:
    """The platform of the first link whose host we know."""
    for url in urls:
        host = _host(url)
        for domain, platform in _DOMAINS.items():
            if host == domain or host.endswith("." + domain):
                return platform
        if "mastodon" in host:
            return Platform.MASTODON
    return None


def take_platform_phrase(text: str) -> tuple[Platform | None, str]:
    """Find "on <platform>"-style phrases; cut on/via/in ones, since the field now says it."""
    for match in _PHRASE_RE.finditer(text):
        platform = _PHRASE_WORDS.get(match.group("word").casefold())
        if platform is None:
            continue
        if match.group("prep").casefold() in _REMOVABLE_PREPOSITIONS:
            text = cut(text, match.start(), match.end())
        return platform, text
    return None, text


def bare_platform(text: str) -> Platform | None:
    """The first platform named anywhere on its own ("tweeted", "r/python"), if any."""
    for match in _BARE_RE.finditer(text):
        word = match.group("word")
        if word is None:
            return Platform.REDDIT  # an r/subreddit reference
        platform = _PLATFORM_WORDS.get(word.casefold())
        if platform is not None:
            return platform
    return None


def take_who(text: str) -> tuple[str | None, str]:
    """Find the first person; cut them only when they open the note ("@jane answered ...")."""
    opening = first_content(text)
    for match in _WHO_RE.finditer(text):
        who = match.group()
        if who[1:].casefold() in _BROADCASTS:
            continue
        after = text[match.end() : match.end() + 1]
        if match.start() == opening and (not after or after.isspace() or after in _WHO_FOLLOWERS):
            text = cut(text, match.start(), match.end())
        return who, text
    return None, text
