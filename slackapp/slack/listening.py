"""How listeners split into a committed ack and the slow work after it.

Bolt runs with `process_before_response=True`: each listener's ack function runs in the
HTTP request's own thread. It saves what the member changed (a short database transaction),
puts the outcome in the context under OUTCOME, and answers Slack, so that whatever Slack got a
200 for is already committed. Its lazy functions (Slack calls: replies, users.info,
views.publish) run afterwards on `FollowUps`, a bounded pool: a crowd of slow Slack calls can
fill it, but never delay an ack, and when it is full the app says so instead of queueing
without end. `after_ack` wraps that work so that a failure there is logged with its cause and
reported to the member, like a failure anywhere else; a reply that got no answer from the
response_url is shown through the Web API instead where that can work (see _reply_instead).
`later` does the same for a listener whose ack usually leaves nothing to do (a /connect log):
it starts the work only when there is some, instead of Bolt copying every request for a lazy
function that then returns.
"""

from __future__ import annotations

import inspect
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, TypeVar

from slack_bolt import Ack, BoltContext, BoltRequest, BoltResponse
from slack_bolt.kwargs_injection import build_required_kwargs
from slack_sdk import WebClient
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError

from slackapp.render.kit import Message
from slackapp.render.widgets import notice
from slackapp.slack.posting import tell_member
from slackapp.slack.responding import ReplyNotDelivered
from slackapp.store.db import DatabaseBusy, ReadsBusy

log = logging.getLogger(__name__)

DB_DOWN = (
    "Valueboard couldn't reach its database just now, so nothing was saved. "
    "Please try again in a minute."
)
SOMETHING_BROKE = (
    "Something went wrong on our side and that didn't go through. "
    "Please try again; if it keeps happening, tell whoever set up Valueboard."
)

BUSY = "Valueboard is very busy right now and couldn't take that. Please try again in a minute."
#: When a change could not get its turn at the database in time (DatabaseBusy).
BUSY_NOTHING_SAVED = (
    "Valueboard is very busy right now, so nothing was saved. Please try again in a moment."
)
#: When a request could not get its turn to read in time (ReadsBusy): nothing changed either.
BUSY_NOTHING_CHANGED = (
    "Valueboard is very busy right now, so that didn't go through and nothing changed. "
    "Please try again in a moment."
)

#: A request from a workspace with no installation ("Add to Slack"): nothing is done.
NOT_INSTALLED = (
    ":information_source: Valueboard isn't installed in this workspace (or it was removed), "
    "so nothing was saved. Ask an admin to add it with the Add to Slack page of whoever runs "
    "Valueboard for you."
)
#: The same inline in a form, where Slack shows plain text only.
NOT_INSTALLED_IN_FORM = (
    "Valueboard isn't installed in this workspace any more, so nothing was saved. "
    "Ask an admin to add it again."
)

_INTERACTIVE = {"view_submission", "block_actions", "message_action", "shortcut"}

#: Context key of what the ack function did, for the listener's work after the ack.
OUTCOME = "valueboard_outcome"
#: Context key of the process's FollowUps.
FOLLOW_UPS = "valueboard_follow_ups"

#: Context key set (to True) only on requests known to come from Slack: by the web layer after
#: checking the signature, or for Socket Mode's own authenticated connection. Failure reports
#: answer only those; an unverified body's response_url and user ids are an attacker's choice.
VERIFIED = "valueboard_verified"


_T = TypeVar("_T")


class FollowUps(Executor):
    """A bounded pool for the work that follows acks: full means refused, never an endless queue."""

    def __init__(self, *, workers: int, backlog: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="follow-up")
        self.limit = workers + backlog
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._queued = 0
        self._closed = False

    def __deepcopy__(self, memo: dict[int, Any]) -> FollowUps:
        # Bolt copies the request context for lazy listeners; the pool is the process's own.
        return self

    @property
    def queued(self) -> int:
        """Work items waiting or running."""
        return self._queued

    def has_room(self) -> bool:
        """Whether another item would be taken now."""
        return not self._closed and self._queued < self.limit

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Future[_T]:
        with self._lock:
            if self._closed or self._queued >= self.limit:
                log.warning(
                    "busy: %d follow-ups already waiting (limit %d); dropped %s",
                    self._queued,
                    self.limit,
                    getattr(fn, "__name__", fn),
                )
                refused: Future[_T] = Future()
                refused.set_exception(RuntimeError("follow-up queue full"))
                return refused
            self._queued += 1

        def run() -> _T:
            try:
                return fn(*args, **kwargs)
            finally:
                with self._lock:
                    self._queued -= 1
                    self._idle.notify_all()

        return self._pool.submit(run)

    def wait_idle(self, timeout: float) -> int:
        """Wait up to `timeout` seconds until nothing is queued or running, still taking work."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._queued and (left := deadline - time.monotonic()) > 0:
                self._idle.wait(left)
            return self._queued

    def drain(self, timeout: float) -> int:
        """Take no more work, wait up to `timeout` seconds for the queue; what is left."""
        deadline = time.monotonic() + timeout
        with self._lock:
            self._closed = True
            while self._queued and (left := deadline - time.monotonic()) > 0:
                self._idle.wait(left)
            return self._queued

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def failure_text(error: BaseException) -> str:
    """What the member hears: "couldn't reach its database" only when it really couldn't."""
    if isinstance(error, ReadsBusy):
        return BUSY_NOTHING_CHANGED
    if isinstance(error, DatabaseBusy):
        return BUSY_NOTHING_SAVED
    unreachable = isinstance(error, OperationalError | InterfaceError | SATimeoutError)
    return DB_DOWN if unreachable else SOMETHING_BROKE


