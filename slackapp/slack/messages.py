"""Links to Slack messages."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)


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
