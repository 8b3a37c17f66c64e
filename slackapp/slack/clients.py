"""Which Web API client acts for a workspace: the one bot token's, or its installation's.

With SLACK_BOT_TOKEN there is one workspace and one client. With "Add to Slack" each workspace
(or Enterprise Grid organisation) has its own installation, hence its own bot token, refreshed
first when it rotates and is about to expire.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator

__all__ = ["TeamClients", "find_team_installation"]

log = logging.getLogger(__name__)


def find_team_installation(
    store: SQLAlchemyInstallationStore, *, team_id: str, enterprise_id: str | None
) -> Installation | None:
    """The installation that acts for a workspace: its own, else its organisation's (org-wide)."""
    found = store.find_installation(enterprise_id=enterprise_id, team_id=team_id)
    if found is None and enterprise_id is not None:
        found = store.find_installation(
            enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True
        )
    if found is None or not found.bot_token:
        return None
    return found


class TeamClients:
    """Gives the Web API client to act for a workspace, or None when it has no installation."""

    def __init__(
        self,
        *,
        shared: WebClient | None = None,
        store: SQLAlchemyInstallationStore | None = None,
        rotator: TokenRotator | None = None,
        rotation_minutes: int = 120,
        client_with: Callable[[str], WebClient] | None = None,
    ) -> None:
        if (shared is None) == (store is None):
            raise ValueError("TeamClients needs either a shared client or an installation store")
        self._shared = shared
        self._store = store
        self._rotator = rotator
        self._rotation_minutes = rotation_minutes
        self._client_with = client_with

    @classmethod
    def one(cls, client: WebClient) -> TeamClients:
        """One workspace, one bot token (SLACK_BOT_TOKEN): the same client for every team."""
        return cls(shared=client)

    @property
    def installed(self) -> bool:
        """Whether clients come from installations (OAuth) rather than one shared token."""
        return self._store is not None

    @property
    def shared(self) -> WebClient | None:
        """The one client of single-workspace mode; None with installations."""
        return self._shared

    def client_for(self, team_id: str, enterprise_id: str | None = None) -> WebClient | None:
        """A client with the workspace's bot token (refreshed if expiring), or None if it has none.

        Raises SlackClientError (or OSError) when Slack could not be asked to refresh it.
        """
        if self._shared is not None:
            return self._shared
        assert self._store is not None and self._client_with is not None
        installation = find_team_installation(
            self._store, team_id=team_id, enterprise_id=enterprise_id
        )
        if installation is None:
            return None
        token = installation.bot_token
        if installation.bot_refresh_token and self._rotator is not None:
            refreshed = self._rotator.perform_token_rotation(
                installation=installation, minutes_before_expiration=self._rotation_minutes
            )
            if refreshed is not None:
                self._store.save(refreshed)
                token = refreshed.bot_token
                log.info("refreshed the bot token of %s", team_id)
        return self._client_with(token) if token else None


# For callers that catch what client_for may raise.
CLIENT_ERRORS = (SlackClientError, OSError)
