"""Each person's latest three touches: the local dates of the newest entries naming them.

The digest counts the relationships the team deepened: people touched three times in the last
30 days. Counting that from the entries grouped every entry of the window by person (several
milliseconds at a team's million rows); with `people.touch_1..touch_3` (kept by store.tallies as
entries are saved, edited and deleted) it is one range on ix_people_team_touches.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from slackapp.store.db import unindexed

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_COLUMNS = ("touch_1", "touch_2", "touch_3")


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        for column in _COLUMNS:
            batch.add_column(sa.Column(column, sa.Date(), nullable=True))
    people = sa.table(
        "people",
        sa.column("id"),
        sa.column("team_id"),
        *(sa.column(column, sa.Date) for column in _COLUMNS),
    )
    entries = sa.table(
        "connections",
        sa.column("team_id"),
        sa.column("person_id"),
        sa.column("local_date", sa.Date),
    ).alias("c")

    def latest(place: int) -> sa.ScalarSelect[object]:
        # Off the index, as in 0014: the person's few entries, not the team's days in order.
        return (
            sa.select(entries.c.local_date)
            .where(entries.c.team_id == people.c.team_id, entries.c.person_id == people.c.id)
            .order_by(unindexed(entries.c.local_date).desc())
            .limit(1)
            .offset(place)
            .scalar_subquery()
        )

    op.execute(sa.update(people).values({column: latest(n) for n, column in enumerate(_COLUMNS)}))
    op.create_index(
        "ix_people_team_touches",
        "people",
        ["team_id", "touch_3", "touch_1", "merged_into", "id"],
    )
    if op.get_bind().dialect.name == "postgresql":
        # Statistics for the new columns now, not when autovacuum next gets round to it: the
        # planner needs them to choose the index over reading every person of the table.
        op.execute("ANALYZE people")


def downgrade() -> None:
    op.drop_index("ix_people_team_touches", table_name="people")
    with op.batch_alter_table("people") as batch:
        for column in reversed(_COLUMNS):
            batch.drop_column(column)
