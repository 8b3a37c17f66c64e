"""Maintained per member, month and principle counts, for the month's board.

The month's board summed a row per member, day and principle of the month (5,400 rows for a
team of 50 by the month's end); with `member_months` (kept by store.tallies in the same
transaction as every entry) it reads one per member and principle. Existing tallies are summed
in.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_months",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("principle", sa.String(16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "team_id", "user_id", "month", "principle", name="pk_member_months"
        ),
    )
    op.create_index(
        "ix_member_months_team_month",
        "member_months",
        ["team_id", "month", "user_id", "principle", "count"],
    )
    tallies = sa.table(
        "daily_tallies",
        sa.column("team_id"),
        sa.column("user_id"),
        sa.column("local_date", sa.Date),
        sa.column("principle"),
        sa.column("count", sa.Integer),
    )
    # Written out here rather than taken from the app, so that this migration stays as it is.
    month = sa.literal_column(
        "date(local_date, 'start of month')"
        if op.get_bind().dialect.name == "sqlite"
        else "CAST(date_trunc('month', CAST(local_date AS TIMESTAMP)) AS DATE)",
        sa.Date,
    )
    summed = sa.select(
        tallies.c.team_id,
        tallies.c.user_id,
        month,
        tallies.c.principle,
        sa.func.sum(tallies.c.count),
    ).group_by(tallies.c.team_id, tallies.c.user_id, month, tallies.c.principle)
    months = sa.table(
        "member_months",
        *(sa.column(name) for name in ("team_id", "user_id", "month", "principle", "count")),
    )
    op.execute(
        sa.insert(months).from_select(["team_id", "user_id", "month", "principle", "count"], summed)
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE member_months")


def downgrade() -> None:
    op.drop_index("ix_member_months_team_month", table_name="member_months")
    op.drop_table("member_months")
