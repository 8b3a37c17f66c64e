"""People: who a connection was with, read as one person per platform and handle.

`@Jane`, `jane`, `x.com/jane` and `https://twitter.com/jane` are one person on X; a Slack
user (`<@U…>`) is one person whatever platform the entry names. Pure code: no Slack, no store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from slackapp.domain.vocabulary import Platform, Principle

__all__ = [
    "HINT_DAYS",
    "NO_PLATFORM",
    "SLACK",
    "PersonKey",
    "person_key",
    "platform_key",
    "profile_url",
]

#: A teammate's touch this recent is worth a line in the confirmation.
HINT_DAYS = 14
#: The people table's platform for a Slack user, whatever platform the entry names.
SLACK = "slack"
#: The people table's platform when the entry names none.
NO_PLATFORM = ""
#: Longest handle key we keep (the who column's limit is larger; keys are for matching).
HANDLE_KEY_MAX = 200

_SLACK_USER_RE = re.compile(r"<@(?P<id>[UW][A-Z0-9]+)(?:\|[^<>]*)?>")
_HANDLE_RE = re.compile(r"[a-z0-9_][a-z0-9_.\-]*")
_MASTODON_RE = re.compile(r"(?P<user>[a-z0-9_][a-z0-9_.\-]*)@(?P<host>[a-z0-9.\-]+\.[a-z]{2,})")

#: Profile URL hosts, and the path segments before a handle that each platform uses.
_HOSTS: dict[str, Platform] = {
    "twitter.com": Platform.TWITTER,
    "x.com": Platform.TWITTER,
    "linkedin.com": Platform.LINKEDIN,
    "instagram.com": Platform.INSTAGRAM,
    "facebook.com": Platform.FACEBOOK,
    "fb.com": Platform.FACEBOOK,
    "tiktok.com": Platform.TIKTOK,
    "youtube.com": Platform.YOUTUBE,
    "reddit.com": Platform.REDDIT,
    "threads.net": Platform.THREADS,
    "threads.com": Platform.THREADS,
    "bsky.app": Platform.BLUESKY,
}
_PREFIXES: dict[Platform, tuple[str, ...]] = {
    Platform.LINKEDIN: ("in",),
    Platform.REDDIT: ("u", "user"),
    Platform.BLUESKY: ("profile",),
}
_PROFILE_URLS: dict[Platform, str] = {
    Platform.TWITTER: "https://x.com/{}",
    Platform.LINKEDIN: "https://www.linkedin.com/in/{}",
    Platform.INSTAGRAM: "https://www.instagram.com/{}",
    Platform.FACEBOOK: "https://www.facebook.com/{}",
    Platform.TIKTOK: "https://www.tiktok.com/@{}",
    Platform.YOUTUBE: "https://www.youtube.com/@{}",
    Platform.REDDIT: "https://www.reddit.com/user/{}",
    Platform.THREADS: "https://www.threads.net/@{}",
    Platform.BLUESKY: "https://bsky.app/profile/{}",
}


@dataclass(frozen=True, slots=True, order=True)
class PersonKey:
    """One person of a team: a platform key (a Platform value, "slack" or "") and a handle key."""

    platform: str
    handle: str
    #: How to show them: `@jane`, `<@U1>`, or the name as first typed.
    display: str


@dataclass(frozen=True, slots=True)
class Touch:
    """One logged connection with a person, as the person's page lists it."""

    connection_id: int
    user_id: str
    principle: Principle
    platform: Platform | None
    who: str | None
    note: str
    link: str | None
    local_date: date


def platform_key(platform: Platform | None) -> str:
    """The people table's platform for an entry's platform."""
    return platform.value if platform is not None else NO_PLATFORM


def _from_url(text: str) -> tuple[Platform, str] | None:
    """A profile URL (`x.com/jane`, `https://www.linkedin.com/in/jane/`) as platform and handle."""
    rest = re.sub(r"^[a-z]+://", "", text)
    host, _, path = rest.partition("/")
    for sub in ("www.", "m.", "mobile.", "old.", "new."):
        host = host.removeprefix(sub)
    segments = [s for s in re.split(r"[/?#]", path.split("?", 1)[0].split("#", 1)[0]) if s]
    platform = _HOSTS.get(host)
    if platform is None:
        if segments and segments[0].startswith("@") and "." in host:
            # A Mastodon-style profile: https://host/@user
            return Platform.MASTODON, f"{segments[0][1:]}@{host}"
        return None
    prefixes = _PREFIXES.get(platform, ())
    if prefixes:
        if not segments or segments[0] not in prefixes:
            return None  # linkedin.com/company/…, reddit.com/r/…: not a person's profile
        segments = segments[1:]
    if not segments:
        return None
    return platform, segments[0].removeprefix("@")


