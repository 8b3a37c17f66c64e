"""The WSGI application: Slack's requests on POST /slack/events, a health check on GET /healthz.

Every request to /slack/events is verified here (slackapp.runtime.verification) before Bolt
sees it: a request that is too large, unsigned, forged, stale or not one of Slack's payloads is
answered 4xx with nothing dispatched, and logged as one line without its body. Only verified
requests reach Bolt, marked as such in their context so that failure reports may answer them.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any, cast

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse

from slackapp.runtime.app import timed_respond
from slackapp.runtime.shedding import queued_for
from slackapp.runtime.verification import Refusal, decode_payload, verify
from slackapp.slack.listening import BUSY_NOTHING_SAVED, VERIFIED, not_installed_in_form
from slackapp.store.db import Database

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment
else:
    StartResponse = WSGIApplication = WSGIEnvironment = Any

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
#: "Add to Slack" (OAuth mode only): the install page, and where Slack sends the browser back.
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
#: The longest query string the OAuth pages read (Slack's code and state are short).
MAX_QUERY = 4096

WsgiApp = Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]

_TEXT: dict[str, Sequence[str]] = {"content-type": ["text/plain;charset=utf-8"]}
# Whatever a parser raises on a body that is not the shape Slack sends.
_UNREADABLE = (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError)


def create_wsgi_app(
    app: App,
    *,
    db: Database,
    signing_secret: str | None = None,
    now: Callable[[], float] = time.time,
    queue_limit: float | None = None,
    waited: Callable[[], float] = queued_for,
) -> WsgiApp:
    """A WSGI callable serving `app` and the health check.

    `signing_secret` defaults to the one `app` was built with; without one, every request to
    /slack/events is refused. `now` is the clock signatures are checked against. A verified
    request that `waited` longer than `queue_limit` seconds for its thread is answered "busy"
    at once, its work not done (see slackapp.runtime.shedding).
    """
    secret = _bolt_signing_secret(app) if signing_secret is None else signing_secret

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method in {"GET", "HEAD"}:
            return _health(db, start_response)
        if path == SLACK_PATH and method == "POST":
            late = queue_limit is not None and waited() > queue_limit
            response = _slack(app, environ, secret=secret, now=now(), shed=late)
        elif path in {INSTALL_PATH, REDIRECT_PATH} and method == "GET" and app.oauth_flow:
            response = _oauth(app, environ, install=path == INSTALL_PATH)
        else:
            response = WsgiHttpResponse(status=404, body="Not Found", headers=_TEXT)
        start_response(response.status, response.get_headers())
        return response.get_body()

    return wsgi


def _slack(
    app: App, environ: WSGIEnvironment, *, secret: str, now: float, shed: bool = False
) -> WsgiHttpResponse:
    stream = cast(IO[bytes], environ["wsgi.input"])
    body = verify(environ, stream=stream, secret=secret, now=now)
    if isinstance(body, Refusal):
        return _refuse(environ, body)
    text = decode_payload(body, content_type=environ.get("CONTENT_TYPE"))
    if isinstance(text, Refusal):
        return _refuse(environ, text)
    try:
        # Building the request parses the body with Bolt's own parser. VERIFIED lets failure
        # reports answer this request.
        request = BoltRequest(
            body=text,
            query=environ.get("QUERY_STRING", ""),
            headers=WsgiHttpRequest(environ).get_headers(),
            context={VERIFIED: True},
        )
    except _UNREADABLE as error:
        return _refuse(environ, Refusal(400, f"payload Bolt cannot read ({type(error).__name__})"))
    if not isinstance(cast(object, request.body), dict):
        return _refuse(environ, Refusal(400, "payload is not a JSON object"))
    # Before Bolt's own middleware, which may answer through it (see runtime.app).
    request.context["respond"] = timed_respond(request.context.response_url, app.client)
    if shed and not _setup_probe(request.body):
        return _busy(environ, request.body)
    answer = not_installed_in_form(request.body, app.dispatch(request))
    return WsgiHttpResponse(status=answer.status, headers=answer.headers, body=answer.body)


def _busy(environ: WSGIEnvironment, payload: dict[str, Any]) -> WsgiHttpResponse:
    """The answer to a verified request that waited too long to be worth starting."""
    log.warning(
        "busy: answered %s without doing it, after waiting too long for a thread",
        _kind(payload),
    )
    if "command" in payload and "type" not in payload:
        # A slash command's answer is shown to the member alone: they know to try again.
        body = json.dumps({"response_type": "ephemeral", "text": BUSY_NOTHING_SAVED})
        return WsgiHttpResponse(
            status=200, body=body, headers={"content-type": ["application/json"]}
        )
    # Events come again (Slack retries them); a button or a form shows Slack's own error and
    # keeps what the member typed.
    return WsgiHttpResponse(
        status=503,
        body=json.dumps({"error": "busy"}),
        headers={"content-type": ["application/json"], "retry-after": ["1"]},
    )


def _setup_probe(payload: dict[str, Any]) -> bool:
    """Slack checking the app's URL (the Events API's challenge, a command's SSL check): cheap,
    and answered even when busy, so that setting the app up never fails under load."""
    return payload.get("type") == "url_verification" or "ssl_check" in payload


def _kind(payload: dict[str, Any]) -> str:
    command = payload.get("command")
    if isinstance(command, str) and "type" not in payload:
        return f"a {command[:32]!r} command"
    kind = payload.get("type")
    return f"a {kind[:32]!r} request" if isinstance(kind, str) else "a request"


def _oauth(app: App, environ: WSGIEnvironment, *, install: bool) -> WsgiHttpResponse:
    """Bolt's OAuth flow: the "Add to Slack" page, or Slack sending the installer back."""
    flow = app.oauth_flow
    assert flow is not None
    query = str(environ.get("QUERY_STRING", ""))
    if len(query) > MAX_QUERY:
        return _refuse(environ, Refusal(414, "query string too long"))
    request = BoltRequest(body="", query=query, headers=WsgiHttpRequest(environ).get_headers())
    answer = flow.handle_installation(request) if install else flow.handle_callback(request)
    return WsgiHttpResponse(status=answer.status, headers=answer.headers, body=answer.body)


def _refuse(environ: WSGIEnvironment, refusal: Refusal) -> WsgiHttpResponse:
    """Log one line (never the body, never header values) and answer with the refusal's status."""
    log.warning(
        "refused %s %s from %s: %s (Content-Length %s)",
        environ.get("REQUEST_METHOD"),
        environ.get("PATH_INFO"),
        environ.get("REMOTE_ADDR", "?"),
        refusal.reason,
        _printable_length(environ.get("CONTENT_LENGTH")),
    )
    body = json.dumps({"error": "invalid request"})
    return WsgiHttpResponse(
        status=refusal.status, body=body, headers={"content-type": ["application/json"]}
    )


def _printable_length(raw: object) -> str:
    text = str(raw or "none")
    return text if text.isascii() and text.isdigit() and len(text) <= 20 else "malformed"


def _health(db: Database, start_response: StartResponse) -> Iterable[bytes]:
    healthy = db.ping()
    if not healthy:
        log.error("health check failed: the database does not answer")
    body = json.dumps({"ok": healthy, "database": "up" if healthy else "down"}).encode()
    status = "200 OK" if healthy else "503 Service Unavailable"
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def _bolt_signing_secret(app: App) -> str:
    # Bolt keeps the secret it verifies with private; fail closed if that ever changes.
    secret = getattr(app, "_signing_secret", None)
    return secret if isinstance(secret, str) else ""
