"""Which workspace an entry belongs to: Slack Connect, org-wide installs, never "None".

Payload shapes follow Slack's: in a shared channel a modal's `team.id` and `user.team_id` are
the submitter's own organisation while `view.app_installed_team_id` is ours; an org-wide
install sends events whose `authorizations[0].team_id` is null and interactivity whose `team`
is null.
"""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import select

from slackapp.store.models import Connection, Team
from tests.handlers.test_connect_form import state
from tests.support.driver import SlackDriver

OTHER_ORG = "T0OTHERORG"


def _teams(slack: SlackDriver) -> set[str]:
    with slack.db.read_scope() as session:
        return set(session.scalars(select(Team.team_id)))


def _entries(slack: SlackDriver) -> list[tuple[str, str]]:
    with slack.db.read_scope() as session:
        return [(c.team_id, c.user_id) for c in session.scalars(select(Connection))]


def _submission(
    slack: SlackDriver, view: dict[str, Any], *, user: dict[str, Any], team: Any
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": team,
        "user": user,
        "api_app_id": "A0APP",
        "trigger_id": "trigger.x",
        "view": {
            **view,
            "id": "VSHARED01",
            "team_id": slack.team_id,
            "app_installed_team_id": slack.team_id,
            "state": {"values": state()},
            "hash": "h1",
        },
    }


def test_our_member_in_a_shared_channel_logs_on_our_board(slack: SlackDriver) -> None:
    slack.command("", channel="CSHARED")
    view = slack.opened_view()
    user = {"id": "U1", "username": "u1", "name": "u1", "team_id": slack.team_id}
    reply = slack.post_payload(
        _submission(slack, view, user=user, team={"id": slack.team_id, "domain": "acme"})
    )
    assert reply.status == 200 and reply.body in {b"", b"{}"}
    assert _entries(slack) == [(slack.team_id, "U1")]


def test_a_member_of_another_organisation_is_told_kindly_and_nothing_is_saved(
    slack: SlackDriver,
) -> None:
    slack.command("", channel="CSHARED")
    view = slack.opened_view()
    user = {"id": "UEXT1", "username": "guest", "name": "guest", "team_id": OTHER_ORG}
    reply = slack.post_payload(
        _submission(slack, view, user=user, team={"id": OTHER_ORG, "domain": "partner"})
    )
    answer = reply.json()
    assert answer["response_action"] == "update"
    assert "ask an admin of your workspace" in json.dumps(answer["view"])
    assert _entries(slack) == []
    assert OTHER_ORG not in _teams(slack)


def test_a_slash_command_from_a_shared_channel_uses_the_installed_workspace(
    slack: SlackDriver,
) -> None:
    reply = slack.command("care thanked @sam for the launch post", channel="CSHARED")
    assert "Saved" in reply.json()["text"]
    assert _entries(slack) == [(slack.team_id, "U1")]


def _org_event(slack: SlackDriver, event: dict[str, Any]) -> dict[str, Any]:
    return {
        "token": "deprecated",
        "team_id": slack.team_id,
        "enterprise_id": "E0ORG",
        "api_app_id": "A0APP",
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{time.monotonic_ns()}",
        "event_time": int(time.time()),
        "is_ext_shared_channel": False,
        "authorizations": [
            {
                "enterprise_id": "E0ORG",
                "team_id": None,
                "user_id": "UBOT",
                "is_bot": True,
                "is_enterprise_install": True,
            }
        ],
    }


def test_org_install_home_shows_the_members_entries_and_no_none_team(slack: SlackDriver) -> None:
    slack.command("solve answered @jane's question about webhook retries")
    slack.settle()
    slack.standin.reset()
    event = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}
    body = json.dumps(_org_event(slack, event)).encode()
    assert slack.post(body, content_type="application/json").status == 200
    [call] = slack.standin.wait_for("views.publish")
    assert "webhook retries" in json.dumps(call.json_param("view"))
    assert "None" not in _teams(slack)


def test_org_install_button_with_a_null_team_undoes_in_the_right_workspace(
    slack: SlackDriver,
) -> None:
    reply = slack.command("solve answered @jane")
    [entry_id] = [
        element["value"]
        for block in reply.json()["blocks"]
        for element in [*block.get("elements", []), block.get("accessory") or {}]
        if element.get("action_id") == "undo_connection"
    ]
    payload = {
        "type": "block_actions",
        "team": None,
        "enterprise": {"id": "E0ORG", "name": "Org"},
        "is_enterprise_install": True,
        "user": {"id": "U1", "username": "u1", "name": "u1", "team_id": slack.team_id},
        "api_app_id": "A0APP",
        "trigger_id": "trigger.org",
        "container": {"type": "message"},
        "channel": {"id": "C1", "name": "general"},
        "response_url": slack.standin.response_url("org-undo"),
        "actions": [{"type": "button", "action_id": "undo_connection", "value": entry_id}],
    }
    assert slack.post_payload(payload).status == 200
    slack.standin.wait_for("response_url")
    assert _entries(slack) == []
    assert "None" not in _teams(slack)


def test_a_payload_with_no_workspace_at_all_saves_nothing(slack: SlackDriver) -> None:
    body = {
        "command": "/connect",
        "text": "solve answered @jane",
        "user_id": "U1",
        "channel_id": "C1",
        "response_url": slack.standin.response_url("nowhere"),
        "trigger_id": "t.none",
    }
    reply = slack.post_form(body)
    assert reply.status == 200
    assert "couldn't tell which workspace" in reply.json()["text"]
    assert _entries(slack) == [] and "None" not in _teams(slack)
