"""Installations from "Add to Slack": slack_sdk's SQLAlchemy stores on the app's own engine.

The tables are created by our migrations (0010), never by the stores' `create_tables()`. Tokens
that rotate are refreshed with slack_sdk's TokenRotator; Slack's refresh tokens are single use,
so when two processes refresh the same one, the loser finds the winner's token in the store.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict

from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine

from slackapp.store.db import single_statement_reads

__all__ = [
    "AUTHORIZED_TOKENS",
    "OAUTH_STATE_SECONDS",
    "AuthorizedTokens",
    "ReadingInstallationStore",
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
#: How many bot tokens' auth.test answers a process keeps (a few hundred bytes each).
AUTHORIZED_TOKENS = 10_000


class AuthorizedTokens(OrderedDict[str, AuthorizeResult]):
    """Bolt's authorize cache: whose each bot token is (auth.test's answer), newest tokens kept.

    Every request still reads its token from the installation store, so an uninstall or a
    refresh in another process counts at once; only auth.test is saved, a Slack round trip
    before every ack, whose answer never changes for a given token. A rotated token is a new
    key (one auth.test); the least recently used are forgotten past `size`.
    """

    def __init__(self, size: int = AUTHORIZED_TOKENS) -> None:
        super().__init__()
        self.size = size
        self._lock = threading.Lock()

    def __contains__(self, token: object) -> bool:
        # Bolt asks `token in cache`, then reads cache[token]: the lookup makes it the newest,
        # so no other thread's insert can drop it in between.
        with self._lock:
            if not isinstance(token, str) or not super().__contains__(token):
                return False
            self.move_to_end(token)
            return True

    def __setitem__(self, token: str, result: AuthorizeResult) -> None:
        with self._lock:
            super().__setitem__(token, result)
            self.move_to_end(token)
            while len(self) > self.size:
                self.popitem(last=False)


class ReadingInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store, its look-ups (one statement each, at every request) made as reads.

    slack_sdk opens a plain connection for each look-up: on SQLite that began a write
    transaction, queuing for the write lock before every ack, and on PostgreSQL it ended with a
    ROLLBACK, dropping the connection's prepared statements. Saves and deletes stay on the
    engine as it is.
    """

    def __init__(self, *, client_id: str, engine: Engine, logger: logging.Logger) -> None:
        super().__init__(client_id=client_id, engine=engine, logger=logger)
        self._lookups = SQLAlchemyInstallationStore(
            client_id=client_id, engine=single_statement_reads(engine), logger=logger
        )

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        return self._lookups.find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return self._lookups.find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )


def installation_store(*, client_id: str, engine: Engine) -> SQLAlchemyInstallationStore:
    """slack_sdk's installation store on our engine (tables made by our migrations)."""
    return ReadingInstallationStore(
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
