"""Installations from "Add to Slack": slack_sdk's SQLAlchemy stores on the app's own engine.

The tables are created by our migrations (0010), never by the stores' `create_tables()`. Tokens
that rotate are refreshed with slack_sdk's TokenRotator; Slack's refresh tokens are single use,
so when two processes refresh the same one, the loser finds the winner's token in the store.
"""

from __future__ import annotations

import logging
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine

__all__ = [
    "OAUTH_STATE_SECONDS",
    "StoreAwareTokenRotator",
    "installation_store",
    "state_store",
]

log = logging.getLogger(__name__)

#: How long an "Add to Slack" page's state stays valid, in seconds.
OAUTH_STATE_SECONDS = 600
#: How long a process that lost a refresh race waits for the winner's token to be saved.
LOST_RACE_WAIT = 1.0
_LOST_RACE_POLL = 0.1


def installation_store(*, client_id: str, engine: Engine) -> SQLAlchemyInstallationStore:
    """slack_sdk's installation store on our engine (tables made by our migrations)."""
    return SQLAlchemyInstallationStore(
        client_id=client_id, engine=engine, logger=logging.getLogger("slackapp.installations")
    )


def state_store(*, engine: Engine) -> SQLAlchemyOAuthStateStore:
    """slack_sdk's OAuth state store on our engine: each state works once, within 10 minutes."""
    return SQLAlchemyOAuthStateStore(
        expiration_seconds=OAUTH_STATE_SECONDS,
        engine=engine,
        logger=logging.getLogger("slackapp.installations"),
    )


class StoreAwareTokenRotator(TokenRotator):
    """slack_sdk's TokenRotator that survives losing a refresh race to another process.

    Slack accepts each refresh token once. When another process (or thread) refreshed the same
    bot token first, our refresh fails; the winner saves the new token to the shared store, so
    we read it from there instead of failing the request or the post.
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        client: WebClient,
        store: SQLAlchemyInstallationStore,
    ) -> None:
        super().__init__(client_id=client_id, client_secret=client_secret, client=client)
        self.store = store

    def perform_bot_token_rotation(
        self, *, bot: Bot, minutes_before_expiration: int = 120
    ) -> Bot | None:
        """Refresh `bot`'s token if it is expiring; on a lost race, the winner's token."""
        try:
            return super().perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=minutes_before_expiration
            )
        except SlackTokenRotationError:
            deadline = time.monotonic() + LOST_RACE_WAIT
            while True:
                newer = self.store.find_bot(
                    enterprise_id=bot.enterprise_id,
                    team_id=bot.team_id,
                    is_enterprise_install=bot.is_enterprise_install,
                )
                if newer is not None and newer.bot_refresh_token != bot.bot_refresh_token:
                    log.info(
                        "another process refreshed the token of %s first; using its token",
                        bot.team_id or bot.enterprise_id,
                    )
                    return newer
                if time.monotonic() >= deadline:
                    raise
                time.sleep(_LOST_RACE_POLL)
