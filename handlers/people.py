"""People: "same person as…" on a person's page, and its Undo.

The merge (or its undo) is saved before the ack; the page it leaves replaces the original
message after it.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from slackapp.render import ids
from slackapp.render.people import merged_message, unmerged_message
from slackapp.render.widgets import notice
from slackapp.slack.listening import OUTCOME, after_ack
from slackapp.slack.workspace import workspace_of
from slackapp.usecases import people
from slackapp.usecases.deps import from_context


def _ids(raw: str) -> list[int]:
    try:
        return [int(part) for part in raw.replace(":", ",").split(",") if part]
    except ValueError:
        return []


def merge_ack(ack: Ack, action: dict[str, Any], context: BoltContext) -> None:
    """ "Same person as…": merge the page's person into the one chosen, before answering."""
    chosen = _ids(str((action.get("selected_option") or {}).get("value") or ""))
    if len(chosen) == 2:
        context[OUTCOME] = people.merge(
            from_context(context),
            team_id=workspace_of(context),
            user_id=str(context.user_id),
            source_id=chosen[0],
            target_id=chosen[1],
        )
    ack()


def merged(respond: Respond, context: BoltContext) -> None:
    """After a merge: the merged page with Undo, or why nothing changed."""
    outcome = context.get(OUTCOME)
    if not isinstance(outcome, people.Merged) or outcome.page is None or outcome.merge is None:
        respond(replace_original=False, **notice("Those two are already one person.").as_kwargs())
        return
    message = merged_message(outcome.merge, outcome.page.page, today=outcome.page.today)
    respond(replace_original=True, **message.as_kwargs())


def unmerge_ack(ack: Ack, action: dict[str, Any], context: BoltContext) -> None:
    """Undo a merge before answering."""
    given = _ids(str(action.get("value") or ""))
    if given:
        context[OUTCOME] = people.unmerge(
            from_context(context),
            team_id=workspace_of(context),
            user_id=str(context.user_id),
            source_id=given[0],
            moved=tuple(given[1:]),
        )
    ack()


def unmerged(respond: Respond, context: BoltContext) -> None:
    """After Undo: the person's own page again."""
    outcome = context.get(OUTCOME)
    if not isinstance(outcome, people.Merged) or outcome.page is None:
        respond(replace_original=False, **notice("That merge is already undone.").as_kwargs())
        return
    message = unmerged_message(outcome.page.page, today=outcome.page.today)
    respond(replace_original=True, **message.as_kwargs())


def register(app: App) -> None:
    """Attach the people listeners."""
    app.action(ids.MERGE_PERSON_ACTION)(ack=merge_ack, lazy=[after_ack(merged)])
    app.action(ids.UNMERGE_PERSON_ACTION)(ack=unmerge_ack, lazy=[after_ack(unmerged)])