def has_room(context: BoltContext) -> bool:
    """Whether the work after this ack can be taken (always, outside a served app)."""
    follow_ups = context.get(FOLLOW_UPS)
    return not isinstance(follow_ups, FollowUps) or follow_ups.has_room()


def acknowledge(ack: Ack, context: BoltContext) -> None:
    """The ack function of a listener whose answer comes later; says so when too busy."""
    if has_room(context):
        ack()
    else:
        ack(**notice(BUSY, emoji=":hourglass:").as_kwargs())


def after_ack(work: Callable[..., None]) -> Callable[..., None]:
    """`work` as a Bolt lazy function whose failures are reported like any listener's."""
    wanted = list(inspect.signature(work).parameters)

    def run(request: BoltRequest) -> None:
        kwargs = build_required_kwargs(
            logger=log, required_arg_names=wanted, request=request, response=None, this_func=work
        )
        try:
            work(**kwargs)
        except Exception as error:
            report_failure(error, body=request.body, context=request.context)

    run.__name__ = work.__name__
    run.__qualname__ = work.__qualname__
    run.__doc__ = work.__doc__
    return run


def later(
    context: BoltContext, body: dict[str, Any], work: Callable[..., None], /, **kwargs: Any
) -> None:
    """Run `work(**kwargs)` after this ack on the process's FollowUps, failures reported as
    `after_ack` reports them.

    For a listener whose ack usually leaves nothing to do afterwards (a /connect log): Bolt
    copies the whole request for each lazy function and hands it to a thread on every request,
    even when that function then does nothing. Call it after `ack()`, only when there is work.
    """
    follow_ups = context.get(FOLLOW_UPS)

    def run() -> None:
        try:
            work(**kwargs)
        except Exception as error:
            report_failure(error, body=body, context=context)

    if isinstance(follow_ups, FollowUps):
        follow_ups.submit(run)
    else:  # outside a served app (no pool in the context): nothing to keep the ack from
        run()


def answer_failure(
    error: Exception, *, body: dict[str, Any], context: BoltContext
) -> BoltResponse | None:
    """A failure before the ack: answer the member in the ack itself where Slack shows it.

    A slash command gets an ephemeral message; a modal keeps the member's input and shows the
    message inline; a button or shortcut is acknowledged and told through its response_url or a
    DM after the ack. Anything else keeps Bolt's 500 (Slack retries events).
    """
    if context.get(VERIFIED) is not True:
        # Nothing from this body is trusted: not its response_url, ids, or even its type.
        log.error("failed on an unverified request; not answering it", exc_info=error)
        return None
    kind = body.get("type") or ("slash_command" if "command" in body else "unknown")
    text = failure_text(error)
    if kind == "slash_command":
        _log_failure(error, kind=kind, context=context)
        message = notice(text, emoji=":warning:")
        return _json_response({"response_type": "ephemeral", **message.as_kwargs()})
    if kind == "view_submission":
        block_id = _first_input_block(body)
        if block_id is not None:
            _log_failure(error, kind=kind, context=context)
            return _json_response({"response_action": "errors", "errors": {block_id: text}})
    if kind in _INTERACTIVE:
        follow_ups = context.get(FOLLOW_UPS)
        if isinstance(follow_ups, FollowUps):
            follow_ups.submit(report_failure, error, body=body, context=context)
        else:
            report_failure(error, body=body, context=context)
        return BoltResponse(status=200, body="")
    report_failure(error, body=body, context=context)
    return None


