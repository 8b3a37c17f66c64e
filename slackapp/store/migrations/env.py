"""Alembic environment: runs on the connection that slackapp.store.migrate hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from slackapp.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # Several servers may start at once: one migrates, the others wait here.
        connection.execute(text("SELECT pg_advisory_xact_lock(7406147)"))
    context.run_migrations()
