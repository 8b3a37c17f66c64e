"""Sending to Slack with its error rules: who to tell, where, and what to do when it refuses."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse

from slackapp.render.kit import Message

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
            log.info(
                "ephemeral reply to %s in %s failed (%s); sending a DM", user_id, channel_id, code
            )
    post_message(client, channel=user_id, message=message)


# --------------------------------------------------------------------------------------------
# Scheduled posts (nudges and digests)
# --------------------------------------------------------------------------------------------


class PostOutcome(StrEnum):
    """What a scheduled post came to, and so what the scheduler must do next."""

    SENT = "sent"
    RATE_LIMITED = "rate_limited"  # Slack said 429: wait `retry_after` seconds, then again
    RETRY = "retry"  # transient: try again later
    FAILED = "failed"  # this message will never go; nothing else changes
    PAUSE = "pause"  # the channel refuses us: pause the schedule, tell the admin
    SKIP_MEMBER = "skip_member"  # a DM recipient we cannot reach: skip that member only
    TEAM_INACTIVE = "team_inactive"  # the token no longer works: stop the team's schedules


@dataclass(frozen=True, slots=True)
class PostResult:
    """The outcome of one scheduled post, with Slack's error code when it failed."""

    outcome: PostOutcome
    ts: str | None = None
    channel: str | None = None
    error: str | None = None
    joined: bool = False  # we joined the (public) channel to post
    retry_after: float | None = None  # seconds Slack asked us to wait (RATE_LIMITED only)


#: The token is revoked or its workspace is gone: nothing will work until someone reinstalls.
TEAM_GONE_ERRORS = frozenset(
    {"token_revoked", "account_inactive", "invalid_auth", "not_authed", "team_access_not_granted"}
)
#: The channel will not take our posts until a person changes something.
_PAUSE_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
#: A DM to one member that cannot be delivered; other members are unaffected.
#: In a failure's text: Slack may have taken the post before it failed, so it is never resent
#: (and what it asked about is not asked again).
OUTCOME_UNKNOWN = "outcome unknown"
MEMBER_GONE_ERRORS = frozenset({"user_not_found", "user_disabled", "cannot_dm_bot"})
_MEMBER_ERRORS = MEMBER_GONE_ERRORS | {
    "user_not_visible",
    "user_is_restricted",
    "channel_not_found",
    "not_in_channel",
    "is_archived",
}
#: Slack's own trouble; the same post may well work in a minute.
_TRANSIENT_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
    }
)
#: Joining failed in a way that means we can never join (private, archived, gone).
_JOIN_REFUSALS = frozenset(
    {
        "method_not_supported_for_channel_type",
        "channel_not_found",
        "is_archived",
        "missing_scope",
        "restricted_action",
    }
)


def _error_code(error: SlackApiError) -> str:
    code = error.response.get("error") if error.response is not None else None
    return code if isinstance(code, str) and code else f"http_{error.response.status_code}"


#: The wait when a 429 comes without a readable Retry-After.
DEFAULT_RETRY_AFTER = 1.0


def _retry_after(error: SlackApiError) -> float:
    headers = error.response.headers or {}
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    try:
        seconds = float(raw) if raw is not None else DEFAULT_RETRY_AFTER
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    return seconds if seconds >= 0 else DEFAULT_RETRY_AFTER


def _refused(
    error: SlackApiError, *, direct: bool, prefix: str = "", joined: bool = False
) -> PostResult:
    code = _error_code(error)
    status = error.response.status_code
    if status == 429:
        # Slack did not take the post: it is safe to send again once the wait is over.
        return PostResult(
            PostOutcome.RATE_LIMITED,
            error=prefix + code,
            joined=joined,
            retry_after=_retry_after(error),
        )
    return PostResult(_classify(code, status, direct=direct), error=prefix + code, joined=joined)


def _classify(code: str, status: int, *, direct: bool) -> PostOutcome:
    if code in TEAM_GONE_ERRORS:
        return PostOutcome.TEAM_INACTIVE
    if code in _TRANSIENT_ERRORS or status >= 500:
        return PostOutcome.RETRY
    if direct:
        return PostOutcome.SKIP_MEMBER if code in _MEMBER_ERRORS else PostOutcome.FAILED
    if code in _PAUSE_ERRORS:
        return PostOutcome.PAUSE
    return PostOutcome.FAILED


def _transport_outcome(error: OSError) -> PostResult:
    # urllib wraps failures to connect or to send the request in URLError: Slack never read
    # the post, so trying again later is safe. A failure while waiting for the answer (a
    # timeout, a dropped connection) may come after Slack accepted it; trying again could
    # post it twice, so that one is given up instead.
    if isinstance(error, URLError):
        return PostResult(PostOutcome.RETRY, error=f"connection: {error.reason}")
    return PostResult(
        PostOutcome.FAILED, error=f"{type(error).__name__}: {OUTCOME_UNKNOWN}, not resent"
    )


