"""manifest.yml declares exactly what the code handles and calls: no more scopes, no fewer."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from slackapp.render import ids
from slackapp.slack.scopes import BOT_SCOPES

ROOT = Path(__file__).resolve().parent.parent

#: Bot scope each Web API method needs (None: no scope). A new call must be added here.
METHOD_SCOPES: dict[str, str | None] = {
    "auth_test": None,
    "chat_postMessage": "chat:write",
    "chat_postEphemeral": "chat:write",
    "chat_update": "chat:write",
    "chat_getPermalink": None,
    "views_open": None,
    "views_update": None,
    "views_push": None,
    "views_publish": None,
    "users_info": "users:read",
    "users_list": "users:read",
    "conversations_join": "channels:join",
    "files_upload_v2": "files:write",
    "conversations_open": "im:write",
}


def manifest(name: str = "manifest.yml") -> dict[str, Any]:
    data = yaml.safe_load((ROOT / name).read_text())
    assert isinstance(data, dict)
    return data


DISTRIBUTION = "manifest.distribution.yml"


def source() -> str:
    files = [*ROOT.joinpath("slackapp").rglob("*.py"), *ROOT.joinpath("handlers").rglob("*.py")]
    return "\n".join(p.read_text() for p in files)


def test_bot_scopes_cover_exactly_the_methods_the_code_calls() -> None:
    called = set(re.findall(r"\bclient\.([A-Za-z_0-9]+)\(", source()))
    unknown = called - METHOD_SCOPES.keys()
    assert not unknown, f"add these methods' scopes to METHOD_SCOPES: {sorted(unknown)}"
    needed = {METHOD_SCOPES[m] for m in called} - {None} | {"commands"}
    declared = set(manifest()["oauth_config"]["scopes"]["bot"])
    assert declared == needed


def test_the_code_knows_the_manifest_scopes() -> None:
    # `slackapp doctor` compares what Slack granted with these (the manifest is not installed).
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES


def test_commands_shortcuts_and_events_match_the_listeners() -> None:
    handlers = "\n".join(p.read_text() for p in ROOT.joinpath("handlers").glob("*.py"))
    data = manifest()
    commands = {c["command"] for c in data["features"]["slash_commands"]}
    assert commands == set(re.findall(r'app\.command\("(/[a-z]+)"\)', handlers))
    shortcuts = {s["callback_id"] for s in data["features"]["shortcuts"]}
    assert shortcuts == {ids.LOG_MESSAGE_SHORTCUT}
    events = set(data["settings"]["event_subscriptions"]["bot_events"])
    assert events == set(re.findall(r'app\.event\("([a-z_]+)"\)', handlers))


def test_every_url_is_the_one_endpoint_and_home_is_on() -> None:
    data = manifest()
    urls = [c["url"] for c in data["features"]["slash_commands"]]
    urls += [
        data["settings"]["event_subscriptions"]["request_url"],
        data["settings"]["interactivity"]["request_url"],
    ]
    assert {u.rsplit("/", 2)[-2] + "/" + u.rsplit("/", 1)[-1] for u in urls} == {"slack/events"}
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    assert data["settings"]["interactivity"]["is_enabled"] is True


def test_both_manifests_ask_for_the_scopes_the_code_knows() -> None:
    for name in ("manifest.yml", DISTRIBUTION):
        assert set(manifest(name)["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES, name


def test_the_distribution_manifest_is_manifest_yml_for_many_workspaces() -> None:
    one, many = manifest(), manifest(DISTRIBUTION)
    # The same app: commands, shortcuts, Home, events and interactivity.
    assert many["features"] == one["features"]
    assert many["settings"]["event_subscriptions"] == one["settings"]["event_subscriptions"]
    assert many["settings"]["interactivity"] == one["settings"]["interactivity"]
    # Installed with Add to Slack, org-wide on Enterprise Grid, with rotating tokens.
    assert many["settings"]["org_deploy_enabled"] is True
    assert many["settings"]["token_rotation_enabled"] is True
    assert many["settings"]["socket_mode_enabled"] is False
    assert [u.rsplit("/", 2)[-2:] for u in many["oauth_config"]["redirect_urls"]] == [
        ["slack", "oauth_redirect"]
    ]
    text = (ROOT / DISTRIBUTION).read_text()
    assert "PRIVACY.md" in text and "/privacy" in many["display_information"]["long_description"]
