"""What every use case needs: the settings, the database and the clock, built once per process."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy.orm import Session

from slackapp.clock import Clock, system_clock
from slackapp.config import Settings
from slackapp.slack.installations import installation_store
from slackapp.store.connections import ensure_team, team_and_member, team_or_defaults
from slackapp.store.db import Database
from slackapp.store.models import Member, Team

#: Where build_app puts the Deps in Bolt's request context.
CONTEXT_KEY = "valueboard"


class Deps:
    """The process's settings, database and clock, shared by every listener, the CLI and tests."""

    def __init__(self, *, settings: Settings, db: Database, clock: Clock = system_clock) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self._installations: SQLAlchemyInstallationStore | None = None

    @property
    def installations(self) -> SQLAlchemyInstallationStore | None:
        """slack_sdk's installation store with "Add to Slack" (OAuth); None with one bot token."""
        if self._installations is None and self.settings.oauth:
            assert self.settings.client_id is not None
            self._installations = installation_store(
                client_id=self.settings.client_id, engine=self.db.engine
            )
        return self._installations

    def __deepcopy__(self, memo: dict[int, Any]) -> Deps:
        # Bolt deep-copies the request context for lazy listeners; the process's one database
        # pool and settings must be shared, not copied.
        return self

    def now(self) -> datetime:
        """The current instant (aware UTC)."""
        return self.clock()

    def team(self, session: Session, team_id: str) -> Team:
        """The team's row, created with this deployment's defaults on first use (a write)."""
        return ensure_team(
            session,
            team_id=team_id,
            now=self.now(),
            timezone=self.settings.default_timezone,
            daily_goal=self.settings.daily_goal,
        )

    def team_to_read(self, session: Session, team_id: str) -> Team:
        """The team's row, or an unsaved one with the defaults: for read-only sessions."""
        return team_or_defaults(
            session,
            team_id=team_id,
            now=self.now(),
            timezone=self.settings.default_timezone,
            daily_goal=self.settings.daily_goal,
        )

    def member_to_read(
        self, session: Session, team_id: str, user_id: str
    ) -> tuple[Team, Member | None]:
        """team_to_read, and the member's cached row (None before we know them)."""
        return team_and_member(
            session,
            team_id=team_id,
            user_id=user_id,
            now=self.now(),
            timezone=self.settings.default_timezone,
            daily_goal=self.settings.daily_goal,
        )


def from_context(context: Mapping[str, Any]) -> Deps:
    """The Deps that build_app placed in Bolt's context."""
    deps = context[CONTEXT_KEY]
    assert isinstance(deps, Deps)
    return deps
