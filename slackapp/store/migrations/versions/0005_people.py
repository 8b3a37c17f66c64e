"""People: one row per person a team touched (a handle on a platform, or a Slack user), and
`connections.person_id`. Existing entries are read in batches and brought in.

The back-fill reads handles with `slackapp.domain.people.person_key`, the same rule the app
applies to every new entry, so old and new entries meet on the same people.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from slackapp.domain.people import person_key
from slackapp.domain.vocabulary import Platform

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 5000
_PLATFORMS = {p.value: p for p in Platform}


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("handle_key", sa.String(200), nullable=False),
        sa.Column("display", sa.String(200), nullable=False),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        sa.ForeignKeyConstraint(
            ["merged_into"], ["people.id"], name="fk_people_merged_into_people"
        ),
        sa.UniqueConstraint(
            "team_id", "platform", "handle_key", name="uq_people_team_id_platform_handle_key"
        ),
    )
    op.create_index("ix_people_team_handle", "people", ["team_id", "handle_key"])
    op.create_index("ix_people_team_merged", "people", ["team_id", "merged_into", "id"])
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its foreign key in place, where a batch would copy the table.
        op.execute(
            "ALTER TABLE connections ADD COLUMN person_id INTEGER "
            "CONSTRAINT fk_connections_person_id_people REFERENCES people (id)"
        )
    else:
        op.add_column("connections", sa.Column("person_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_connections_person_id_people", "connections", "people", ["person_id"], ["id"]
        )
    _backfill(op.get_bind())
    op.create_index(
        "ix_connections_person_recent",
        "connections",
        ["team_id", "person_id", "created_at", "id", "user_id", "local_date", "principle"],
    )


def _entries(bind: Any) -> Iterator[list[Any]]:
    """Connections that name someone, oldest first, in batches (keyset on id)."""
    last = 0
    query = sa.text(
        "SELECT id, team_id, platform, who FROM connections "
        "WHERE id > :last AND who IS NOT NULL ORDER BY id LIMIT :batch"
    )
    while True:
        rows = list(bind.execute(query, {"last": last, "batch": BATCH}))
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _backfill(bind: Any) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    people: dict[tuple[str, str, str], int] = {}
    insert = sa.text(
        "INSERT INTO people (team_id, platform, handle_key, display, created_at) "
        "VALUES (:team_id, :platform, :handle_key, :display, :created_at)"
    )
    find = sa.text(
        "SELECT id FROM people WHERE team_id = :team_id AND platform = :platform "
        "AND handle_key = :handle_key"
    )
    link = sa.text("UPDATE connections SET person_id = :person_id WHERE id = :id")
    for rows in _entries(bind):
        updates: list[dict[str, Any]] = []
        for entry_id, team_id, platform, who in rows:
            key = person_key(who, _PLATFORMS.get(platform) if platform else None)
            if key is None:
                continue
            ident = (team_id, key.platform, key.handle)
            if ident not in people:
                values = {"team_id": team_id, "platform": key.platform, "handle_key": key.handle}
                bind.execute(insert, {**values, "display": key.display, "created_at": now})
                people[ident] = bind.execute(find, values).scalar_one()
            updates.append({"person_id": people[ident], "id": entry_id})
        if updates:
            bind.execute(link, updates)


def downgrade() -> None:
    op.drop_index("ix_connections_person_recent", table_name="connections")
    with op.batch_alter_table("connections") as batch:
        if op.get_bind().dialect.name != "sqlite":
            # SQLite reflects the in-place column's key without its name; the copy drops it.
            batch.drop_constraint("fk_connections_person_id_people", type_="foreignkey")
        batch.drop_column("person_id")
    op.drop_index("ix_people_team_merged", table_name="people")
    op.drop_index("ix_people_team_handle", table_name="people")
    op.drop_table("people")
