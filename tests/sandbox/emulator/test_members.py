"""Members acting through the emulator, with the real app behind it: what Slack sends, and
what each member then sees."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from slackapp.render import ids
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.sandbox.emulator.members import SLACKBOT
from slackapp.store.models import Connection
from tests.sandbox.rig import Served

ANA, BEN = "U0ANA", "U0BEN"
MARKETING = "C0MARKETING"


def last(emulator: SlackEmulator, channel: str, *, viewer: str) -> dict[str, Any]:
    return emulator.messages(channel, viewer=viewer)[-1]


def find_action(blocks: list[dict[str, Any]], action_id: str) -> str:
    """The block_id of the block holding `action_id`, as the page names it."""
    for index, block in enumerate(blocks):
        elements = block.get("elements") or [block.get("accessory") or {}]
        if any(isinstance(e, dict) and e.get("action_id") == action_id for e in elements):
            return str(block.get("block_id") or f"b{index}")
    raise AssertionError(f"no {action_id} in {json.dumps(blocks)[:300]}")


def test_a_command_answer_is_shown_only_to_whoever_sent_it(served: Served) -> None:
    outcome = served.members.command(user=ANA, channel=MARKETING, text="/connect help")

    assert outcome.ok and outcome.answer is not None and outcome.answer.via == "http"
    reply = last(served.emulator, MARKETING, viewer=ANA)
    assert reply["visible_to"] == ANA
    assert "Four ways to give value" in json.dumps(reply["blocks"])
    assert all(m["visible_to"] is None for m in served.emulator.messages(MARKETING, viewer=BEN))


def test_mentions_reach_the_app_as_slack_escapes_them(served: Served) -> None:
    served.members.command(
        user=ANA, channel=MARKETING, text="/connect solve @ben on twitter fixed his <retries>"
    )

    with served.db.read_scope() as session:
        saved = session.scalars(select(Connection)).one()
    assert saved.who == "<@U0BEN>"  # Slack sent <@U0BEN|ben>; the app keeps the id
    assert saved.note == "fixed his <retries>"  # Slack escaped it; the app reads it back
    reply = last(served.emulator, MARKETING, viewer=ANA)
    assert reply["text"].startswith("Saved")
    served.members.open_app(user=ANA)  # the Home is built when the member opens it
    served.emulator.wait_until(lambda: served.emulator.home(ANA) is not None)


def test_an_unknown_command_gets_slackbots_answer(served: Served) -> None:
    outcome = served.members.command(user=ANA, channel=MARKETING, text="/nope")

    assert outcome.error == "unknown_command"
    reply = last(served.emulator, MARKETING, viewer=ANA)
    assert reply["user"] == SLACKBOT and "not a valid command" in reply["text"]


def test_the_form_shows_errors_inline_then_closes_and_confirms(served: Served) -> None:
    served.members.command(user=ANA, channel=MARKETING, text="/connect")
    served.emulator.wait_until(lambda: bool(served.emulator.modals(ANA)))
    (modal,) = served.emulator.modals(ANA)
    assert modal["title"]["text"] == "Log a connection"

    served.members.submit(
        user=ANA,
        view_id=modal["id"],
        entered={"principle": {"value": "care"}, "link": {"value": "not a link"}},
    )
    (still,) = served.emulator.modals(ANA)
    assert still["errors"] == {
        "link": "That doesn't look like a web link. Try one starting with https://"
    }

    served.members.submit(
        user=ANA,
        view_id=modal["id"],
        entered={"principle": {"value": "care"}, "who": {"value": "@mira"}},
    )
    assert served.emulator.modals(ANA) == []
    served.emulator.wait_for("chat.postEphemeral")
    confirmation = last(served.emulator, MARKETING, viewer=ANA)
    assert confirmation["visible_to"] == ANA and "Show you care" in confirmation["text"]


def test_undo_replaces_the_confirmation_in_place(served: Served) -> None:
    served.members.command(user=ANA, channel=MARKETING, text="/connect laugh shared a meme")
    confirmation = last(served.emulator, MARKETING, viewer=ANA)
    block_id = find_action(confirmation["blocks"], ids.UNDO_ACTION)

    served.members.click(
        user=ANA,
        channel=MARKETING,
        ts=confirmation["ts"],
        block_id=block_id,
        action_id=ids.UNDO_ACTION,
    )

    served.emulator.wait_until(
        lambda: last(served.emulator, MARKETING, viewer=ANA)["text"].startswith("Removed")
    )
    assert last(served.emulator, MARKETING, viewer=ANA)["ts"] == confirmation["ts"]


def test_sharing_the_board_posts_it_and_deletes_the_private_copy(served: Served) -> None:
    served.members.command(user=ANA, channel=MARKETING, text="/connect solve answered a question")
    served.members.command(user=ANA, channel=MARKETING, text="/leaderboard")
    served.emulator.wait_until(
        lambda: "leaderboard" in last(served.emulator, MARKETING, viewer=ANA)["text"].lower()
    )
    board = last(served.emulator, MARKETING, viewer=ANA)
    assert board["visible_to"] == ANA

    served.members.click(
        user=ANA,
        channel=MARKETING,
        ts=board["ts"],
        block_id=find_action(board["blocks"], ids.SHARE_BOARD_ACTION),
        action_id=ids.SHARE_BOARD_ACTION,
    )

    served.emulator.wait_until(
        lambda: all(m["ts"] != board["ts"] for m in served.emulator.messages(MARKETING, viewer=ANA))
    )
    shared = last(served.emulator, MARKETING, viewer=BEN)
    assert shared["visible_to"] is None and "leaderboard" in shared["text"].lower()


def test_the_home_tab_is_published_and_delete_asks_nothing_of_slack(served: Served) -> None:
    served.members.command(user=ANA, channel=MARKETING, text="/connect care thanked @ben")
    served.members.open_app(user=ANA)
    served.emulator.wait_until(
        lambda: "Your latest entries" in json.dumps(served.emulator.home(ANA) or {})
    )
    home = served.emulator.home(ANA)
    assert home is not None
    block_id = find_action(home["blocks"], ids.DELETE_ACTION)

    served.members.click(
        user=ANA, view_id=home["id"], block_id=block_id, action_id=ids.DELETE_ACTION
    )

    served.emulator.wait_until(
        lambda: "Your latest entries" not in json.dumps(served.emulator.home(ANA) or {})
    )
    with served.db.read_scope() as session:
        assert session.scalars(select(Connection)).all() == []


def test_a_message_shortcut_opens_the_form_with_the_message(served: Served) -> None:
    posted = served.members.post(
        user=BEN, channel=MARKETING, text="Helped @priya fix her CI https://x.com/b/status/9"
    )

    served.members.shortcut(
        user=ANA, channel=MARKETING, ts=posted.ts, callback_id=ids.LOG_MESSAGE_SHORTCUT
    )

    served.emulator.wait_until(lambda: bool(served.emulator.modals(ANA)))
    (modal,) = served.emulator.modals(ANA)
    text = json.dumps(modal["blocks"])
    assert f"acme.slack.com/archives/{MARKETING}/p{posted.ts.replace('.', '')}" in text
    assert "fix her CI" in text


def test_settings_open_for_the_admin_and_are_refused_to_others(served: Served) -> None:
    served.members.command(user=BEN, channel=MARKETING, text="/connect settings")
    served.emulator.wait_until(
        lambda: "Team settings are for" in last(served.emulator, MARKETING, viewer=BEN)["text"]
    )
    assert served.emulator.modals(BEN) == []

    served.members.command(user=ANA, channel=MARKETING, text="/connect settings")
    served.emulator.wait_until(lambda: bool(served.emulator.modals(ANA)))
    assert served.emulator.modals(ANA)[0]["title"]["text"] == "Team settings"
