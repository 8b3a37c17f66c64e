"""The app factory: `build_app(settings)` wires Bolt, the database and the listeners."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

import handlers
from slackapp.clock import Clock, system_clock
from slackapp.config import Settings
from slackapp.render.install import install_failed_page, installed_page
from slackapp.runtime.database import open_database
from slackapp.slack.clients import TeamClients
from slackapp.slack.installations import AuthorizedTokens, StoreAwareTokenRotator, state_store
from slackapp.slack.listening import (
    FOLLOW_UPS,
    NOT_INSTALLED,
    VERIFIED,
    FollowUps,
    answer_failure,
)
from slackapp.slack.responding import TimedRespond
from slackapp.slack.scopes import BOT_SCOPES
from slackapp.slack.transport import KeptAliveWebClient
from slackapp.slack.workspace import WORKSPACE, resolve_workspace
from slackapp.store.db import Database
from slackapp.usecases import installs, lifecycle
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

#: What a member of a workspace without an installation is told (where Slack shows an answer).


def build_client(settings: Settings, *, scheduled: bool = False) -> WebClient:
    """A WebClient for our bot token and API URL, its connections kept alive between calls.

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
    return KeptAliveWebClient(
        token=None if settings.oauth else settings.bot_token,
        base_url=settings.api_url,
        timeout=WEB_API_TIMEOUT,
        retry_handlers=handlers,
    )


