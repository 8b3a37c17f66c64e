"""Test databases that are cheap per test: each pytest process migrates once, tests get copies.

Running the Alembic migrations takes a tenth of a second or more, far too long to repeat for
each of hundreds of tests, so each pytest process (each pytest-xdist worker) migrates once:

- SQLite: the process migrates a template file and each test gets its own copy of the file.
- PostgreSQL: the process creates a database of its own (`<name>_<worker>_<pid>`, where <name>
  is the database in TEST_DATABASE_URL, which must exist), migrates it, and before each test
  empties every table and restarts every sequence; if a test left the schema other than the
  migrations made it (tests/test_migrations.py goes down and up), it is migrated again. The
  database is dropped at the end of the session, and databases left by processes that no longer
  run (a killed run) are dropped when the next run starts.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from slackapp.store.db import Database, ReadGate, Timeouts, normalize_url
from slackapp.store.migrate import upgrade
from tests.support.factories import add_team

_LOCAL_HOSTS = {None, "", "localhost", "127.0.0.1", "::1"}


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class SqliteTemplate:
    """A migrated SQLite file that `copy` hands out, one copy per test."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.db"
        database = Database(f"sqlite:///{self.path}")
        try:
            upgrade(database)
            # Fold the write-ahead log into the file so that the file alone is the database
            # (outside a transaction: the engine begins each one with BEGIN IMMEDIATE).
            connection = database.engine.raw_connection()
            try:
                connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                connection.close()
        finally:
            database.dispose()
        wal = self.path.with_name(self.path.name + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0, "the template kept a write-ahead log"

    def copy(self, directory: Path) -> str:
        """A URL of a fresh copy of the migrated database in `directory`."""
        path = directory / "valueboard.db"
        shutil.copyfile(self.path, path)
        return f"sqlite:///{path}"


#: Seconds one CREATE or DROP DATABASE may take before the test run gives up on it.
ADMIN_STATEMENT_S = 120


class PostgresWorkerDatabase:
    """A database of this process's own on the server of `base_url`, migrated once."""

    def __init__(self, base_url: str, worker: str) -> None:
        self._base = normalize_url(base_url)
        base_name = self._base.database or "postgres"
        self._pattern = re.compile(rf"{re.escape(base_name)}_(gw\d+|main)_(\d+)")
        self.name = f"{base_name}_{worker}_{os.getpid()}"
        self.url = self._base.set(database=self.name).render_as_string(hide_password=False)
        # Creating and dropping databases (WITH FORCE, ending other sessions) may take far
        # longer than the app's 5 s statement limit on a busy machine; still, never forever.
        self._admin = Database(base_url, timeouts=Timeouts(statement=ADMIN_STATEMENT_S))
        self._schema = ""
        self._emptying = ""
        self._drop_leftovers()
        with self._autocommit() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {_quote(self.name)} WITH (FORCE)")
            connection.exec_driver_sql(f"CREATE DATABASE {_quote(self.name)}")
        self._database = Database(self.url)
        self._migrate()

    @contextmanager
    def _autocommit(self) -> Iterator[Connection]:
        with self._admin.engine.connect() as connection:
            yield connection.execution_options(isolation_level="AUTOCOMMIT")

    def _drop_leftovers(self) -> None:
        """Drop databases that earlier runs on this machine left behind when they were killed."""
        if self._base.host not in _LOCAL_HOSTS:
            return  # their process ids mean nothing here
        with self._autocommit() as connection:
            names = connection.execute(text("SELECT datname FROM pg_database")).scalars().all()
            for name in names:
                match = self._pattern.fullmatch(name)
                if match is None or _running(int(match.group(2))):
                    continue
                drop = f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)"
                with suppress(DBAPIError):  # another worker may be dropping it at this moment
                    connection.exec_driver_sql(drop)

    def _migrate(self) -> None:
        with self._database.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
        upgrade(self._database)
        with self._database.engine.connect() as connection:
            self._schema = _schema(connection)
            tables = connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            ).scalars()
            data = [_quote(table) for table in sorted(set(tables) - {"alembic_version"})]
            if _has_foreign_keys(connection):
                # DELETE would have to follow the references; TRUNCATE is slower but needn't.
                self._emptying = f"TRUNCATE {', '.join(data)} RESTART IDENTITY CASCADE"
            else:
                # A few times faster than TRUNCATE on tables that hold a few rows.
                self._emptying = "; ".join(
                    [f"DELETE FROM {table}" for table in data]  # noqa: S608 - quoted names
                    + [f"ALTER SEQUENCE {_quote(seq)} RESTART" for seq in _sequences(connection)]
                )

    def reset(self) -> str:
        """Empty the migrated database (migrate it again if a test changed its schema); its URL."""
        with self._database.engine.begin() as connection:
            if _schema(connection) == self._schema:
                connection.exec_driver_sql(self._emptying)
                return self.url
        self._migrate()
        return self.url

    @contextmanager
    def empty_schema(self) -> Iterator[str]:
        """A URL of a new, empty schema in this database, dropped afterwards."""
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with self._database.engine.begin() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {_quote(schema)}")
        url = normalize_url(self.url).update_query_dict({"options": f"-csearch_path={schema}"})
        try:
            yield url.render_as_string(hide_password=False)
        finally:
            with self._database.engine.begin() as connection:
                connection.exec_driver_sql(f"DROP SCHEMA {_quote(schema)} CASCADE")

    def drop(self) -> None:
        """Drop the database (tests may have left connections open: force them closed)."""
        self._database.dispose()
        with self._autocommit() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {_quote(self.name)} WITH (FORCE)")
        self._admin.dispose()


