"""Every Slack surface, in every shape a real workspace sends it.

One flow goes through each handler: /connect logs and its Undo button, the form opened and
submitted, the message shortcut on a blocks-only bot reply in a thread, the App Home, and the
leaderboard with Share. It runs from a channel, a DM and a shared channel; for a plain
workspace install and an Enterprise Grid org-wide install (interactivity with `team: null`,
events whose authorization has no team); with and without fields Slack may add one day.
Every entry lands in the installed workspace; no team "None" ever appears.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from slackapp.render import ids
from slackapp.store.models import Connection, Team
from tests.handlers.test_connect_form import state
from tests.support.driver import SlackDriver

SHAPES = [
    ("workspace", False, "C1"),
    ("workspace", True, "D0DIRECT"),
    ("workspace", False, "C0SHARED"),
    ("org", False, "C1"),
    ("org", True, "D0DIRECT"),
    ("org", True, "C0SHARED"),
]


def _button(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    return next(
        element
        for block in blocks
        for element in [*block.get("elements", []), block.get("accessory") or {}]
        if element.get("action_id") == action_id
    )


@pytest.mark.parametrize(("install", "unknown_fields", "channel"), SHAPES)
def test_every_surface_works_in_every_shape(
    slack: SlackDriver, install: str, unknown_fields: bool, channel: str
) -> None:
    slack.install, slack.unknown_fields = install, unknown_fields

    # /connect logs, answering in the ack; Undo takes it back.
    logged = slack.command("solve answered @jane about retries", channel=channel)
    assert "Saved" in logged.json()["text"]
    undo = _button(logged.json()["blocks"], ids.UNDO_ACTION)
    slack.block_action(ids.UNDO_ACTION, value=undo["value"], channel=channel)
    slack.standin.wait_for("response_url")

    # The form, opened and submitted.
    slack.command("", channel=channel)
    view = slack.opened_view()
    assert slack.submit_view(view, state()).status == 200
    confirmations = slack.standin.wait_for(
        "chat.postMessage" if channel.startswith("D") else "chat.postEphemeral"
    )
    assert "Saved" in confirmations[-1].params["text"]

    # The message shortcut on a bot's blocks-only reply in a thread.
    slack.message_shortcut(
        ids.LOG_MESSAGE_SHORTCUT,
        channel=channel,
        message={
            "ts": "1700000000.000900",
            "thread_ts": "1700000000.000100",
            "bot_id": "B0BOT",
            "subtype": "bot_message",
            "text": "",
            "blocks": [
                {
                    "type": "rich_text",
                    "elements": [
                        {
                            "type": "rich_text_section",
                            "elements": [{"type": "text", "text": "laugh: shared a meme"}],
                        }
                    ],
                }
            ],
        },
    )
    shortcut_form = slack.opened_view(count=2)
    assert any(
        (block.get("element") or {}).get("initial_option", {}).get("value") == "laugh"
        for block in shortcut_form["blocks"]
    )

    # The App Home shows the saved entry. The Home refreshes that earlier acks set off finish
    # first, so the only publish recorded after the reset is this one.
    slack.settle()
    slack.standin.reset()
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D0HOME", "tab": "home"})
    [home] = slack.standin.wait_for("views.publish")
    assert "congratulated Sam" in json.dumps(home.json_param("view"))

    # The leaderboard, and Share.
    board = slack.command("week", command="/leaderboard", channel=channel)
    response = slack.response_to(board)
    share = _button(response["blocks"], ids.SHARE_BOARD_ACTION)
    slack.block_action(ids.SHARE_BOARD_ACTION, value=share["value"], channel=channel)
    slack.standin.wait_for("chat.postMessage")

    with slack.db.read_scope() as session:
        teams = set(session.scalars(select(Team.team_id)))
        entries = [(row.team_id, row.user_id) for row in session.scalars(select(Connection))]
    assert teams == {slack.team_id}
    assert entries == [(slack.team_id, "U1")]
