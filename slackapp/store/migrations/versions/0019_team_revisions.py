"""A revision number per team, raised by every write that may change what its members' Homes show.

The App Home is read far more often than a team writes. A process keeps each member's Home
figures with the team's revision they were read at, and serves them again while the revision
and the quarter-hour stay the same (store.revisions, usecases.progress). Every team starts at 1;
a team created later gets its row with its first write.

The number lives apart from `teams`: every entry holds its team's row shared while it is saved,
so raising a number there would make two entries of one team wait for each other. It is kept in
parts (`shard`), the revision being their sum: each unit of work raises one part, which stays
locked until it commits, so that entries of one team seldom wait for each other's.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_revisions",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("shard", sa.Integer(), primary_key=True),
        sa.Column("revision", sa.BigInteger(), nullable=False),
    )
    op.execute(
        "INSERT INTO team_revisions (team_id, shard, revision) SELECT team_id, 0, 1 FROM teams"
    )


def downgrade() -> None:
    op.drop_table("team_revisions")
