"""Block Kit validation with slack_sdk.models, shared by the renderer and end-to-end tests."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100


def assert_valid_blocks(blocks: list[dict[str, Any]], *, limit: int = MESSAGE_BLOCK_LIMIT) -> None:
    """Every block parses as a known type and passes slack_sdk's limits; no more than `limit`."""
    assert len(blocks) <= limit, f"{len(blocks)} blocks, limit {limit}"
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, f"unknown block type: {raw.get('type')}"
        block.validate_json()


def assert_valid_message(payload: dict[str, Any]) -> None:
    """A message payload (as sent to Slack) has fallback text and valid blocks."""
    assert isinstance(payload.get("text"), str) and payload["text"].strip(), "no fallback text"
    blocks = payload.get("blocks") or []
    if isinstance(blocks, str):
        import json

        blocks = json.loads(blocks)
    assert_valid_blocks(blocks)


def assert_valid_view(view: dict[str, Any]) -> None:
    """A modal or Home view passes slack_sdk's validation, blocks included."""
    View(**view).validate_json()
    assert_valid_blocks(view.get("blocks") or [], limit=VIEW_BLOCK_LIMIT)
