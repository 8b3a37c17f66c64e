"""Migrations run once however many processes start at the same time; the rest wait for them."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text

from slackapp.store.db import Database
from slackapp.store.migrate import (
    MIGRATION_LOCK_KEY,
    MigrationLockTimeout,
    current_revision,
    head_revision,
    upgrade,
)

#: One starting process: import everything, wait for the others at the gate, then migrate.
_MIGRATE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from slackapp.store.db import Database
    from slackapp.store.migrate import upgrade

    url, gate = sys.argv[1], Path(sys.argv[2])
    database = Database(url)
    while not gate.exists():
        time.sleep(0.01)
    upgrade(database, lock_timeout=120)
    database.dispose()
    print("migrated")
    """
)


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
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
            connection.rollback()
        assert current_revision(database) is None  # it changed nothing while it waited
        upgrade(database, lock_timeout=1)  # the lock is free again: it migrates
        assert current_revision(database) == head_revision()
    finally:
        database.dispose()
        holder.dispose()