def _key_for(platform: Platform | None, handle: str) -> str:
    if platform is Platform.BLUESKY and "." not in handle:
        return f"{handle}.bsky.social"
    return handle


def person_key(who: str | None, platform: Platform | None) -> PersonKey | None:
    """The person an entry's "who" names on `platform`, or None when it names nobody.

    Handles fold case (every platform we know treats them case-insensitively) and lose their
    "@"; a profile URL names its own platform. A name that is no handle ("Jane Doe") is kept
    whole, case-folded with single spaces, on the entry's platform.
    """
    if who is None:
        return None
    text = " ".join(who.replace("\x00", "").split())
    if not text:
        return None
    slack = _SLACK_USER_RE.fullmatch(text)
    if slack is not None:
        return PersonKey(SLACK, slack.group("id"), f"<@{slack.group('id')}>")
    folded = text.casefold()
    if " " not in folded and ("/" in folded or folded.startswith(("http:", "https:"))):
        found = _from_url(folded)
        if found is not None:
            platform, handle = found
            if _HANDLE_RE.fullmatch(handle) or _MASTODON_RE.fullmatch(handle):
                key = _key_for(platform, handle)[:HANDLE_KEY_MAX]
                return PersonKey(platform.value, key, f"@{key}")
    bare = folded.removeprefix("@")
    mastodon = _MASTODON_RE.fullmatch(bare)
    if mastodon is not None:  # user@host is a fediverse address whatever the entry says
        key = f"{mastodon.group('user')}@{mastodon.group('host')}"[:HANDLE_KEY_MAX]
        return PersonKey(Platform.MASTODON.value, key, f"@{key}")
    if bare and _HANDLE_RE.fullmatch(bare):
        key = _key_for(platform, bare)[:HANDLE_KEY_MAX]
        return PersonKey(platform_key(platform), key, f"@{key}")
    return PersonKey(platform_key(platform), folded[:HANDLE_KEY_MAX], text[:HANDLE_KEY_MAX])


def profile_url(key: PersonKey) -> str | None:
    """The person's public profile, where their platform has one and the key is a handle."""
    if key.platform == Platform.MASTODON.value:
        found = _MASTODON_RE.fullmatch(key.handle)
        return f"https://{found.group('host')}/@{found.group('user')}" if found else None
    template = next((t for p, t in _PROFILE_URLS.items() if p.value == key.platform), None)
    if template is None or not _HANDLE_RE.fullmatch(key.handle):
        return None
    return template.format(key.handle)


@dataclass(frozen=True, slots=True)
class Known:
    """A stored person: their id and key."""

    id: int
    key: PersonKey


@dataclass(frozen=True, slots=True)
class PersonPage:
    """Everything `/connect who` shows about one person (and everyone merged into them)."""

    person: Known
    #: Other handles found to be the same person.
    aliases: tuple[Known, ...]
    #: The latest touches, newest first (at most the page's limit).
    touches: tuple[Touch, ...]
    total: int
    first_touch: date
    last_touch: date
    principles: tuple[tuple[Principle, int], ...]
    #: People this one could be merged into ("same person as…"), same handle first.
    candidates: tuple[Known, ...]


@dataclass(frozen=True, slots=True)
class TeammateTouch:
    """The latest touch of a person by another member, for the line under a confirmation."""

    user_id: str
    person: PersonKey
    principle: Principle
    local_date: date


@dataclass(frozen=True, slots=True)
class RecentPerson:
    """Someone a member touched lately, for the Home's People section."""

    person: Known
    last_touch: date
    touches: int


@dataclass(frozen=True, slots=True)
class Merge:
    """A merge that happened: who went into whom, and which people moved (to undo it)."""

    source: Known
    target: Known
    moved: tuple[int, ...]


def profile_urls(page: PersonPage) -> tuple[str, ...]:
    """Every profile link of a person and their aliases, in order, without repeats."""
    urls = (profile_url(known.key) for known in (page.person, *page.aliases))
    return tuple(dict.fromkeys(url for url in urls if url))
