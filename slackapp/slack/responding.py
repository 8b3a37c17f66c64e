"""Replies through a request's response_url, bounded and accounted for like any Slack call.

Bolt's `respond` posts with slack_sdk's WebhookClient at that client's own 30-second timeout,
three times the Web API's here, and hands back Slack's refusal (an expired or used-up URL:
a response_url takes 5 replies within 30 minutes) as an answer that no listener reads.
`TimedRespond` sends the same body with the timeout it is given, logs a refusal, and turns a
reply that could not be delivered (no answer in time, a dropped or garbled connection) into
`ReplyNotDelivered`, so that the failure report knows the member's change itself went through
and does not tell them otherwise, nor wait on the same URL again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http.client import HTTPException
from ssl import SSLContext
from typing import Any

from slack_bolt import Respond
from slack_sdk.models.attachments import Attachment
from slack_sdk.models.blocks import Block
from slack_sdk.webhook import WebhookClient, WebhookResponse

__all__ = ["ReplyNotDelivered", "TimedRespond"]

log = logging.getLogger(__name__)

#: How much of a refusal's body a log line quotes.
_QUOTED = 200


class ReplyNotDelivered(ConnectionError):
    """A reply through a response_url got no readable answer: Slack may or may not show it."""


class TimedRespond(Respond):
    """`respond()` with a timeout of our choosing, refusals logged, failures named."""

    def __init__(
        self,
        *,
        response_url: str | None,
        timeout: float,
        proxy: str | None = None,
        ssl: SSLContext | None = None,
    ) -> None:
        super().__init__(response_url=response_url, proxy=proxy, ssl=ssl)
        self.timeout = timeout

    def __call__(
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[dict[str, Any] | Block] | None = None,
        attachments: Sequence[dict[str, Any] | Attachment] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse:
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        # The body Bolt's respond sends: empty lists of blocks or attachments left out, the
        # client turning Block and Attachment objects into dicts and dropping what is None.
        if isinstance(text, dict):
            message = dict(text)  # a whole message, as Bolt takes one
        else:
            message = {
                "text": text,
                "blocks": blocks or None,
                "attachments": attachments or None,
                "response_type": response_type,
                "replace_original": replace_original,
                "delete_original": delete_original,
                "unfurl_links": unfurl_links,
                "unfurl_media": unfurl_media,
                "thread_ts": thread_ts,
                "metadata": metadata,
            }
        # WebhookClient's own timeout is an int in its signature; urllib takes any number.
        # Not a Web API client: a response_url needs no token and no scope.
        webhook = WebhookClient(
            url=self.response_url,
            timeout=self.timeout,  # type: ignore[arg-type]
            proxy=self.proxy,
            ssl=self.ssl,
        )
        try:
            answer = webhook.send_dict(message)
        except (OSError, HTTPException) as error:
            raise ReplyNotDelivered(
                f"no answer from the response_url within {self.timeout:g} s or a broken one: "
                f"{type(error).__name__}: {error}"
            ) from error
        if answer.status_code != 200:
            log.warning(
                "a reply through a response_url was refused (HTTP %s): %s",
                answer.status_code,
                (answer.body or "")[:_QUOTED],
            )
        return answer
