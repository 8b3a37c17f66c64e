"""The follow-up DM's buttons: Replied, No reply, Still waiting.

The answer is saved before the ack; after it, the DM is updated in place through the
message's response_url (no Home republish: the Home shows follow-ups when it is opened).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from slackapp.domain.followups import Answer, AnswerStatus
from slackapp.render.followups import (
    ANSWER_ACTIONS,
    answer_refused,
    followup_message,
    read_answer_value,
)
from slackapp.slack.listening import OUTCOME, after_ack
from slackapp.slack.workspace import workspace_of
from slackapp.usecases import followups
from slackapp.usecases.deps import from_context


def _answer_ack(choice: Answer) -> Any:
    def answer_ack(ack: Ack, action: dict[str, Any], context: BoltContext) -> None:
        """Record the answer, once, before the ack."""
        value = read_answer_value(action.get("value"))
        if value is not None:
            follow_up_id, asked_for = value
            context[OUTCOME] = followups.answer(
                from_context(context),
                team_id=workspace_of(context),
                user_id=str(context.user_id),
                follow_up_id=follow_up_id,
                asked_for=asked_for,
                choice=choice,
            )
        ack()

    return answer_ack


def answered(respond: Respond, context: BoltContext) -> None:
    """After the ack: the DM shows the answer in place, or a clear word on why nothing changed."""
    outcome = context.get(OUTCOME)
    if not isinstance(outcome, followups.AnswerView):
        respond(replace_original=False, **answer_refused(AnswerStatus.GONE, None).as_kwargs())
        return
    status = outcome.answered.status
    if status is AnswerStatus.DONE:
        respond(replace_original=True, **followup_message(outcome.message_items).as_kwargs())
        return
    if status in {AnswerStatus.ALREADY_ANSWERED, AnswerStatus.ALREADY_MOVED}:
        # The message may be an old copy: show it as it stands, then say why.
        respond(replace_original=True, **followup_message(outcome.message_items).as_kwargs())
    refusal = answer_refused(status, outcome.answered.item)
    respond(replace_original=False, **refusal.as_kwargs())


def register(app: App) -> None:
    """Attach the follow-up buttons."""
    for choice, action_id in ANSWER_ACTIONS.items():
        app.action(action_id)(ack=_answer_ack(choice), lazy=[after_ack(answered)])
