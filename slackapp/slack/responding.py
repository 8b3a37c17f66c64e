"""Replies through a request's response_url, bounded and accounted for like any Slack call.

Bolt's `respond` posts with slack_sdk's WebhookClient at that client's own 30-second timeout,
three times the Web API's here, resends once after a connection error (a reply Slack may
already show), and hands back Slack's refusal (an expired or used-up URL: a response_url takes
5 replies within 30 minutes) as an answer that no listener reads. `TimedRespond` sends the
same body once, with the timeout it is given; logs a refusal; and turns a reply that got no
answer (none in time, a connection dropped, an answer that is not HTTP) into
`ReplyNotDelivered`, which carries the message, so that the failure report can show it
through the Web API instead of saying that something went wrong.
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

    def __init__(self, reason: str, *, message: dict[str, Any] | None = None) -> None:
        super().__init__(reason)
        #: The body that was sent: text, blocks and Slack's flags (replace_original, …).
        #: (Optional only so that the exception copies and pickles as exceptions do.)
        self.message = message or {}


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
        if isinstance(text, dict):
            return self(**text)  # a whole message: its keys are the arguments, as in Bolt
        if not isinstance(text, str):
            raise ValueError(f"The arg is unexpected type ({type(text)})")
        # The body Bolt's respond sends: the text always, empty lists of blocks or attachments
        # left out; the client turns Block and Attachment objects into dicts and drops Nones.
        message: dict[str, Any] = {
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
            # Never resent: after a connection error Slack may already show the first one,
            # and the wait stays one timeout.
            retry_handlers=[],
        )
        try:
            answer = webhook.send_dict(message)
        except (OSError, HTTPException) as error:
            raise ReplyNotDelivered(
                f"no answer from the response_url (timeout {self.timeout:g} s): "
                f"{type(error).__name__}: {error}",
                message={key: value for key, value in message.items() if value is not None},
            ) from error
        if answer.status_code != 200:
            log.warning(
                "a reply through a response_url was refused (HTTP %s): %s",
                answer.status_code,
                (answer.body or "")[:_QUOTED],
            )
        return answer
