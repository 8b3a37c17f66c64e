"""The sandbox installs Valueboard as manifest.yml declares it, into a believable workspace."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slackapp.sandbox.seed import CHANNELS, MEMBERS, VALUEBOARD
from tests.test_manifest import manifest


def test_commands_and_shortcuts_are_the_manifests() -> None:
    features = manifest()["features"]

    declared = {
        c["command"]: (c["description"], c.get("usage_hint", ""), c["should_escape"])
        for c in features["slash_commands"]
    }
    emulated = {
        c.command: (c.description, c.usage_hint, c.should_escape) for c in VALUEBOARD.commands
    }
    assert emulated == declared
    assert {(s["name"], s["callback_id"], s["type"]) for s in features["shortcuts"]} == {
        (s.name, s.callback_id, s.type) for s in VALUEBOARD.shortcuts
    }
    home = features["app_home"]
    assert (home["home_tab_enabled"], home["messages_tab_enabled"]) == (
        VALUEBOARD.home_tab,
        VALUEBOARD.messages_tab,
    )
    assert home["messages_tab_read_only_enabled"] is VALUEBOARD.messages_tab_read_only


def test_members_live_in_several_zones_and_one_is_an_admin() -> None:
    assert len({ZoneInfo(m.tz).key for m in MEMBERS}) == len(MEMBERS)
    assert [m.handle for m in MEMBERS if m.is_admin] == ["ana"]
    assert len({m.user_id for m in MEMBERS}) == len(MEMBERS)


def test_valueboard_is_in_some_channels_and_not_others() -> None:
    assert {c.bot_member for c in CHANNELS} == {True, False}
