"""The connection form: opened by /connect, prefilled, validated inline, saved once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from slackapp.store.models import Connection
from tests.support.blockkit import assert_valid_sent, assert_valid_view
from tests.support.driver import SlackDriver


def rows(slack: SlackDriver) -> list[Connection]:
    with slack.db.session_scope() as session:
        return list(session.scalars(select(Connection).order_by(Connection.id)))


def state(
    *,
    principle: str | None = "care",
    platform: str | None = "linkedin",
    who: str | None = "@sam",
    link: str | None = "https://www.linkedin.com/posts/sam-1",
    note: str | None = "congratulated Sam on the launch",
    day: str | None = "2026-11-27",
) -> dict[str, Any]:
    """state.values as Slack sends them for our form."""

    def selected(value: str | None, kind: str) -> dict[str, Any]:
        option = {"value": value, "text": {"type": "plain_text", "text": value}} if value else None
        return {"value": {"type": kind, "selected_option": option}}

    return {
        "principle": selected(principle, "radio_buttons"),
        "platform": selected(platform, "static_select"),
        "who": {"value": {"type": "plain_text_input", "value": who}},
        "link": {"value": {"type": "plain_text_input", "value": link}},
        "note": {"value": {"type": "plain_text_input", "value": note}},
        "date": {"value": {"type": "datepicker", "selected_date": day}},
    }


def test_bare_connect_opens_the_form_dated_in_the_members_zone(slack: SlackDriver) -> None:
    # 02:00 UTC Saturday: still Friday in New York.
    slack.clock.now = slack.clock.now.replace(day=28, hour=2)
    reply = slack.command("")
    assert reply.status == 200
    view = slack.opened_view()
    assert_valid_view(view)
    assert view["callback_id"] == "connect_form"
    date_block = next(b for b in view["blocks"] if b["block_id"] == "date")
    assert date_block["element"]["initial_date"] == "2026-11-27"
    call = slack.standin.calls("views.open")[0]
    assert call.params["trigger_id"] == "trigger.1"


def test_text_without_a_principle_opens_the_form_prefilled(slack: SlackDriver) -> None:
    slack.command("chatted with @kim on linkedin https://www.linkedin.com/posts/kim-2")
    view = slack.opened_view()
    assert_valid_view(view)
    blocks = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert "initial_option" not in blocks["principle"]
    assert blocks["platform"]["initial_option"]["value"] == "linkedin"
    assert blocks["who"]["initial_value"] == "@kim"
    assert blocks["link"]["initial_value"] == "https://www.linkedin.com/posts/kim-2"
    assert rows(slack) == []


def test_submit_saves_and_confirms_with_progress_and_undo(slack: SlackDriver) -> None:
    slack.command("", channel="C42")
    view = slack.opened_view()
    reply = slack.submit_view(view, state())
    assert reply.status == 200
    assert reply.body in (b"", b"{}") or reply.json() in (None, {})
    call = slack.standin.wait_for("chat.postEphemeral")[0]
    assert call.params["channel"] == "C42"
    assert call.params["user"] == "U1"
    payload = {"text": call.params["text"], "blocks": call.json_param("blocks")}
    assert_valid_sent(payload)
    assert "1/10 today" in str(payload)
    assert "undo_connection" in str(payload["blocks"])
    [row] = rows(slack)
    assert (row.principle, row.platform, row.who, row.source) == (
        "care",
        "linkedin",
        "@sam",
        "modal",
    )


def test_the_same_modal_submitted_twice_saves_one_entry(slack: SlackDriver) -> None:
    slack.command("")
    view = slack.opened_view()
    slack.submit_view(view, state(), view_id="VSAME")
    slack.submit_view(view, state(), view_id="VSAME")
    calls = slack.standin.wait_for("chat.postEphemeral", count=2)
    assert len(rows(slack)) == 1
    # The two confirmations go out after their acks, in either order.
    texts = sorted(call.params["text"] for call in calls)
    assert texts[0].startswith("Already saved") and texts[1].startswith("Saved")


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"principle": None}, "principle", "Pick the kind"),
        ({"link": "not a link"}, "link", "web link"),
        ({"link": "ftp://files.example.com/x"}, "link", "web link"),
        ({"day": "2026-11-28"}, "date", "hasn't happened yet"),
        ({"day": "2026-10-27"}, "date", "30 days back"),
    ],
)
def test_invalid_input_is_reported_inline_and_nothing_saved(
    slack: SlackDriver, values: dict[str, Any], field: str, words: str
) -> None:
    slack.command("")
    view = slack.opened_view()
    reply = slack.submit_view(view, state(**values))
    assert reply.status == 200
    body = reply.json()
    assert body["response_action"] == "errors"
    assert words in body["errors"][field]
    assert rows(slack) == []


def test_thirty_days_back_is_still_allowed(slack: SlackDriver) -> None:
    slack.command("")
    slack.submit_view(slack.opened_view(), state(day="2026-10-28"))
    slack.standin.wait_for("chat.postEphemeral")
    [row] = rows(slack)
    assert str(row.local_date) == "2026-10-28"


def test_confirmation_falls_back_to_a_dm_where_the_bot_cannot_post(slack: SlackDriver) -> None:
    slack.standin.fail("chat.postEphemeral", "channel_not_found")
    slack.command("", channel="CPRIVATE")
    slack.submit_view(slack.opened_view(), state())
    call = slack.standin.wait_for("chat.postMessage")[0]
    assert call.params["channel"] == "U1"
    assert "1/10 today" in call.params["text"]


def test_message_shortcut_prefills_permalink_and_text(slack: SlackDriver) -> None:
    reply = slack.message_shortcut(
        "log_message_as_connection",
        message={"ts": "1700000000.000200", "text": "Thanks <@U2|ben>, that fixed my webhook!"},
        channel="C7",
    )
    assert reply.status == 200
    view = slack.opened_view()
    assert_valid_view(view)
    blocks = {b["block_id"]: b["element"] for b in view["blocks"]}
    permalink = slack.standin.calls("chat.getPermalink")[0]
    assert permalink.params["channel"] == "C7"
    assert blocks["link"]["initial_value"].startswith("https://")
    assert "1700000000000200" in blocks["link"]["initial_value"]
    assert "fixed my webhook" in blocks["note"]["initial_value"]
    # Saving it works like any other form.
    slack.submit_view(view, state(link=blocks["link"]["initial_value"]))
    slack.standin.wait_for("chat.postEphemeral")
    assert len(rows(slack)) == 1


def test_a_form_slack_will_not_open_gets_a_clear_answer(slack: SlackDriver) -> None:
    # Opening the form follows the ack; a failure there still reaches the member.
    slack.standin.fail("views.open", "expired_trigger_id")
    reply = slack.command("")
    assert reply.status == 200
    answer = slack.response_to(reply)
    assert_valid_sent(answer)
    assert answer.get("response_type") == "ephemeral"
    assert "didn't go through" in answer["text"]
