"""The configured database: its URL and timeouts from the settings."""

from __future__ import annotations

from slackapp.config import Settings
from slackapp.store.db import Database, Timeouts


def open_database(settings: Settings, *, statement_timeout: bool = True) -> Database:
    """The configured database with the configured timeouts.

    `statement_timeout=False` lifts the per-statement limit (connect and pool limits stay),
    for operator commands such as migrations and exports that may legitimately run long.
    """
    timeouts = Timeouts(
        connect=settings.db_connect_timeout,
        pool=settings.db_pool_timeout,
        statement=settings.db_statement_timeout if statement_timeout else None,
    )
    # One connection for each serving thread, so an ack never waits for one; the work after
    # the acks (LISTENER_WORKERS threads) and the scheduler's tick borrow the overflow.
    return Database(
        settings.database_url,
        timeouts=timeouts,
        pool_size=settings.web_threads,
        max_overflow=settings.listener_workers + 2,
    )
