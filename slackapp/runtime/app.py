"""The app factory: `build_app(settings)` wires Bolt, the database and the listeners."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
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
from slackapp.slack.listening import VERIFIED, report_failure
from slackapp.store.db import Database
from slackapp.usecases import services
from slackapp.usecases.services import Valueboard

log = logging.getLogger(__name__)

#: Seconds a Web API call may take before we give up on it.
WEB_API_TIMEOUT = 10

# Bolt logs each request it refuses, body and all, at INFO on this logger: unbounded and
# attacker-written lines. The web layer refuses such requests first and logs them itself.
_BOLT_VERIFICATION_LOGGER = "slack_bolt.RequestVerification"


def build_client(settings: Settings, *, scheduled: bool = False) -> WebClient:
    """A WebClient for our bot token and API URL that waits out 429s.

    Listeners also retry a dropped connection once. The scheduler's client (`scheduled=True`)
    does not: a post whose connection broke after Slack took it would go out twice, and
    "exactly once" matters more there than one more try (the ledger retries on a later tick).
    """
    handlers: list[RetryHandler] = [RateLimitErrorRetryHandler(max_retry_count=2)]
    if not scheduled:
        handlers.insert(0, ConnectionErrorRetryHandler(max_retry_count=1))
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
    valueboard: Valueboard | None = None,
) -> App:
    """A Bolt app with every listener registered; calls auth.test on the configured API."""
    settings.require_token()
    if valueboard is None:
        valueboard = Valueboard(settings=settings, db=db or open_database(settings), clock=clock)
    app = App(
        client=build_client(settings),
        signing_secret=settings.signing_secret or "",
        # Explicit: never let SLACK_CLIENT_ID/SECRET in the environment switch on OAuth silently.
        oauth_settings=None,
        installation_store=None,
        # Ack functions answer from the request's own thread; the work runs as lazy functions
        # (see slackapp.slack.listening), so a busy listener pool never delays an ack.
        process_before_response=True,
        listener_executor=ThreadPoolExecutor(
            max_workers=settings.listener_workers, thread_name_prefix="listener"
        ),
        logger=logging.getLogger("slack_bolt"),
        # The web layer verifies every request before Bolt sees it (slackapp.runtime.web);
        # Bolt checks again, as a second line should the web layer ever be bypassed.
        request_verification_enabled=True,
    )
    # After App(): building it resets the level of Bolt's loggers to that of `logger`.
    logging.getLogger(_BOLT_VERIFICATION_LOGGER).setLevel(logging.WARNING)
    app.use(_trust_socket_mode)
    app.use(_provide(valueboard))
    app.use(_skip_event_retries)
    app.error(_on_error)
    handlers.register(app)
    return app


def _trust_socket_mode(req: BoltRequest, next: Any) -> None:
    """Socket Mode requests arrive over Slack's own authenticated connection: verified."""
    if req.mode == "socket_mode":
        req.context[VERIFIED] = True
    next()


def _provide(valueboard: Valueboard) -> Any:
    def provide(context: BoltContext, next: Any) -> None:
        context[services.CONTEXT_KEY] = valueboard
        next()

    return provide


def _skip_event_retries(body: dict[str, Any], context: BoltContext, next: Any) -> Any:
    """Slack redelivers events it thinks we missed: act on each event_id once."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if isinstance(event_id, str) and event_id:
        valueboard = services.from_context(context)
        if not valueboard.claim_event(event_id=event_id, team_id=body.get("team_id")):
            log.info("skipping event %s: already handled", event_id)
            return BoltResponse(status=200, body="")
    next()
    return None


def _on_error(error: Exception, body: dict[str, Any], context: BoltContext) -> None:
    """Failures in ack functions and middleware (work after the ack reports its own)."""
    report_failure(error, body=body, context=context)
