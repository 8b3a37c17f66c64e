"""Alembic environment: runs on the connection that slackapp.store.migrate hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from slackapp.store.migrate import MIGRATION_LOCK_KEY
from slackapp.store.models import Base

connection = context.config.attributes["connection"]
lock_timeout = float(context.config.attributes.get("lock_timeout", 0))
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # Several servers may start at once: one migrates, the others wait here (up to
        # lock_timeout; 0 waits for ever), then find the schema at head. The lock ends with the
        # transaction; the wait limit must not outlive the lock, so DDL below waits as usual.
        connection.execute(text(f"SET LOCAL lock_timeout = {round(lock_timeout * 1000)}"))
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        connection.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
    context.run_migrations()
