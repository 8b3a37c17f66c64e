"""Migrations run once however many processes start at the same time; the rest wait for them."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import event, text

from slackapp.config import load_settings
from slackapp.runtime.startup import StartupError, migrate_database
from slackapp.store.db import Database
from slackapp.store.migrate import (
    MIGRATION_LOCK_KEY,
    MigrationLockTimeout,
    current_revision,
    head_revision,
    upgrade,
)

#: One starting process: import everything, wait for the others at the gate, then migrate
#: as start-up does.
_MIGRATE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from slackapp.config import load_settings
    from slackapp.runtime.startup import migrate_database

    url, gate = sys.argv[1], Path(sys.argv[2])
    settings = load_settings({"DATABASE_URL": url}, dotenv_path=None)
    while not gate.exists():
        time.sleep(0.01)
    migrate_database(settings)  # what `slackapp migrate`, `serve` and `socket` run
    print("migrated")
    """
)


@pytest.mark.slow  # starts Python four times
def test_several_processes_migrating_a_fresh_database_at_once_all_succeed(
    database_url: str, tmp_path: Path
) -> None:
    gate = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _MIGRATE, database_url, str(gate)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    gate.touch()
    results = [process.communicate(timeout=180) for process in processes]
    for process, (out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
        assert out.strip() == "migrated"
    database = Database(database_url)
    try:
        assert current_revision(database) == head_revision()
        with database.engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert [row[0] for row in versions] == [head_revision()]
    finally:
        database.dispose()


def test_a_migration_waits_for_the_lock_and_says_so_when_it_gives_up(database_url: str) -> None:
    holder = Database(database_url)
    database = Database(database_url)
    try:
        with holder.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                # What a migrating process holds for the length of its transaction.
                connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            else:
                connection.begin()  # BEGIN IMMEDIATE: the file's write lock
            with pytest.raises(MigrationLockTimeout, match="migration lock"):
                upgrade(database, lock_timeout=1)
            # Start-up turns it into one line that names the setting.
            settings = load_settings(
                {"DATABASE_URL": database_url, "DB_MIGRATION_LOCK_TIMEOUT": "1"}, dotenv_path=None
            )
            with pytest.raises(
                StartupError, match=r"DB_MIGRATION_LOCK_TIMEOUT=1 s\. Let it finish"
            ):
                migrate_database(settings)
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
            connection.rollback()
        assert current_revision(database) is None  # it changed nothing while it waited
        upgrade(database, lock_timeout=1)  # the lock is free again: it migrates
        assert current_revision(database) == head_revision()
    finally:
        database.dispose()
        holder.dispose()


def test_a_sqlite_file_that_answers_locked_at_once_is_tried_again(tmp_path: Path) -> None:
    # What a process can meet when several open a new SQLite file together: "database is
    # locked" straight away, from the connection's own set-up, not after any wait.
    database = Database(f"sqlite:///{tmp_path / 'new.db'}")
    refusals = [sqlite3.OperationalError("database is locked")] * 2

    def locked_at_first(_dbapi_connection: object, _record: object) -> None:
        if refusals:
            raise refusals.pop()

    event.listen(database.engine, "connect", locked_at_first)
    try:
        upgrade(database, lock_timeout=5)
        assert refusals == []
        assert current_revision(database) == head_revision()
    finally:
        database.dispose()


def test_a_sqlite_file_that_stays_locked_gives_up_at_the_deadline(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'new.db'}")

    def always_locked(_dbapi_connection: object, _record: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    event.listen(database.engine, "connect", always_locked)
    try:
        with pytest.raises(MigrationLockTimeout, match=r"over 0\.3 s"):
            upgrade(database, lock_timeout=0.3)
    finally:
        database.dispose()
