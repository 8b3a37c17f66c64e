"""Handle normalisation: every spelling of one person on one platform is one key."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slackapp.domain.people import NO_PLATFORM, SLACK, PersonKey, person_key, profile_url
from slackapp.domain.vocabulary import Platform

X = Platform.TWITTER

handles = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_]{0,14}", fullmatch=True)
platforms = st.sampled_from([*Platform, None])
#: Platforms whose profiles live at a URL built from the handle.
with_urls = [p for p in Platform if p not in {Platform.OTHER, Platform.MASTODON}]


@pytest.mark.parametrize(
    ("who", "platform", "expected"),
    [
        ("@Jane", X, ("twitter", "jane", "@jane")),
        ("jane", X, ("twitter", "jane", "@jane")),
        ("x.com/jane", None, ("twitter", "jane", "@jane")),
        ("twitter.com/JANE", Platform.LINKEDIN, ("twitter", "jane", "@jane")),
        ("https://mobile.twitter.com/jane/status/1?s=20", None, ("twitter", "jane", "@jane")),
        ("https://www.linkedin.com/in/jane-doe/", None, ("linkedin", "jane-doe", "@jane-doe")),
        ("instagram.com/jane.doe", None, ("instagram", "jane.doe", "@jane.doe")),
        ("reddit.com/u/Jane", None, ("reddit", "jane", "@jane")),
        ("https://old.reddit.com/user/jane/", None, ("reddit", "jane", "@jane")),
        ("reddit.com/r/python", None, ("", "reddit.com/r/python", "reddit.com/r/python")),
        ("https://www.reddit.com/user/jane/", None, ("reddit", "jane", "@jane")),
        (
            "@jane.bsky.social",
            Platform.BLUESKY,
            ("bluesky", "jane.bsky.social", "@jane.bsky.social"),
        ),
        ("jane", Platform.BLUESKY, ("bluesky", "jane.bsky.social", "@jane.bsky.social")),
        (
            "bsky.app/profile/Jane.bsky.social",
            None,
            ("bluesky", "jane.bsky.social", "@jane.bsky.social"),
        ),
        ("@Jane@Hachyderm.io", None, ("mastodon", "jane@hachyderm.io", "@jane@hachyderm.io")),
        (
            "https://hachyderm.io/@jane",
            None,
            ("mastodon", "jane@hachyderm.io", "@jane@hachyderm.io"),
        ),
        ("tiktok.com/@jane", None, ("tiktok", "jane", "@jane")),
        ("<@U123ABC>", X, (SLACK, "U123ABC", "<@U123ABC>")),
        ("<@U123ABC|jane>", None, (SLACK, "U123ABC", "<@U123ABC>")),
        ("Jane  Doe", None, (NO_PLATFORM, "jane doe", "Jane Doe")),
        ("@jane", None, (NO_PLATFORM, "jane", "@jane")),
    ],
)
def test_spellings(who: str, platform: Platform | None, expected: tuple[str, str, str]) -> None:
    key = person_key(who, platform)
    assert key is not None
    assert (key.platform, key.handle, key.display) == expected


@pytest.mark.parametrize("who", [None, "", "   ", "\x00"])
def test_nobody(who: str | None) -> None:
    assert person_key(who, X) is None


@pytest.mark.parametrize(
    ("key", "url"),
    [
        (PersonKey("twitter", "jane", "@jane"), "https://x.com/jane"),
        (PersonKey("linkedin", "jane-doe", "@jane-doe"), "https://www.linkedin.com/in/jane-doe"),
        (PersonKey("reddit", "jane", "@jane"), "https://www.reddit.com/user/jane"),
        (PersonKey("mastodon", "jane@hachyderm.io", "@j"), "https://hachyderm.io/@jane"),
        (PersonKey("bluesky", "j.bsky.social", "@j"), "https://bsky.app/profile/j.bsky.social"),
        (PersonKey(SLACK, "U1", "<@U1>"), None),
        (PersonKey(NO_PLATFORM, "jane", "@jane"), None),
        (PersonKey("other", "jane", "@jane"), None),
        (PersonKey("twitter", "jane doe", "Jane Doe"), None),
    ],
)
def test_profile_urls(key: PersonKey, url: str | None) -> None:
    assert profile_url(key) == url


@given(handle=handles)
def test_every_spelling_on_x_is_one_person(handle: str) -> None:
    spellings = [
        f"@{handle}",
        handle,
        handle.upper(),
        f"x.com/{handle}",
        f"twitter.com/{handle}",
        f"https://www.twitter.com/{handle.swapcase()}/",
        f"https://x.com/{handle}/status/123",
    ]
    keys = {person_key(s, X) for s in spellings}
    assert keys == {PersonKey("twitter", handle.casefold(), f"@{handle.casefold()}")}


@given(handle=handles, platform=st.sampled_from(with_urls))
def test_a_profile_url_names_the_same_person_back(handle: str, platform: Platform) -> None:
    key = person_key(f"@{handle}", platform)
    assert key is not None
    url = profile_url(key)
    assert url is not None
    assert person_key(url, None) == key
    assert person_key(url, Platform.OTHER) == key


#: Text that looks like profile URLs, on hosts we know and on others, with odd paths.
urlish = st.builds(
    "".join,
    st.tuples(
        st.sampled_from(["", "http://", "https://", "HTTPS://www."]),
        st.sampled_from(
            ["x.com", "twitter.com", "bsky.app", "linkedin.com", "reddit.com", "hachyderm.io"]
        ),
        st.just("/"),
        st.text(alphabet="aZ0._-@/?#", max_size=20),
    ),
)


def platform_of(key: PersonKey) -> Platform | None:
    """The entry platform a key's platform column stands for (None for Slack users and names)."""
    return next((p for p in Platform if p.value == key.platform), None)


@given(who=st.one_of(st.text(max_size=80), urlish), platform=platforms)
def test_normalising_twice_changes_nothing(who: str, platform: Platform | None) -> None:
    key = person_key(who, platform)
    if key is None:
        assert not who.replace("\x00", "").strip()
        return
    # What we show for a person names that same person again on the person's own platform
    # (a URL's platform wins over the entry's, so that is the one to read the display on).
    assert person_key(key.display, platform_of(key)) == key


@given(who=st.text(max_size=300), platform=platforms)
def test_keys_fit_the_column_and_never_hold_nul(who: str, platform: Platform | None) -> None:
    key = person_key(who, platform)
    if key is not None:
        assert 0 < len(key.handle) <= 200 and len(key.display) <= 200
        assert "\x00" not in key.handle + key.display
        assert key.handle == key.handle.strip()
