"""Goal streaks kept as the entries change: each member day's place in its run of goal days.

`member_days.goal_run` holds, for a day that met the team's goal, how many goal days its run
has reached by then; `teams.streak_goal` and `teams.streak_days_mask` say which goal and work
days those runs follow. Both start empty: until a team's runs are worked out, the streak boards
read its days as before, and the team's next entry works them out (store.tallies).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member_days") as batch:
        batch.add_column(sa.Column("goal_run", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("streak_goal", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("streak_days_mask", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("streak_days_mask")
        batch.drop_column("streak_goal")
    with op.batch_alter_table("member_days") as batch:
        batch.drop_column("goal_run")