#: Every table, column, index, sequence and constraint of the current schema, and the revision.
_SCHEMA = """
SELECT concat_ws(
    ' | ',
    (SELECT string_agg(
        concat_ws(':', c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod),
                  a.attnotnull, pg_get_expr(d.adbin, d.adrelid)),
        ',' ORDER BY c.relname, a.attnum)
     FROM pg_class c
     LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
     WHERE c.relnamespace = current_schema()::regnamespace),
    (SELECT string_agg(conname || ':' || pg_get_constraintdef(oid), ',' ORDER BY conname)
     FROM pg_constraint WHERE connamespace = current_schema()::regnamespace),
    (SELECT string_agg(version_num, ',') FROM alembic_version)
)
"""


def _schema(connection: Connection) -> str:
    """What the schema is, to compare with what the migrations made (not what it holds)."""
    try:
        with connection.begin_nested():
            return str(connection.execute(text(_SCHEMA)).scalar_one())
    except DBAPIError:  # no alembic_version table: not what the migrations made
        return ""


def _sequences(connection: Connection) -> list[str]:
    return list(
        connection.execute(
            text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")
        ).scalars()
    )


def _has_foreign_keys(connection: Connection) -> bool:
    return bool(
        connection.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE contype = 'f'"
                " AND connamespace = current_schema()::regnamespace)"
            )
        ).scalar()
    )


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def read_place_held(gate: ReadGate) -> Iterator[None]:
    """Another thread holds a place at `gate` (another request reading) for the block."""
    inside, leave = threading.Event(), threading.Event()

    def hold() -> None:
        with gate.held():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    assert inside.wait(10), "the other reader never got its place"
    try:
        yield
    finally:
        leave.set()
        thread.join(10)


@contextmanager
def write_lock_held(db: Database) -> Iterator[None]:
    """A writer holding SQLite's write lock for the block, as a busy app's does (skips the test
    elsewhere: only SQLite has one lock for all writers)."""
    if db.backend != "sqlite":
        pytest.skip("the write lock is SQLite's")
    with db.session_scope() as session:
        add_team(session, team_id="T0WRITER")  # flushed: the lock is held until the commit
        yield


def prepared_statements(db: Database, *, like: str) -> int:
    """How many statements psycopg has prepared on the connection a read scope gets."""
    with db.read_scope() as session:
        found = session.execute(
            text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :like"),
            {"like": like},
        ).scalar_one()
    return int(found)


#: How long a turn at the gates may take in a test of correctness under contention.
PATIENT_WAIT_S = 60.0


@contextmanager
def patient_gates(db: Database, wait: float = PATIENT_WAIT_S) -> Iterator[None]:
    """Readers and writers wait up to `wait` s for a turn at `db`'s gates for the block.

    For tests that pile up requests or writers to check what comes out of them, not how the app
    sheds load: on a busy machine one turn can take longer than the gates' own few seconds, and
    that test would see "busy, nothing saved" where it checks something else.
    """
    gates = [gate for gate in (db.read_gate, db.write_gate) if gate is not None]
    before = [gate.wait for gate in gates]
    for gate in gates:
        gate.wait = wait
    try:
        yield
    finally:
        for gate, was in zip(gates, before, strict=True):
            gate.wait = was


def waiting_for_a_lock(db: Database) -> bool:
    """Whether a session of `db` (PostgreSQL) is waiting for a lock another one holds."""
    with db.read_scope(take_turn=False) as session:
        # This worker's database alone: other workers' tests wait on locks of their own.
        waiting = text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(session.scalar(waiting))