def post_message(client: WebClient, *, channel: str, message: Message) -> SlackResponse:
    """chat.postMessage with Slack's parsing off: member text in it can never ping anyone.

    Renderers escape what members wrote; `parse="none"` and no `link_names` make sure that
    a name or note can't become `@here`, `@channel` or a mention on the way in either.
    """
    return client.chat_postMessage(
        channel=channel, parse="none", link_names=False, **message.as_kwargs()
    )


def _post_once(client: WebClient, *, channel: str, message: Message) -> PostResult:
    response = post_message(client, channel=channel, message=message)
    ts, posted_in = response.get("ts"), response.get("channel")
    return PostResult(
        PostOutcome.SENT,
        ts=ts if isinstance(ts, str) else None,
        channel=posted_in if isinstance(posted_in, str) else channel,
    )


def post_scheduled(
    client: WebClient, *, channel: str, message: Message, direct: bool = False
) -> PostResult:
    """Post a nudge or digest, joining a public channel if needed, and say what became of it."""
    try:
        try:
            return _post_once(client, channel=channel, message=message)
        except SlackApiError as error:
            if direct or _error_code(error) != "not_in_channel":
                return _refused(error, direct=direct)
        # A public channel we were never added to: join it (channels:join) and post once more.
        try:
            client.conversations_join(channel=channel)
        except SlackApiError as error:
            code = _error_code(error)
            log.info("could not join %s to post there: %s", channel, code)
            refused = _refused(error, direct=False, prefix="not_in_channel; join: ")
            if code in _JOIN_REFUSALS:
                return PostResult(PostOutcome.PAUSE, error=refused.error)
            return refused
        log.info("joined public channel %s to post a scheduled message", channel)
        try:
            joined = _post_once(client, channel=channel, message=message)
        except SlackApiError as error:
            return _refused(error, direct=False, joined=True)
        return PostResult(PostOutcome.SENT, ts=joined.ts, channel=joined.channel, joined=True)
    except OSError as error:
        return _transport_outcome(error)


def upload_chart(
    client: WebClient,
    *,
    channel: str,
    png: bytes,
    filename: str,
    title: str,
    initial_comment: str,
) -> str | None:
    """Share a chart image in `channel` (files:write); returns an error description, or None."""
    error = _upload_file(
        client,
        channel=channel,
        content=png,
        filename=filename,
        title=title,
        initial_comment=initial_comment,
    )
    return None if error is None else f"chart upload: {error}"


def _upload_file(
    client: WebClient,
    *,
    channel: str,
    content: bytes,
    filename: str,
    title: str,
    initial_comment: str,
) -> str | None:
    """files.uploadV2 into a conversation; Slack's error code (or the transport's), or None."""
    try:
        client.files_upload_v2(
            channel=channel,
            content=content,
            filename=filename,
            title=title,
            initial_comment=initial_comment,
        )
    except SlackApiError as error:
        return _error_code(error)
    except (SlackClientError, OSError) as error:
        return type(error).__name__
    return None


def send_file_to_member(
    client: WebClient,
    *,
    user_id: str,
    content: bytes,
    filename: str,
    title: str,
    initial_comment: str,
) -> str | None:
    """Share a file in the member's DM with the app (im:write, files:write); an error, or None.

    conversations.open gives the DM's id: files.completeUploadExternal wants a conversation,
    not a user id as chat.postMessage accepts.
    """
    try:
        opened = client.conversations_open(users=user_id)
        channel = (opened.get("channel") or {}).get("id")
    except SlackApiError as error:
        return _error_code(error)
    except (SlackClientError, OSError) as error:
        return type(error).__name__
    if not isinstance(channel, str) or not channel:
        return "conversations.open: no channel"
    return _upload_file(
        client,
        channel=channel,
        content=content,
        filename=filename,
        title=title,
        initial_comment=initial_comment,
    )


def tell_admin(client: WebClient, *, admin_id: str, text: str) -> bool:
    """DM the admin who configured the schedules; False (and a log line) if even that fails."""
    try:
        client.chat_postMessage(channel=admin_id, text=text)
    except SlackApiError as error:
        log.warning("could not DM admin %s about a pause: %s", admin_id, _error_code(error))
        return False
    except (SlackClientError, OSError) as error:
        log.warning("could not DM admin %s about a pause: %s", admin_id, type(error).__name__)
        return False
    return True