def build_team_clients(settings: Settings, deps: Deps) -> TeamClients:
    """The scheduler's clients: the one bot token's, or each installation's (refreshed)."""
    if not settings.oauth:
        return TeamClients.one(build_client(settings, scheduled=True))
    store = deps.installations
    assert store is not None and settings.client_id and settings.client_secret
    template = build_client(settings, scheduled=True)

    def client_with(token: str) -> WebClient:
        return KeptAliveWebClient(
            token=token,
            base_url=template.base_url,
            timeout=template.timeout,
            retry_handlers=template.retry_handlers,
        )

    return TeamClients(
        store=store,
        rotator=StoreAwareTokenRotator(
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            client=build_client(settings),
            store=store,
        ),
        rotation_minutes=settings.token_rotation_minutes,
        client_with=client_with,
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
    oauth: dict[str, Any] = (
        _oauth(settings, deps)
        if settings.oauth
        # Explicit: never let SLACK_CLIENT_ID/SECRET in the environment switch on OAuth silently.
        else {"oauth_settings": None, "installation_store": None}
    )
    app = App(
        client=build_client(settings),
        signing_secret=settings.signing_secret or "",
        **oauth,
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
    app.use(_kept_alive_client)
    app.use(_timed_respond)
    app.use(_provide(deps, follow_ups))
    app.use(resolve_workspace)
    if settings.oauth:
        app.use(_remember_enterprise(deps))
    app.use(_skip_event_retries)
    app.error(_on_error)
    handlers.register(app)
    return app


def _trust_socket_mode(req: BoltRequest, next: Any) -> None:
    """Socket Mode requests arrive over Slack's own authenticated connection: verified."""
    if req.mode == "socket_mode":
        req.context[VERIFIED] = True
    next()


def _kept_alive_client(context: BoltContext, next: Any) -> None:
    """Bolt builds a plain WebClient for each request (a connection per call): its listeners
    get the same client over the process's kept-alive connections (slack.transport)."""
    plain = context.client
    if plain is not None and not isinstance(plain, KeptAliveWebClient):
        context["client"] = KeptAliveWebClient(
            token=plain.token,
            base_url=plain.base_url,
            timeout=plain.timeout,
            ssl=plain.ssl,
            proxy=plain.proxy,
            headers=plain.headers,
            team_id=plain.default_params.get("team_id"),
            logger=plain.logger,
            retry_handlers=plain.retry_handlers,
        )
    next()


def timed_respond(response_url: str | None, client: WebClient | None) -> TimedRespond:
    """respond() for one request: Bolt's waits 30 s for an answer from the response_url and
    resends once after a connection error; ours waits as long as a Web API call, sends once,
    and says when a reply was refused or lost (slack.responding). The web layer gives it to
    each request before Bolt's own middleware, which may answer through it too (an
    uninstalled workspace, say)."""
    return TimedRespond(
        response_url=response_url,
        timeout=WEB_API_TIMEOUT,
        proxy=client.proxy if client is not None else None,
        ssl=client.ssl if client is not None else None,
    )


def _timed_respond(context: BoltContext, next: Any) -> None:
    """timed_respond for requests that came another way than the web layer (Socket Mode)."""
    if not isinstance(context.get("respond"), TimedRespond):
        context["respond"] = timed_respond(context.response_url, context.client)
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


def _oauth(settings: Settings, deps: Deps) -> dict[str, Any]:
    """Bolt's OAuth flow on slack_sdk's SQLAlchemy stores, for App(**_oauth(...))."""
    store = deps.installations
    assert store is not None and settings.client_id and settings.client_secret
    api = build_client(settings)
    authorize = InstallationStoreAuthorize(
        logger=logging.getLogger("slack_bolt.Authorize"),
        installation_store=store,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        token_rotation_expiration_minutes=settings.token_rotation_minutes,
        # Each request reads its token from the store (an uninstall or a refresh in another
        # process counts at once); only auth.test's answer for a token is kept, bounded.
        cache_enabled=True,
        client=api,
    )
    authorize.authorize_result_cache = AuthorizedTokens()
    # Refreshes through SLACK_API_URL, and survives losing a refresh race to another process.
    authorize.token_rotator = StoreAwareTokenRotator(
        client_id=settings.client_id, client_secret=settings.client_secret, client=api, store=store
    )
    oauth_settings = OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=sorted(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=settings.redirect_uri,
        authorization_url=settings.authorize_url,
        installation_store=store,
        token_rotation_expiration_minutes=settings.token_rotation_minutes,
        state_store=state_store(engine=deps.db.engine),
        callback_options=CallbackOptions(success=_installed(deps), failure=_install_failed),
        logger=logging.getLogger("slack_bolt.OAuthFlow"),
    )
    return {
        "oauth_settings": oauth_settings,
        "installation_store": store,
        "authorize": authorize,
        "user_facing_authorize_error_message": NOT_INSTALLED,
    }


_HTML = "text/html; charset=utf-8"


def _installed(deps: Deps) -> Any:
    def success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        installs.installed(deps, installation)
        name = installation.team_name or installation.enterprise_name
        log.info(
            "installed to %s (%s)",
            installation.team_id or installation.enterprise_id,
            "org-wide" if installation.is_enterprise_install else "workspace",
        )
        return BoltResponse(
            status=200,
            body=installed_page(workspace=name),
            headers={
                "Content-Type": _HTML,
                "Set-Cookie": args.settings.state_utils.build_set_cookie_for_deletion(),
            },
        )

    return success


def _install_failed(args: FailureArgs) -> BoltResponse:
    log.warning("an install did not finish: %s", args.reason)
    return BoltResponse(
        status=args.suggested_status_code,
        body=install_failed_page(reason=args.reason, install_path=args.settings.install_path),
        headers={
            "Content-Type": _HTML,
            "Set-Cookie": args.settings.state_utils.build_set_cookie_for_deletion(),
        },
    )


def _remember_enterprise(deps: Deps) -> Any:
    """Note each Enterprise Grid workspace's organisation once per process (the scheduler needs
    it to find an org-wide install's token)."""
    known: set[tuple[str, str]] = set()

    def remember(context: BoltContext, next: Any) -> None:
        workspace_id, enterprise_id = context.get(WORKSPACE), context.enterprise_id
        if (
            isinstance(workspace_id, str)
            and enterprise_id
            and (workspace_id, enterprise_id) not in known
        ):
            installs.note_enterprise(deps, team_id=workspace_id, enterprise_id=enterprise_id)
            known.add((workspace_id, enterprise_id))
        next()

    return remember
