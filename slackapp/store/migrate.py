"""Alembic, driven from code: `slackapp migrate` and start-up both call `upgrade`.

Several processes may start at once (gunicorn on several servers, replicas of a container), and
each migrates on start. Only one may change the schema: on PostgreSQL the upgrade runs in one
transaction that first takes an advisory lock; on SQLite it runs in one write transaction
(`BEGIN IMMEDIATE`, the file's lock). The others wait for the lock, up to `lock_timeout`, then
find the schema at head and do nothing. On SQLite, a "locked" that comes at once (opening a new
file together) is tried again until the same deadline.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from slackapp.store.db import READ_ONLY, Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: The PostgreSQL advisory lock (per database) that the one migrating process holds.
MIGRATION_LOCK_KEY: Final = 7406147
#: Seconds a process waits for another one's migration by default.
MIGRATION_LOCK_TIMEOUT: Final = 300.0


class MigrationLockTimeout(Exception):
    """Another process held the migration lock for longer than we were willing to wait."""

    def __init__(self, waited: float) -> None:
        super().__init__(f"another process held the migration lock for over {waited:g} s")
        self.waited = waited


def alembic_config() -> Config:
    """An Alembic config pointing at our migrations folder."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(
    database: Database, *, revision: str = "head", lock_timeout: float = MIGRATION_LOCK_TIMEOUT
) -> None:
    """Bring the schema up to `revision`, once however many processes ask at the same time.

    Raises MigrationLockTimeout when another process's migration outlasts `lock_timeout`.
    """
    deadline = time.monotonic() + lock_timeout
    wait = lock_timeout
    while True:
        try:
            _upgrade_once(database, revision=revision, lock_timeout=wait)
            return
        except OperationalError as error:
            if not _lock_timed_out(error):
                raise
            left = deadline - time.monotonic()
            if database.backend != "sqlite" or left <= 0:
                raise MigrationLockTimeout(lock_timeout) from error
            # SQLite can answer "locked" at once, without waiting, while processes open a new
            # file together (switching it to WAL, say): try again within the same deadline.
            time.sleep(min(_SQLITE_RETRY_PAUSE, left))
            wait = max(deadline - time.monotonic(), _SQLITE_RETRY_PAUSE)


#: Seconds between a SQLite migration's attempts when the file answered "locked" at once.
_SQLITE_RETRY_PAUSE = 0.05


def _upgrade_once(database: Database, *, revision: str, lock_timeout: float) -> None:
    config = alembic_config()
    # migrations/env.py takes PostgreSQL's advisory lock with this timeout.
    config.attributes["lock_timeout"] = lock_timeout
    with database.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        previous = _sqlite_busy_timeout(connection, lock_timeout) if sqlite else None
        try:
            # On SQLite this begins with BEGIN IMMEDIATE (see store.db): the file's write lock,
            # waited for up to the busy timeout just set.
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
        finally:
            if previous is not None:
                _sqlite_busy_timeout(connection, previous)


def _sqlite_busy_timeout(connection: Connection, seconds: float) -> float:
    """Set how long SQLite waits for another writer on this connection; returns the old value."""
    # On the driver's connection, outside any transaction: a SQLAlchemy statement would begin one.
    raw = connection.connection.driver_connection
    assert raw is not None
    previous = raw.execute("PRAGMA busy_timeout").fetchone()[0]
    raw.execute(f"PRAGMA busy_timeout = {round(seconds * 1000)}")
    return float(previous) / 1000


def _lock_timed_out(error: OperationalError) -> bool:
    # PostgreSQL: lock_timeout fired (SQLSTATE 55P03). SQLite: the busy timeout ran out.
    code = getattr(error.orig, "sqlstate", None)
    return code == "55P03" or "database is locked" in str(error.orig)


def current_revision(database: Database) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    # Read-only: on SQLite it takes no write lock, so it never waits on a running app.
    with database.engine.execution_options(**{READ_ONLY: True}).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision in the migrations folder."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_known_revision(revision: str) -> bool:
    """Whether `revision` is one of this version's migrations (not a newer version's)."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False
