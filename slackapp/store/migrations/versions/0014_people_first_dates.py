"""Each person's first day: the earliest local date of the entries naming them.

The digest counts the people the team reached for the first time in its week. Reading that
from the entries meant one look per person touched that week; with `people.first_date` (kept by
store.tallies as entries are saved, edited and deleted) it is one range on an index.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from slackapp.store.db import unindexed

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("first_date", sa.Date(), nullable=True))
    people = sa.table(
        "people", sa.column("id"), sa.column("team_id"), sa.column("first_date", sa.Date)
    )
    entries = sa.table(
        "connections",
        sa.column("team_id"),
        sa.column("person_id"),
        sa.column("local_date", sa.Date),
    ).alias("c")
    # `unindexed`: SQLite would otherwise answer each min() by walking the team's days in date
    # order until one names the person, instead of reading that person's few entries.
    earliest = (
        sa.select(sa.func.min(unindexed(entries.c.local_date)))
        .where(entries.c.team_id == people.c.team_id, entries.c.person_id == people.c.id)
        .scalar_subquery()
    )
    op.execute(sa.update(people).values(first_date=earliest))
    op.create_index("ix_people_team_first", "people", ["team_id", "first_date"])


def downgrade() -> None:
    op.drop_index("ix_people_team_first", table_name="people")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("first_date")
