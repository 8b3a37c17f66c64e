"""A restarted sandbox keeps what members saw: messages and shared files."""

from __future__ import annotations

from pathlib import Path

from slack_sdk import WebClient

from slackapp.sandbox import seed
from tests.sandbox.rig import sandbox_emulator
from tests.support.driver import FakeClock


def test_messages_and_files_survive_a_restart(clock: FakeClock, tmp_path: Path) -> None:
    saved = tmp_path / "slack.json"
    with sandbox_emulator(clock) as first:
        seed.populate(first)
        client = WebClient(token=first.bot_token, base_url=first.api_url)
        client.chat_postMessage(channel="C0MARKETING", text="kept")
        client.chat_postEphemeral(channel="C0MARKETING", user="U0ANA", text="gone")
        client.files_upload_v2(channel="C0MARKETING", content=b"png", filename="w.png")
        first.save(saved)
        before = first.messages("C0MARKETING")

    with sandbox_emulator(clock) as second:
        assert second.restore(saved)
        seed.populate(second)
        after = second.messages("C0MARKETING", viewer="U0ANA")
        posted = WebClient(token=second.bot_token, base_url=second.api_url).chat_postMessage(
            channel="C0MARKETING", text="new"
        )

    assert [m["text"] for m in after] == [m["text"] for m in before]
    assert "gone" not in [m["text"] for m in after]
    assert float(posted["ts"]) > float(after[-1]["ts"])
    # The seeded first messages are not added twice.
    assert sum(m["user"] == "U0BEN" for m in after) == 1