def _reply_instead(error: ReplyNotDelivered, *, kind: str, context: BoltContext) -> None:
    """A reply the response_url gave no answer to, shown through the Web API instead.

    The member sees the reply itself, not "something went wrong": the work was done, only its
    reply was lost. It may show twice if Slack took the first late. In a channel, a reply
    that would have replaced a message comes as a new ephemeral one. Nothing is sent where
    that would mislead or cannot work: a reply that only deleted the original, one that
    would have replaced a message in a DM (a follow-up card would come again as a new
    message), or a request with no token (Bolt refusing a workspace without an installation).
    """
    text, blocks = error.message.get("text"), error.message.get("blocks")
    user_id, client = context.user_id, context.client
    in_dm = not context.channel_id or context.channel_id.startswith("D")
    if (
        not (text or blocks)
        or (error.message.get("replace_original") and in_dm)
        or not user_id
        or not context.token
        or not isinstance(client, WebClient)
    ):
        log.warning(
            "reply to %s on %s for team %s not delivered, nor sent another way: %s",
            user_id,
            kind,
            context.team_id,
            error,
        )
        return
    log.warning(
        "reply to %s on %s for team %s not delivered, sending it another way: %s",
        user_id,
        kind,
        context.team_id,
        error,
    )
    try:
        tell_member(
            client,
            user_id=user_id,
            channel_id=context.channel_id,
            message=Message(text=str(text or ""), blocks=list(blocks or [])),
        )
    except Exception as send_error:  # a failure report must not fail in turn
        log.error("could not show %s the reply another way either: %s", user_id, send_error)


def reply_then(reply: Callable[[], object], then: Callable[[], None]) -> None:
    """`reply()` (a respond), then `then()` (say, the Home's refresh), which runs even when
    the reply was lost. The lost reply is what gets reported then: a failure of `then` after
    it is only logged, so that the member is not told their saved change failed."""
    try:
        reply()
    except ReplyNotDelivered:
        try:
            then()
        except Exception:
            log.exception("after a lost reply, the work that follows it failed too")
        raise
    then()


def _log_failure(error: Exception, *, kind: str, context: BoltContext) -> None:
    if isinstance(error, DatabaseBusy):
        # Load shed on purpose: one line each, not a traceback per refused request.
        log.warning("busy, refused %s for team %s: %s", kind, context.team_id, error)
    else:
        log.error("listener failed on %s for team %s", kind, context.team_id, exc_info=error)


def not_installed_in_form(body: dict[str, Any], answer: BoltResponse) -> BoltResponse:
    """Bolt answers a workspace without an installation with NOT_INSTALLED as a plain body. A
    slash command shows it; a form would show only Slack's own "trouble connecting". A submitted
    form gets it inline instead, on its first field, and keeps what the member typed."""
    if answer.status != 200 or answer.body != NOT_INSTALLED:
        return answer
    if body.get("type") != "view_submission":
        return answer
    block_id = _first_input_block(body)
    if block_id is None:
        return answer
    return _json_response(
        {"response_action": "errors", "errors": {block_id: NOT_INSTALLED_IN_FORM}}
    )


def _first_input_block(body: dict[str, Any]) -> str | None:
    view = body.get("view")
    blocks = view.get("blocks") if isinstance(view, dict) else None
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return None


def _json_response(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200,
        body=json.dumps(payload),
        headers={"content-type": "application/json;charset=utf-8"},
    )


def report_failure(error: Exception, *, body: dict[str, Any], context: BoltContext) -> None:
    """Log an unexpected failure with its cause, and tell the member if the request is verified.

    A reply that got no answer from the response_url (ReplyNotDelivered) is no such failure:
    the reply itself goes to the member through the Web API where that can work.
    """
    if context.get(VERIFIED) is not True:
        # Nothing from this body is trusted: not its response_url, ids, or even its type.
        log.error("failed on an unverified request; not answering it", exc_info=error)
        return
    kind = body.get("type") or ("slash_command" if "command" in body else "unknown")
    if isinstance(error, ReplyNotDelivered):
        _reply_instead(error, kind=kind, context=context)
        return
    _log_failure(error, kind=kind, context=context)
    text = failure_text(error)
    message = notice(text, emoji=":warning:")
    user_id = context.user_id
    try:
        response_url = body.get("response_url")
        if isinstance(response_url, str) and response_url and context.respond is not None:
            context.respond(response_type="ephemeral", **message.as_kwargs())
        elif user_id and kind in _INTERACTIVE and isinstance(context.client, WebClient):
            tell_member(
                context.client, user_id=user_id, channel_id=context.channel_id, message=message
            )
    except Exception as send_error:  # a failure report must not fail in turn
        log.error("could not tell %s about the failure: %s", user_id, send_error)
