"""Web API behaviour the sandbox relies on beyond the stand-in's: triggers, response URLs,
messages that can be edited only by their author, uploads that show up as files."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from slackapp.sandbox import seed
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.sandbox.emulator.workspace import ResponseTarget
from tests.sandbox.rig import sandbox_emulator
from tests.support.driver import FakeClock

ANA, MARKETING = "U0ANA", "C0MARKETING"
MODAL = {"type": "modal", "title": {"type": "plain_text", "text": "Hi"}, "blocks": []}


@pytest.fixture
def emulator(clock: FakeClock) -> Iterator[SlackEmulator]:
    with sandbox_emulator(clock) as emulator:
        seed.populate(emulator)
        yield emulator


@pytest.fixture
def client(emulator: SlackEmulator) -> WebClient:
    return WebClient(token=emulator.bot_token, base_url=emulator.api_url)


def error_of(excinfo: pytest.ExceptionInfo[SlackApiError]) -> object:
    return excinfo.value.response["error"]


def test_a_trigger_opens_one_modal_for_its_member_within_three_seconds(
    emulator: SlackEmulator, client: WebClient
) -> None:
    with emulator.lock:
        fresh = emulator.ws.issue_trigger(user=ANA, channel=MARKETING)
        stale = emulator.ws.issue_trigger(user=ANA, channel=MARKETING)
        emulator.ws.triggers[stale].issued -= 3.5

    opened = client.views_open(trigger_id=fresh, view=MODAL)["view"]

    assert [m["id"] for m in emulator.modals(ANA)] == [opened["id"]]
    with pytest.raises(SlackApiError) as again:
        client.views_open(trigger_id=fresh, view=MODAL)
    assert error_of(again) == "exchanged_trigger_id"
    with pytest.raises(SlackApiError) as late:
        client.views_open(trigger_id=stale, view=MODAL)
    assert error_of(late) == "expired_trigger_id"


def test_pushed_modals_stack_up_to_three(emulator: SlackEmulator, client: WebClient) -> None:
    with emulator.lock:
        triggers = [emulator.ws.issue_trigger(user=ANA, channel=None) for _ in range(4)]
    client.views_open(trigger_id=triggers[0], view=MODAL)
    client.views_push(trigger_id=triggers[1], view=MODAL)
    client.views_push(trigger_id=triggers[2], view=MODAL)

    with pytest.raises(SlackApiError) as full:
        client.views_push(trigger_id=triggers[3], view=MODAL)

    assert error_of(full) == "push_limit_reached"
    stack = emulator.modals(ANA)
    assert len(stack) == 3 and stack[2]["previous_view_id"] == stack[1]["id"]


def test_a_response_url_takes_five_posts(emulator: SlackEmulator) -> None:
    with emulator.lock:
        key = emulator.ws.issue_response_url(
            ResponseTarget(user=ANA, channel=MARKETING, original_ts=None, command="/x")
        )
    webhook = WebhookClient(f"{emulator.base_url}/response/{key}")

    statuses = [webhook.send(text=f"reply {n}").status_code for n in range(6)]

    assert statuses == [200, 200, 200, 200, 200, 404]
    shown = emulator.messages(MARKETING, viewer=ANA)
    assert [m["text"] for m in shown[-5:]] == [f"reply {n}" for n in range(5)]
    assert all(m["visible_to"] == ANA for m in shown[-5:])


def test_replace_and_delete_original_act_on_the_message_acted_on(
    emulator: SlackEmulator, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel=MARKETING, text="board")["ts"]
    with emulator.lock:
        key = emulator.ws.issue_response_url(
            ResponseTarget(user=ANA, channel=MARKETING, original_ts=posted)
        )
    webhook = WebhookClient(f"{emulator.base_url}/response/{key}")

    webhook.send(text="board, updated", replace_original=True)
    assert emulator.messages(MARKETING)[-1]["text"] == "board, updated"
    webhook.send(text="only you", replace_original=False)
    assert emulator.messages(MARKETING, viewer=ANA)[-1]["text"] == "only you"
    webhook.send(delete_original=True)

    assert posted not in {m["ts"] for m in emulator.messages(MARKETING, viewer=ANA)}


def test_only_the_bots_own_messages_can_be_edited(
    emulator: SlackEmulator, client: WebClient
) -> None:
    theirs = emulator.members.post(user=ANA, channel=MARKETING, text="mine")

    with pytest.raises(SlackApiError) as refused:
        client.chat_update(channel=MARKETING, ts=theirs.ts, text="changed")

    assert error_of(refused) == "cant_update_message"


def test_an_uploaded_chart_appears_as_a_file_message(
    emulator: SlackEmulator, client: WebClient
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)

    client.files_upload_v2(
        channel=MARKETING,
        content=png,
        filename="week.png",
        title="The week",
        initial_comment="Day by day",
    )

    message = emulator.messages(MARKETING)[-1]
    assert message["text"] == "Day by day"
    (shared,) = message["files"]
    assert (shared["title"], shared["mimetype"]) == ("The week", "image/png")
    with urllib.request.urlopen(shared["url_private"]) as response:
        assert response.read() == png


def test_history_and_channel_membership(emulator: SlackEmulator, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as outside:
        client.chat_postMessage(channel="C0RANDOM", text="hi")
    assert error_of(outside) == "not_in_channel"

    client.conversations_join(channel="C0RANDOM")
    client.chat_postMessage(channel="C0RANDOM", text="hi")

    history = client.conversations_history(channel="C0RANDOM")["messages"]
    assert history[0]["text"] == "hi"


def test_app_tokens_open_socket_mode_connections_and_nothing_else(
    emulator: SlackEmulator, client: WebClient
) -> None:
    app_client = WebClient(token=emulator.app_token, base_url=emulator.api_url)

    url = app_client.apps_connections_open(app_token=emulator.app_token)["url"]

    assert url.startswith("ws://127.0.0.1:")
    with pytest.raises(SlackApiError) as bot:
        client.apps_connections_open(app_token=emulator.bot_token)
    assert error_of(bot) == "not_allowed_token_type"
    with pytest.raises(SlackApiError) as wrong:
        app_client.auth_test()
    assert error_of(wrong) == "not_allowed_token_type"
