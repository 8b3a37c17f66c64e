"""Reading where and what: platform words and phrases, link domains, and the links themselves."""

from __future__ import annotations

import pytest

from slackapp.domain.parsing import parse_connect_text
from slackapp.domain.vocabulary import Platform


@pytest.mark.parametrize(
    ("text", "platform", "note"),
    [
        ("solve answered via x", Platform.TWITTER, "answered"),
        ("solve answered in X, then left", Platform.TWITTER, "answered, then left"),
        ("solve answered a question from x", Platform.TWITTER, "answered a question from x"),
        ("solve answered at X today", Platform.TWITTER, "answered at X today"),
        ("solve fixed x and y", None, "fixed x and y"),
        ("solve fixed it on x-ray day", None, "fixed it on x-ray day"),
        ("care replied to a tweet", Platform.TWITTER, "replied to a tweet"),
        ("care tweeted at @ana", Platform.TWITTER, "tweeted at @ana"),
        # A preposition phrase beats a bare word earlier in the line.
        ("laugh shared a tiktok meme on Insta", Platform.INSTAGRAM, "shared a tiktok meme"),
        ("laugh posted on IG", Platform.INSTAGRAM, "posted"),
        ("solve answered on YT", Platform.YOUTUBE, "answered"),
        ("solve answered on youtube", Platform.YOUTUBE, "answered"),
        ("solve answered on bsky", Platform.BLUESKY, "answered"),
        ("solve answered on Bluesky", Platform.BLUESKY, "answered"),
        ("solve answered on mastodon", Platform.MASTODON, "answered"),
        ("solve answered on threads", Platform.THREADS, "answered"),
        ("solve answered on tiktok", Platform.TIKTOK, "answered"),
        ("solve answered on facebook", Platform.FACEBOOK, "answered"),
        ("solve answered in r/webdev", Platform.REDDIT, "answered in r/webdev"),
        ("solve answered on LinkedIn.", Platform.LINKEDIN, "answered."),
        # Handles and channels named after a platform are not the platform.
        ("care thanked @twitter", None, "thanked @twitter"),
        ("care thanked #reddit", None, "thanked #reddit"),
        ("care thanked someone", None, "thanked someone"),
    ],
)
def test_platform_from_words(text: str, platform: Platform | None, note: str) -> None:
    parsed = parse_connect_text(text)
    assert (parsed.platform, parsed.note) == (platform, note)


@pytest.mark.parametrize(
    ("link", "platform"),
    [
        ("https://twitter.com/a/status/1", Platform.TWITTER),
        ("https://mobile.twitter.com/a/status/1", Platform.TWITTER),
        ("https://t.co/abc", Platform.TWITTER),
        ("HTTPS://X.COM/a", Platform.TWITTER),
        ("https://lnkd.in/abc", Platform.LINKEDIN),
        ("https://www.instagram.com/p/abc/", Platform.INSTAGRAM),
        ("https://m.facebook.com/story", Platform.FACEBOOK),
        ("https://fb.me/abc", Platform.FACEBOOK),
        ("https://fb.com/abc", Platform.FACEBOOK),
        ("https://vm.tiktok.com/abc", Platform.TIKTOK),
        ("https://www.youtube.com/watch?v=abc_", Platform.YOUTUBE),
        ("https://youtu.be/abc", Platform.YOUTUBE),
        ("https://old.reddit.com/r/x/1", Platform.REDDIT),
        ("https://redd.it/abc", Platform.REDDIT),
        ("https://www.threads.net/@a/post/1", Platform.THREADS),
        ("https://threads.com/@a/post/1", Platform.THREADS),
        ("https://bsky.app/profile/a", Platform.BLUESKY),
        ("https://mastodon.social/@a/1", Platform.MASTODON),
        ("https://fosstodon.org/@a/1", None),
        ("https://mastodon.example.org/@a/1", Platform.MASTODON),
        ("https://user:pw@x.com:443/a", Platform.TWITTER),
        ("https://notx.com/a", None),
        ("https://x.com.evil.example/a", None),
        ("https://example.com/twitter.com", None),
        ("http://[::1]/a", None),
    ],
)
def test_platform_from_link_domain(link: str, platform: Platform | None) -> None:
    parsed = parse_connect_text(f"solve answered {link}")
    assert parsed.platform is platform
    assert parsed.link is not None
    assert parsed.link.lower() == link.lower()


def test_explicit_platform_word_beats_the_link_domain() -> None:
    parsed = parse_connect_text("solve answered on linkedin https://x.com/a/1")
    assert parsed.platform is Platform.LINKEDIN


def test_first_known_domain_among_links_names_the_platform() -> None:
    parsed = parse_connect_text("solve see https://example.com/a and https://redd.it/b")
    assert (parsed.platform, parsed.link) == (Platform.REDDIT, "https://example.com/a")


def test_unknown_domain_is_other_only_when_asked() -> None:
    link = "https://forum.example.org/t/1"
    assert parse_connect_text(f"solve answered {link}").platform is None
    assert parse_connect_text(f"solve answered on some other forum {link}").platform is (
        Platform.OTHER
    )
    # "other" without a link is just a word.
    assert parse_connect_text("solve helped the other dev").platform is None


@pytest.mark.parametrize(
    ("text", "link", "note"),
    [
        ("solve <https://x.com/a>", "https://x.com/a", ""),
        ("solve <https://x.com/a|x.com/a> done", "https://x.com/a", "done"),
        ("solve https://x.com/a, done", "https://x.com/a", "done"),
        ("solve (https://x.com/a) done", "https://x.com/a", "done"),
        ("solve https://x.com/a?b=c&d=e!", "https://x.com/a?b=c&d=e", "!"),
        ("solve <https://x.com/a done", "https://x.com/a", "< done"),
        ("solve https:// is not a link", None, "https:// is not a link"),
        ("solve ftp://x.com/a", None, "ftp://x.com/a"),
    ],
)
def test_links(text: str, link: str | None, note: str) -> None:
    parsed = parse_connect_text(text)
    assert (parsed.link, parsed.note) == (link, note)
