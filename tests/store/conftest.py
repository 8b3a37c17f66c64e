"""Fixtures shared by the store's tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from slackapp.store.db import Database


@pytest.fixture
def captured_sql(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """Every statement the engine sends, with its parameters."""
    statements: list[tuple[str, Any]] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    yield statements
    event.remove(db.engine, "before_cursor_execute", record)
