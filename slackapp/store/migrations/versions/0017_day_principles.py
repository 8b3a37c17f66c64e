"""Each principle's count on the member's day, in `member_days`; `daily_tallies` goes.

A week's board summed a row per member, day and principle (1,400 rows for a team of 50) with a
CASE per principle; the digest's days, and a member's week, the same rows again. `member_days`
now carries each principle's count beside the day's total (`solve`, `care`, `laugh`,
`opportunity`), kept by store.tallies in the same transaction as every entry, so those reads
sum a row per member and day from an index, and `daily_tallies`, which held nothing else, is
dropped. The upgrade copies the counts across before dropping it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# Written out here rather than taken from the app, so that this migration stays as it is.
_PRINCIPLES = ("solve", "care", "laugh", "opportunity")
_TEAM_DAY = ("team_id", "local_date", "count", "user_id")


def _days() -> sa.TableClause:
    return sa.table(
        "member_days",
        *(sa.column(name) for name in ("team_id", "user_id", "local_date", "count")),
        *(sa.column(name, sa.Integer) for name in _PRINCIPLES),
    )


def _tallies() -> sa.TableClause:
    return sa.table(
        "daily_tallies",
        *(sa.column(name) for name in ("team_id", "user_id", "local_date", "principle")),
        sa.column("count", sa.Integer),
    )


def upgrade() -> None:
    with op.batch_alter_table("member_days") as batch:
        for name in _PRINCIPLES:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    days, tallies = _days(), _tallies()

    def tallied(principle: str) -> sa.ScalarSelect[int]:
        return (
            sa.select(tallies.c.count)
            .where(
                tallies.c.team_id == days.c.team_id,
                tallies.c.user_id == days.c.user_id,
                tallies.c.local_date == days.c.local_date,
                tallies.c.principle == principle,
            )
            .scalar_subquery()
        )

    # The team-day index is rebuilt anyway: dropped first, the copy does not update it row by row.
    op.drop_index("ix_member_days_team_day", table_name="member_days")
    op.execute(
        sa.update(days).values({name: sa.func.coalesce(tallied(name), 0) for name in _PRINCIPLES})
    )
    op.create_index(
        "ix_member_days_team_day", "member_days", [*_TEAM_DAY, "goal_run", *_PRINCIPLES]
    )
    op.drop_index("ix_daily_tallies_team_day", table_name="daily_tallies")
    op.drop_table("daily_tallies")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE member_days")


def downgrade() -> None:
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
    days, tallies = _days(), _tallies()
    for name in _PRINCIPLES:
        op.execute(
            sa.insert(tallies).from_select(
                ["team_id", "user_id", "local_date", "principle", "count"],
                sa.select(
                    days.c.team_id,
                    days.c.user_id,
                    days.c.local_date,
                    sa.literal(name),
                    days.c[name],
                ).where(days.c[name] != 0),
            )
        )
    op.drop_index("ix_member_days_team_day", table_name="member_days")
    op.create_index("ix_member_days_team_day", "member_days", list(_TEAM_DAY))
    with op.batch_alter_table("member_days") as batch:
        for name in reversed(_PRINCIPLES):
            batch.drop_column(name)
