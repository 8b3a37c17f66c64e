"""Read the free text after `/connect`: which principle, where, who, the link, and the note.

The parser is forgiving on purpose: people type fast, and Slack hands us its own escaped markup.
Anything we cannot read is left as None and the words stay in the note, so nothing is lost.
Every pattern here is written so a match attempt stops at the next delimiter (no nested
quantifiers over the same characters), which keeps the whole parse linear in the input length.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from slackapp.domain.vocabulary import PRINCIPLES, Platform, Principle

__all__ = ["ParsedConnect", "parse_connect_text"]


@dataclass(frozen=True, slots=True)
class ParsedConnect:
    """What we could read out of one `/connect` line; whatever we could not read is None."""

    principle: Principle | None
    platform: Platform | None
    who: str | None
    link: str | None
    note: str


# Marks the spot where something was cut out of the note, so tidying can close the gap
# ("host on reddit, sent" -> "host, sent") without touching spacing the person typed.
# A NUL in the input is read as a space: PostgreSQL text columns reject it anyway.
_GAP = "\x00"

_SEPARATORS = ",;:|-–—"
# Punctuation that belongs to the word before a gap, not to the word after it.
_CLOSERS = ",;.!?)]}…"

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
_URL_PAIRS = {")": "(", "]": "[", "}": "{"}
_NETLOC_END_RE = re.compile(r"[/?#\\]")

_BLANK_RE = re.compile(r"[\s\x00]*")

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_WHO_RE = re.compile(
    r"<@[UW][A-Z0-9]+>"
    # Not after a word character, "@", "." "+" or "-": that would be an email address.
    r"|(?<![\w@.+\-])@[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_])?"
    rf"(?:@{_LABEL}(?:\.{_LABEL})+)?"
)
_WHO_FOLLOWERS = frozenset(_SEPARATORS) | {_GAP}

# --- principles -----------------------------------------------------------------------------

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


def _alternation(phrases: Iterable[str]) -> str:
    """A regex alternation, longest first so "solve a problem" beats "solve"."""
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(part) for part in phrase.split()) for phrase in ordered)


_LEAD_RE = re.compile(
    rf"(?:(?P<word>{_alternation(_LEAD_WORDS)})(?=$|[\s:,;.!?|\-–—\x00])"
    rf"|(?P<emoji>{_alternation(_LEAD_EMOJI)}))"
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
    rf"(?<![\w@#])(?:{_alternation(_SYNONYMS)})(?![\w@])",
    re.IGNORECASE,
)

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
    rf"(?<![\w@#])(?P<prep>on|via|in|at|from)\s+(?P<word>{_alternation(_PHRASE_WORDS)}){_WORD_END}",
    re.IGNORECASE,
)
_BARE_RE = re.compile(
    rf"(?<![\w@#])(?P<word>{_alternation(_PLATFORM_WORDS)}){_WORD_END}"
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


# --- the parse ------------------------------------------------------------------------------


def parse_connect_text(text: str) -> ParsedConnect:
    """Pull principle, platform, who, link and a tidy note out of `/connect` text; never raises."""
    # Unescaping first lets one scan serve both Slack's escaped text and raw text; the only
    # cost is that a literal "&lt;@U1&gt;" reads as a mention, which is what it spells anyway.
    plain = _ENTITY_RE.sub(lambda m: _ENTITIES[m.group(1)], text.replace(_GAP, " "))
    body, urls = _scan(plain)

    principle, body = _take_leading_principle(body)
    platform, body = _take_platform_phrase(body)
    if platform is None:
        platform = _bare_platform(body)
    if platform is None:
        platform = _platform_from_links(urls)
    if platform is None and urls and _OTHER_RE.search(body):
        platform = Platform.OTHER
    if principle is None:
        principle = _synonym_principle(body)

    who, body = _take_who(body)
    return ParsedConnect(
        principle=principle,
        platform=platform,
        who=who,
        link=urls[0] if urls else None,
        note=_tidy(body),
    )


def _scan(text: str) -> tuple[str, list[str]]:
    """Resolve Slack markup to plain words and cut every URL out, remembering them in order."""
    parts: list[str] = []
    urls: list[str] = []
    pos = 0
    for match in _SCAN_RE.finditer(text):
        parts.append(text[pos : match.start()])
        pos = match.end()
        if (url := match.group("url")) is not None:
            urls.append(_lower_scheme(url))
            parts.append(_GAP)
        elif (bare := match.group("bare")) is not None:
            url, tail = _split_trailing(bare)
            if url.endswith("://"):
                parts.append(bare)  # a scheme with no host is just words
                continue
            urls.append(_lower_scheme(url))
            parts.extend((_GAP, tail))
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
    opens = {closer: url.count(opener) for closer, opener in _URL_PAIRS.items()}
    closes = {closer: url.count(closer) for closer in _URL_PAIRS}
    end = len(url)
    while end > 0:
        char = url[end - 1]
        if char in _URL_TRAILING:
            end -= 1
        elif char in _URL_PAIRS and closes[char] > opens[char]:
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


def _platform_from_links(urls: list[str]) -> Platform | None:
    for url in urls:
        host = _host(url)
        for domain, platform in _DOMAINS.items():
            if host == domain or host.endswith("." + domain):
                return platform
        if "mastodon" in host:
            return Platform.MASTODON
    return None


def _first_content(text: str) -> int:
    match = _BLANK_RE.match(text)
    return match.end() if match else 0


def _cut(text: str, start: int, end: int) -> str:
    return text[:start] + _GAP + text[end:]


def _take_leading_principle(text: str) -> tuple[Principle | None, str]:
    """Remove a principle named first; a second token for the same one (":bulb: solve") too."""
    principle: Principle | None = None
    for _ in range(2):
        start = _first_content(text)
        match = _LEAD_RE.match(text, start)
        if match is None:
            break
        word = match.group("word")
        key = " ".join(word.casefold().split()) if word else match.group("emoji").casefold()
        found = _LEAD_WORDS.get(key) if word else _LEAD_EMOJI.get(key)
        if found is None or (principle is not None and found is not principle):
            break
        principle = found
        text = _cut(text, start, match.end())
    return principle, text


def _synonym_principle(text: str) -> Principle | None:
    for match in _SYNONYM_RE.finditer(text):
        found = _SYNONYMS.get(" ".join(match.group().casefold().split()))
        if found is not None:
            return found
    return None


def _take_platform_phrase(text: str) -> tuple[Platform | None, str]:
    """Find "on <platform>"-style phrases; cut on/via/in ones, since the field now says it."""
    for match in _PHRASE_RE.finditer(text):
        platform = _PHRASE_WORDS.get(match.group("word").casefold())
        if platform is None:
            continue
        if match.group("prep").casefold() in _REMOVABLE_PREPOSITIONS:
            text = _cut(text, match.start(), match.end())
        return platform, text
    return None, text


def _bare_platform(text: str) -> Platform | None:
    for match in _BARE_RE.finditer(text):
        word = match.group("word")
        if word is None:
            return Platform.REDDIT  # an r/subreddit reference
        platform = _PLATFORM_WORDS.get(word.casefold())
        if platform is not None:
            return platform
    return None


def _take_who(text: str) -> tuple[str | None, str]:
    """Find the first person; cut them only when they open the note ("@jane answered ...")."""
    opening = _first_content(text)
    for match in _WHO_RE.finditer(text):
        who = match.group()
        if who[1:].casefold() in _BROADCASTS:
            continue
        after = text[match.end() : match.end() + 1]
        if match.start() == opening and (not after or after.isspace() or after in _WHO_FOLLOWERS):
            text = _cut(text, match.start(), match.end())
        return who, text
    return None, text


def _tidy(text: str) -> str:
    """Collapse whitespace and close the gaps left by what was cut out."""
    words: list[str] = []
    gap = False
    for piece in text.replace(_GAP, f" {_GAP} ").split():
        if piece == _GAP:
            gap = True
            continue
        if words and gap and (piece[0] in _CLOSERS or piece == ":"):
            opener = _URL_PAIRS.get(piece[0])
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
            stripped = piece.lstrip(_SEPARATORS)
            if not stripped:
                continue  # a dash or colon left dangling at the start
            words.append(stripped if gap else piece)
        else:
            words.append(piece)
        gap = False
    while gap and words:
        last = words[-1].rstrip(_SEPARATORS)
        if last:
            words[-1] = last
            break
        words.pop()
    return " ".join(words)
