"""Two partial indexes for the digest: the team's noted entries, and its merged people's touches.

A digest picks its highlights from the period's newest notes. The entries' day indexes give the
days in order, but every entry of the latest day was then read and sorted by time to find the
newest forty with a note (a team logging 340 a day: 0.57 ms on SQLite, 0.8 ms on PostgreSQL).
`ix_connections_team_notes` holds only entries with a note, in the order the digest wants them,
so it reads forty index entries and sorts nothing.

Its "relationships deepened" line adds up the touches of merged people touched in the last 30
days: found on ix_people_team_merged, each of the team's merged people was read from the table
to see when they were last touched (784 for 193 at a million rows). `ix_people_team_merged_touches`
holds only merged people, by latest touch, with their other kept touches: one range, no table.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# Written out here rather than taken from the app, so that this migration stays as it is.
_NOTED = "note != ''"
_MERGED = "merged_into IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_connections_team_notes",
        "connections",
        ["team_id", "local_date", "created_at", "id"],
        sqlite_where=sa.text(_NOTED),
        postgresql_where=sa.text(_NOTED),
    )
    op.create_index(
        "ix_people_team_merged_touches",
        "people",
        ["team_id", "touch_1", "merged_into", "touch_2", "touch_3"],
        sqlite_where=sa.text(_MERGED),
        postgresql_where=sa.text(_MERGED),
    )


def downgrade() -> None:
    op.drop_index("ix_people_team_merged_touches", table_name="people")
    op.drop_index("ix_connections_team_notes", table_name="connections")
