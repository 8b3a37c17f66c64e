""" "Log as a connection" on the messages people really post: outside links, blocks only,
attachments only, bots, threads, DMs, and payloads with fields we have never seen."""

from __future__ import annotations

from typing import Any

import pytest

from slackapp.render import ids
from tests.support.blockkit import assert_valid_view
from tests.support.driver import SlackDriver

REDDIT = "https://www.reddit.com/r/marketing/comments/abc123"


def _form(slack: SlackDriver, message: dict[str, Any], *, channel: str = "C7") -> dict[str, Any]:
    reply = slack.message_shortcut(ids.LOG_MESSAGE_SHORTCUT, message=message, channel=channel)
    assert reply.status == 200
    view = slack.opened_view()
    assert_valid_view(view)
    return {block["block_id"]: block["element"] for block in view["blocks"] if "element" in block}


def _value(element: dict[str, Any]) -> str:
    option = element.get("initial_option") or {}
    return str(element.get("initial_value") or option.get("value") or "")


def test_an_outside_link_is_the_connections_link_and_the_permalink_goes_in_the_note(
    slack: SlackDriver,
) -> None:
    slack.standin.add_user("W0MARIA", display_name="Maria", tz="Europe/Madrid")
    form = _form(
        slack,
        {"ts": "1700000000.000300", "text": f"thanks <@W0MARIA> for the answer {REDDIT}"},
    )
    assert _value(form["link"]) == REDDIT
    assert _value(form["platform"]) == "reddit"
    assert _value(form["who"]) == "@Maria"
    note = _value(form["note"])
    assert "thanks" in note and "1700000000000300" in note and "From Slack:" in note
    assert "<@" not in note


def test_a_message_with_only_a_slack_link_keeps_the_permalink_as_the_link(
    slack: SlackDriver,
) -> None:
    form = _form(slack, {"ts": "1700000000.000400", "text": "great question from the team"})
    assert "1700000000000400" in _value(form["link"])
    assert "From Slack" not in _value(form["note"])


def test_a_blocks_only_message_prefills_from_its_rich_text(slack: SlackDriver) -> None:
    message = {
        "ts": "1700000000.000500",
        "text": "",
        "blocks": [
            {
                "type": "rich_text",
                "block_id": "r1",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [
                            {"type": "text", "text": "answered "},
                            {"type": "user", "user_id": "U2"},
                            {"type": "text", "text": " about webhooks on linkedin "},
                            {"type": "link", "url": "https://www.linkedin.com/posts/ben-1"},
                            {"type": "emoji", "name": "bulb"},
                        ],
                    }
                ],
            }
        ],
    }
    form = _form(slack, message)
    assert _value(form["link"]) == "https://www.linkedin.com/posts/ben-1"
    assert _value(form["who"]) == "@Ben"
    assert "webhooks" in _value(form["note"])


def test_an_attachments_only_bot_message_prefills_from_its_attachment(
    slack: SlackDriver,
) -> None:
    message = {
        "ts": "1700000000.000600",
        "type": "message",
        "subtype": "bot_message",
        "bot_id": "B0FEED",
        "text": "",
        "attachments": [
            {
                "fallback": "New mention",
                "title": "Someone asked about onboarding",
                "title_link": "https://x.com/dana/status/42",
                "text": "How do you onboard a new client?",
            }
        ],
    }
    form = _form(slack, message)
    assert _value(form["link"]) == "https://x.com/dana/status/42"
    assert "onboard" in _value(form["note"])


@pytest.mark.parametrize("channel", ["D0DIRECT", "C0SHARED"])
def test_a_thread_reply_with_unknown_fields_in_a_dm_or_shared_channel_opens_the_form(
    slack: SlackDriver, channel: str
) -> None:
    message = {
        "ts": "1700000000.000700",
        "thread_ts": "1700000000.000100",
        "parent_user_id": "U2",
        "text": "care: thanks for the kind words",
        "a_field_slack_added_later": {"nested": [1, 2, 3]},
        "metadata": {"event_type": "x", "event_payload": {}},
    }
    form = _form(slack, message, channel=channel)
    assert _value(form["principle"]) == "care"
    assert "1700000000000700" in _value(form["link"])
