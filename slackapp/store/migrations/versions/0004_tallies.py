"""Maintained tallies: per member, day and principle, and all-time per member and principle.

Boards, stats and digests read these instead of counting every connection. Existing entries
are counted in.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "daily_tallies",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("principle", sa.String(16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "team_id", "user_id", "local_date", "principle", name="pk_daily_tallies"
        ),
    )
    op.create_index(
        "ix_daily_tallies_team_day",
        "daily_tallies",
        ["team_id", "local_date", "user_id", "principle", "count"],
    )
    op.create_table(
        "member_totals",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("principle", sa.String(16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", "principle", name="pk_member_totals"),
    )
    op.execute(
        "INSERT INTO daily_tallies (team_id, user_id, local_date, principle, count) "
        "SELECT team_id, user_id, local_date, principle, count(*) FROM connections "
        "GROUP BY team_id, user_id, local_date, principle"
    )
    op.execute(
        "INSERT INTO member_totals (team_id, user_id, principle, count) "
        "SELECT team_id, user_id, principle, count(*) FROM connections "
        "GROUP BY team_id, user_id, principle"
    )


def downgrade() -> None:
    op.drop_table("member_totals")
    op.drop_index("ix_daily_tallies_team_day", table_name="daily_tallies")
    op.drop_table("daily_tallies")
