"""Maintained per member and day counts (every principle together), for goal streaks.

Goal streaks and a member's days read one row per member and day instead of summing a row per
principle. Existing entries are counted in.

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_days",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", "local_date", name="pk_member_days"),
    )
    op.create_index(
        "ix_member_days_team_day", "member_days", ["team_id", "local_date", "count", "user_id"]
    )
    op.create_index(
        "ix_member_days_member", "member_days", ["team_id", "user_id", "local_date", "count"]
    )
    op.execute(
        "INSERT INTO member_days (team_id, user_id, local_date, count) "
        "SELECT team_id, user_id, local_date, count(*) FROM connections "
        "GROUP BY team_id, user_id, local_date"
    )


def downgrade() -> None:
    op.drop_index("ix_member_days_member", table_name="member_days")
    op.drop_index("ix_member_days_team_day", table_name="member_days")
    op.drop_table("member_days")
