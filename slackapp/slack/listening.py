"""How listeners split into a fast ack and the work after it.

Bolt runs with `process_before_response=True`: each listener's ack function runs in the
HTTP request's own thread and answers Slack at once, while its lazy functions (the real work)
run on the listener executor. A crowd of slow Slack calls can then fill the executor, but never
delay an ack. `after_ack` wraps the work so that a failure there is logged with its cause and
reported to the member, like a failure anywhere else.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, BoltRequest
from slack_bolt.kwargs_injection import build_required_kwargs
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from slackapp.render.connect import notice
from slackapp.slack.posting import tell_member

log = logging.getLogger(__name__)

DB_DOWN = (
    "Valueboard couldn't reach its database just now, so nothing was saved. "
    "Please try again in a minute."
)
SOMETHING_BROKE = (
    "Something went wrong on our side and that didn't go through. "
    "Please try again; if it keeps happening, tell whoever set up Valueboard."
)

_INTERACTIVE = {"view_submission", "block_actions", "message_action", "shortcut"}

#: Context key set (to True) only on requests known to come from Slack: by the web layer after
#: checking the signature, or for Socket Mode's own authenticated connection. Failure reports
#: answer only those; an unverified body's response_url and user ids are an attacker's choice.
VERIFIED = "valueboard_verified"


def acknowledge(ack: Ack) -> None:
    """The ack function of a listener whose answer comes later."""
    ack()


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


def report_failure(error: Exception, *, body: dict[str, Any], context: BoltContext) -> None:
    """Log an unexpected failure with its cause, and tell the member if the request is verified."""
    if context.get(VERIFIED) is not True:
        # Nothing from this body is trusted: not its response_url, ids, or even its type.
        log.error("failed on an unverified request; not answering it", exc_info=error)
        return
    kind = body.get("type") or ("slash_command" if "command" in body else "unknown")
    log.error("listener failed on %s for team %s", kind, context.team_id, exc_info=error)
    text = DB_DOWN if isinstance(error, SQLAlchemyError) else SOMETHING_BROKE
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
    except (SlackApiError, OSError) as send_error:
        log.error("could not tell %s about the failure: %s", user_id, send_error)
