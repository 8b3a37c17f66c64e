"""Links to Slack messages."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)


def is_slack_link(url: str) -> bool:
    """Whether `url` points into Slack itself (a permalink, a file), not where value was given."""
    host = (urlsplit(url).hostname or "").lower()
    return host == "slack.com" or host.endswith(".slack.com")


def permalink(
    client: WebClient, *, channel_id: str | None, message_ts: str | None, team_domain: str | None
) -> str | None:
    """The message's permalink from chat.getPermalink, else built in Slack's own format."""
    if not channel_id or not message_ts:
        return None
    try:
        value = client.chat_getPermalink(channel=channel_id, message_ts=message_ts).get("permalink")
        if isinstance(value, str):
            return value
    except SlackApiError as error:
        log.warning("chat.getPermalink failed: %s", error.response.get("error"))
    except (SlackClientError, OSError) as error:
        log.warning("chat.getPermalink failed: %s", error)
    if team_domain:
        ts_digits = message_ts.replace(".", "")
        return f"https://{team_domain}.slack.com/archives/{channel_id}/p{ts_digits}"
    return None


def message_text(message: Mapping[str, Any]) -> str:
    """A message's words in Slack's markup: its text, else what its blocks and attachments say.

    A message can have an empty `text` with everything in rich-text blocks (written in Slack's
    composer by some clients) or in attachments (many integrations and bots).
    """
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        return text
    parts: list[str] = []
    for block in _dicts(message.get("blocks")):
        parts.extend(_block_words(block))
    for attachment in _dicts(message.get("attachments")):
        for key in ("pretext", "title", "text", "title_link"):
            value = attachment.get(key)
            if isinstance(value, str) and value:
                parts.append(value)
        if not attachment.get("text") and isinstance(attachment.get("fallback"), str):
            parts.append(attachment["fallback"])
        for field in _dicts(attachment.get("fields")):
            parts.extend(v for v in (field.get("title"), field.get("value")) if isinstance(v, str))
    return "\n".join(part for part in parts if part.strip())


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text_of(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) and isinstance(obj.get("text"), str) else ""


def _block_words(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    if kind == "rich_text":
        return ["".join(_rich_words(element)) for element in _dicts(block.get("elements"))]
    if kind in {"section", "header"}:
        words = [_text_of(block.get("text"))]
        words.extend(_text_of(field) for field in _dicts(block.get("fields")))
        return words
    if kind == "context":
        return [" ".join(_text_of(element) for element in _dicts(block.get("elements")))]
    return []


def _rich_words(element: dict[str, Any]) -> list[str]:
    kind = element.get("type")
    if kind in {"rich_text_section", "rich_text_preformatted", "rich_text_quote"}:
        return [word for inner in _dicts(element.get("elements")) for word in _rich_words(inner)]
    if kind == "rich_text_list":
        return ["".join(_rich_words(item)) + "\n" for item in _dicts(element.get("elements"))]
    if kind == "text":
        return [str(element.get("text") or "")]
    if kind == "link":
        url = str(element.get("url") or "")
        label = element.get("text")
        # In Slack's own markup, so the words around it can't run into the URL.
        return [f"<{url}|{label}>" if label else f"<{url}>"]
    if kind == "user":
        return [f"<@{element.get('user_id', '')}>"]
    if kind == "channel":
        return [f"<#{element.get('channel_id', '')}>"]
    if kind == "emoji":
        return [f":{element.get('name', '')}:"]
    if kind == "broadcast":
        return [f"@{element.get('range', 'here')}"]
    return []
