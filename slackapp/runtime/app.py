"""The app factory: `build_app(settings)` wires Bolt, the database and the listeners."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

import handlers
from slackapp.clock import Clock, system_clock
from slackapp.config import Settings
from slackapp.runtime.database import open_database
from slackapp.slack.listening import FOLLOW_UPS, VERIFIED, FollowUps, answer_failure
from slackapp.slack.workspace import resolve_workspace
from slackapp.store.db import Database
from slackapp.usecases import lifecycle
from slackapp.usecases.deps import CONTEXT_KEY, Deps, from_context

log = logging.getLogger(__name__)

#: Seconds a Web API call may take before we give up on it.
WEB_API_TIMEOUT = 10
#: Work items that may wait for a follow-up thread, per thread.
FOLLOW_UP_BACKLOG = 16

# Bolt logs each request it refuses, body and all, at INFO on this logger: unbounded and
# attacker-written lines. The web layer refuses such requests first and logs them itself.
_BOLT_VERIFICATION_LOGGER = "slack_bolt.RequestVerification"


class _TokenFromEnvironment(logging.Filter):
    """Drop Bolt's "As you gave `client` as well, `token` will be unused." at start.

    Bolt reads SLACK_BOT_TOKEN from the environment even when given a client, and warns that the
    token it found there goes unused. Our settings read that same token into the client we pass,
    so the warning would only be noise at every start of every deployment that uses env vars.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


_TOKEN_FROM_ENVIRONMENT = _TokenFromEnvironment()


def build_client(settings: Settings, *, scheduled: bool = False) -> WebClient:
    """A WebClient for our bot token and API URL.

    Listeners' clients wait out 429s and retry a dropped connection once. The scheduler's client
    (`scheduled=True`) does neither: its fan-out paces posts itself and, on a 429, pauses only
    that workspace instead of sleeping in the thread; and a post whose connection broke after
    Slack took it would go out twice, while "exactly once" matters more there than one more try
    (the ledger retries on a later tick).
    """
    handlers: list[RetryHandler] = []
    if not scheduled:
        handlers = [
            ConnectionErrorRetryHandler(max_retry_count=1),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ]
    return WebClient(
        token=settings.bot_token,
        base_url=settings.api_url,
        timeout=WEB_API_TIMEOUT,
        retry_handlers=handlers,
    )


def build_app(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Clock = system_clock,
    deps: Deps | None = None,
    follow_ups: FollowUps | None = None,
) -> App:
    """A Bolt app with every listener registered; calls auth.test on the configured API."""
    settings.require_token()
    if deps is None:
        deps = Deps(settings=settings, db=db or open_database(settings), clock=clock)
    if follow_ups is None:
        follow_ups = build_follow_ups(settings)
    bolt_logger = logging.getLogger("slack_bolt")
    if _TOKEN_FROM_ENVIRONMENT not in bolt_logger.filters:
        bolt_logger.addFilter(_TOKEN_FROM_ENVIRONMENT)
    app = App(
        client=build_client(settings),
        signing_secret=settings.signing_secret or "",
        # Explicit: never let SLACK_CLIENT_ID/SECRET in the environment switch on OAuth silently.
        oauth_settings=None,
        installation_store=None,
        # Ack functions save and answer from the request's own thread; the slow work runs as
        # lazy functions on a bounded pool (see slackapp.slack.listening), so a busy pool never
        # delays an ack and nothing acknowledged is still waiting to be saved.
        process_before_response=True,
        listener_executor=follow_ups,
        logger=bolt_logger,
        # The web layer verifies every request before Bolt sees it (slackapp.runtime.web);
        # Bolt checks again, as a second line should the web layer ever be bypassed.
        request_verification_enabled=True,
    )
    # After App(): building it resets the level of Bolt's loggers to that of `logger`.
    logging.getLogger(_BOLT_VERIFICATION_LOGGER).setLevel(logging.WARNING)
    app.use(_trust_socket_mode)
    app.use(_provide(deps, follow_ups))
    app.use(resolve_workspace)
    app.use(_skip_event_retries)
    app.error(_on_error)
    handlers.register(app)
    return app


def _trust_socket_mode(req: BoltRequest, next: Any) -> None:
    """Socket Mode requests arrive over Slack's own authenticated connection: verified."""
    if req.mode == "socket_mode":
        req.context[VERIFIED] = True
    next()


def build_follow_ups(settings: Settings) -> FollowUps:
    """The bounded pool for work after the ack: LISTENER_WORKERS threads and a backlog."""
    return FollowUps(
        workers=settings.listener_workers, backlog=settings.listener_workers * FOLLOW_UP_BACKLOG
    )


def _provide(deps: Deps, follow_ups: FollowUps) -> Any:
    def provide(context: BoltContext, next: Any) -> None:
        context[CONTEXT_KEY] = deps
        context[FOLLOW_UPS] = follow_ups
        next()

    return provide


def _skip_event_retries(body: dict[str, Any], context: BoltContext, next: Any) -> Any:
    """Slack redelivers events it thinks we missed: act on each event_id once."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if isinstance(event_id, str) and event_id:
        deps = from_context(context)
        if not lifecycle.claim_event(deps, event_id=event_id, team_id=body.get("team_id")):
            log.info("skipping event %s: already handled", event_id)
            return BoltResponse(status=200, body="")
    next()
    return None


def _on_error(error: Exception, body: dict[str, Any], context: BoltContext) -> BoltResponse | None:
    """Failures in ack functions and middleware (work after the ack reports its own)."""
    return answer_failure(error, body=body, context=context)
