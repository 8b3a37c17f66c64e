"""Shared fixtures: a migrated database per test, on SQLite or on TEST_DATABASE_URL.

Each pytest process (each pytest-xdist worker) runs the migrations once and every test gets a
database of its own state: see tests/support/databases.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slackapp.sandbox.emulator import SlackEmulator
from slackapp.slack.transport import shared_pool
from slackapp.store import revisions
from slackapp.store.db import Database
from tests.support.databases import PostgresWorkerDatabase, SqliteTemplate
from tests.support.driver import FakeClock, SlackDriver, finish_listeners, serve_app


def _postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def _worker() -> str:
    """'gw0', 'gw1'… under pytest-xdist, 'main' otherwise."""
    return os.environ.get("PYTEST_XDIST_WORKER") or "main"


@pytest.fixture(scope="session")
def _postgres() -> Iterator[PostgresWorkerDatabase | None]:
    """This process's own PostgreSQL database, migrated once; None on SQLite."""
    base = _postgres_url()
    if base is None:
        yield None
        return
    database = PostgresWorkerDatabase(base, _worker())
    try:
        yield database
    finally:
        database.drop()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    """A migrated SQLite file, made once per process (only SQLite runs ask for it)."""
    return SqliteTemplate(tmp_path_factory.mktemp("template"))


@pytest.fixture
def database_url(tmp_path: Path, _postgres: PostgresWorkerDatabase | None) -> Iterator[str]:
    """A fresh, empty database URL: a file under tmp_path, or a new schema on PostgreSQL."""
    if _postgres is None:
        yield f"sqlite:///{tmp_path / 'valueboard.db'}"
        return
    with _postgres.empty_schema() as url:
        yield url


@pytest.fixture
def db(
    request: pytest.FixtureRequest, tmp_path: Path, _postgres: PostgresWorkerDatabase | None
) -> Iterator[Database]:
    """A migrated database, empty and of this test alone."""
    if _postgres is None:
        template: SqliteTemplate = request.getfixturevalue("_sqlite_template")
        url = template.copy(tmp_path)
    else:
        url = _postgres.reset()
    database = Database(url)
    yield database
    # Work the app still does after its acks must not reach the next test's database.
    finish_listeners(database)
    database.dispose()


@pytest.fixture(autouse=True)
def _no_connections_left() -> Iterator[None]:
    """Each test's stand-in listens on a port of its own: the Slack connections the app kept
    open to it are closed after the test (they would pile up, with their stand-in threads)."""
    yield
    shared_pool().close()


@pytest.fixture(autouse=True)
def _every_write_names_its_team(request: pytest.FixtureRequest) -> Iterator[None]:
    """No unit of work the app runs raises every team's revision (a write naming no team, in a
    unit of work for none): correct, but it would make every team's Homes be read afresh."""
    before = revisions.every_team_raises()
    yield
    if request.node.get_closest_marker("every_team") is None:
        assert revisions.every_team_raises() == before, (
            "a unit of work wrote without naming its team, so every team's revision was raised: "
            "name the team in the statement, or say whose the unit of work is (for_team)"
        )


@pytest.fixture
def standin() -> Iterator[SlackEmulator]:
    """The Slack stand-in, with two members in New York and Berlin."""
    with SlackEmulator() as server:
        server.add_user("U1", display_name="Ana", tz="America/New_York")
        server.add_user("U2", display_name="Ben", tz="Europe/Berlin")
        yield server


@pytest.fixture
def clock() -> FakeClock:
    """A frozen clock: Friday 27 November 2026, 15:00 UTC (10:00 in New York)."""
    return FakeClock(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))


@pytest.fixture
def slack(standin: SlackEmulator, db: Database, clock: FakeClock) -> Iterator[SlackDriver]:
    """The app served on loopback against the stand-in; send it Slack's requests."""
    served = serve_app(standin=standin, db=db, clock=clock)
    try:
        yield served.driver
    finally:
        served.close()
