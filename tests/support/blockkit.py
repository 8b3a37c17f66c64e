"""Block Kit checks with slack_sdk.models, shared by the renderer and end-to-end tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from slackapp.render.kit import Message

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100


def assert_valid_blocks(blocks: list[dict[str, Any]], *, limit: int) -> None:
    """Every block is a known type, passes slack_sdk's checks and survives a round trip."""
    assert 1 <= len(blocks) <= limit, len(blocks)
    block_ids = [raw["block_id"] for raw in blocks if "block_id" in raw]
    assert len(block_ids) == len(set(block_ids)), "block_ids must be unique"
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, f"unknown block type: {raw}"
        block.validate_json()
        # slack_sdk drops keys it does not know: a difference means we sent something Slack ignores.
        assert block.to_dict() == raw, raw


def assert_valid_message(message: Message) -> None:
    """A message Slack would accept: fallback text, at most 50 valid blocks."""
    assert message.text.strip()
    assert_valid_blocks(message.blocks, limit=MAX_MESSAGE_BLOCKS)


def assert_valid_sent(payload: dict[str, Any]) -> None:
    """A message as it reached the stand-in (response_url, chat.*): text and valid blocks."""
    text = payload.get("text")
    assert isinstance(text, str) and text.strip(), "no fallback text"
    blocks = payload.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    assert_valid_blocks(blocks, limit=MAX_MESSAGE_BLOCKS)


def assert_valid_view(view: dict[str, Any]) -> None:
    """A modal or Home view Slack would accept, with at most 100 valid blocks."""
    assert_valid_blocks(view["blocks"], limit=MAX_VIEW_BLOCKS)
    View(**view).validate_json()


def texts(value: Any) -> Iterator[str]:
    """Every "text" string anywhere inside a payload."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            else:
                yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def all_text(value: Any) -> str:
    """All the text of a payload, one string, for "does it say X" checks."""
    return "\n".join(texts(value))


def elements(blocks: list[dict[str, Any]], *, action_id: str) -> list[dict[str, Any]]:
    """Interactive elements with `action_id`, in accessories and actions blocks."""
    found: list[dict[str, Any]] = []
    for block in blocks:
        candidates = [block.get("accessory"), *(block.get("elements") or [])]
        found += [e for e in candidates if isinstance(e, dict) and e.get("action_id") == action_id]
    return found


def dumps(value: Any) -> str:
    """The payload as Slack would receive it (for substring checks on the raw JSON)."""
    return json.dumps(value, ensure_ascii=False)
