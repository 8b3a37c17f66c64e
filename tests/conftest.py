"""Shared fixtures: a migrated database per test, on SQLite or on TEST_DATABASE_URL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from slackapp.sandbox.emulator import SlackEmulator
from slackapp.store.db import Database, normalize_url
from slackapp.store.migrate import upgrade
from tests.support.driver import FakeClock, SlackDriver, serve_app


def _postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a file under tmp_path, or a new schema on PostgreSQL."""
    base = _postgres_url()
    if base is None:
        yield f"sqlite:///{tmp_path / 'valueboard.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = Database(base)
    with admin.engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = normalize_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated database."""
    database = Database(database_url)
    upgrade(database)
    yield database
    database.dispose()


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
        served.server.shutdown()
        served.server.server_close()
