"""The people a member reached most recently, from an index of the entries that name someone.

The App Home lists a member's recent people from their last entries that name a person. Without
this index a member who seldom names anyone made that query walk their whole history.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_NAMES_SOMEONE = sa.text("person_id IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_connections_member_people",
        "connections",
        ["team_id", "user_id", "created_at", "id", "person_id", "local_date"],
        sqlite_where=_NAMES_SOMEONE,
        postgresql_where=_NAMES_SOMEONE,
    )


def downgrade() -> None:
    op.drop_index("ix_connections_member_people", table_name="connections")
