"""The App Home tab: published whenever a member opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from slackapp.slack.listening import acknowledge, after_ack
from slackapp.slack.workspace import workspace_of
from slackapp.usecases import progress
from slackapp.usecases.deps import from_context


def home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """app_home_opened: publish the member's Home tab, fresh from the database."""
    # The same event fires for the Messages tab, which has nothing for us to draw.
    if event.get("tab") != "home":
        return
    progress.publish_home(
        from_context(context), client, team_id=workspace_of(context), user_id=str(event["user"])
    )


def register(app: App) -> None:
    """Attach the App Home listener."""
    app.event("app_home_opened")(ack=acknowledge, lazy=[after_ack(home_opened)])
