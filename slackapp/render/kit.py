"""Block Kit rendering: pure functions from data to Slack payload dicts.

Every message renderer returns a `Message`, which always carries a plain `text` fallback
for notifications and screen readers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from slackapp.render.ids import INPUT_ACTION

Block = dict[str, Any]

#: Slack's limit on section text.
SECTION_TEXT_MAX = 3000


@dataclass(frozen=True, slots=True)
class Message:
    """A message payload: fallback text plus blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for chat.postMessage, chat.postEphemeral or respond()."""
        return {"text": self.text, "blocks": self.blocks}


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str, *, emoji: bool = True) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": emoji}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text, SECTION_TEXT_MAX)}


def section(text: str, *, block_id: str | None = None, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    if accessory:
        block["accessory"] = accessory
    return block


def header(text: str) -> Block:
    return {"type": "header", "text": plain(truncate(text, 150))}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(truncate(t, 2000)) for t in texts[:10]]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    *,
    action_id: str,
    value: str | None = None,
    style: str | None = None,
    confirm: Block | None = None,
) -> Block:
    element: Block = {"type": "button", "text": plain(truncate(text, 75)), "action_id": action_id}
    if value is not None:
        element["value"] = value
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def confirm_dialog(*, title: str, text: str, confirm: str, deny: str = "Keep it") -> Block:
    return {
        "title": plain(truncate(title, 100)),
        "text": plain(truncate(text, 300)),
        "confirm": plain(truncate(confirm, 30)),
        "deny": plain(truncate(deny, 30)),
        "style": "danger",
    }


def option(text: str, value: str) -> Block:
    return {"text": plain(truncate(text, 75)), "value": value}


def described_option(text: str, value: str, description: str) -> Block:
    return {**option(text, value), "description": plain(truncate(description, 75))}


def input_block(
    block_id: str, label: str, element: Block, *, optional: bool = True, hint: str | None = None
) -> Block:
    """A modal input; its block_id names the field, so inline errors land on it."""
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": {**element, "action_id": INPUT_ACTION},
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def submitted(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    """The state of one input of a submitted modal ({} when absent or malformed)."""
    state = (view.get("state") or {}).get("values") or {}
    block = state.get(block_id) if isinstance(state, dict) else None
    element = block.get(INPUT_ACTION) if isinstance(block, dict) else None
    return element if isinstance(element, dict) else {}


def submitted_text(element: dict[str, Any], key: str = "value") -> str | None:
    """A string value of a submitted element: "value", "selected_date", "selected_time"…"""
    value = element.get(key)
    return value if isinstance(value, str) else None


def submitted_choice(element: dict[str, Any]) -> str | None:
    """The value of a submitted select or radio group."""
    selected = element.get("selected_option")
    value = selected.get("value") if isinstance(selected, dict) else None
    return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class FormContext:
    """Where a modal came from, carried in its private_metadata."""

    channel_id: str | None = None
    connection_id: int | None = None  # set when editing an entry

    def dump(self) -> str:
        data = {"c": self.channel_id, "id": self.connection_id}
        return json.dumps({k: v for k, v in data.items() if v is not None})

    @classmethod
    def load(cls, raw: str | None) -> FormContext:
        """Read private_metadata back; anything unexpected reads as "nothing known"."""
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        channel = data.get("c")
        connection_id = data.get("id")
        return cls(
            channel_id=channel if isinstance(channel, str) and channel else None,
            connection_id=connection_id if isinstance(connection_id, int) else None,
        )
