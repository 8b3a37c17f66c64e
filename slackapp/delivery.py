"""Sending to Slack with its error rules: who to tell, where, and what to do when it refuses."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackapp.blocks import Message

log = logging.getLogger(__name__)

#: Errors that mean we cannot post ephemerally in that channel, but a DM may still work.
_CHANNEL_ERRORS = {"channel_not_found", "not_in_channel", "is_archived", "user_not_in_channel"}


def tell_member(
    client: WebClient, *, user_id: str, channel_id: str | None, message: Message
) -> None:
    """Show `message` to one member: ephemerally where they acted, else in their DM with the app."""
    if channel_id and not channel_id.startswith("D"):
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, **message.as_kwargs())
            return
        except SlackApiError as error:
            code = error.response.get("error")
            if code not in _CHANNEL_ERRORS:
                raise
            log.info("ephemeral reply to %s in %s failed (%s); sending a DM", user_id, channel_id, code)
    client.chat_postMessage(channel=user_id, **message.as_kwargs())
