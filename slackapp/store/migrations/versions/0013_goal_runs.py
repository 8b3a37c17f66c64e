"""Streaks kept as the entries change: each member day's place in its runs.

`member_days.goal_run` holds, for a day that met the team's goal, how many goal days its run
has reached by then; `member_days.active_run` the same for days with anything logged.
`teams.streak_goal` and `teams.streak_days_mask` say which goal and work days those runs
follow. The upgrade works every team's runs out from its member days (a few seconds for a
million entries), so no member's entry pays for it later.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from datetime import date

import sqlalchemy as sa
from alembic import op

from slackapp.domain.streaks import goal_runs
from slackapp.domain.team_settings import work_days_from_mask

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member_days") as batch:
        batch.add_column(sa.Column("goal_run", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("active_run", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("streak_goal", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("streak_days_mask", sa.Integer(), nullable=True))
    _work_out_runs()
    # A member's best runs and total from the index alone (/mystats, the App Home).
    op.drop_index("ix_member_days_member", table_name="member_days")
    op.create_index(
        "ix_member_days_member",
        "member_days",
        ["team_id", "user_id", "local_date", "count", "goal_run", "active_run"],
    )


def _work_out_runs() -> None:
    bind = op.get_bind()
    teams = sa.table(
        "teams",
        sa.column("team_id", sa.String),
        sa.column("daily_goal", sa.Integer),
        sa.column("work_days_mask", sa.Integer),
        sa.column("streak_goal", sa.Integer),
        sa.column("streak_days_mask", sa.Integer),
    )
    days = sa.table(
        "member_days",
        sa.column("team_id", sa.String),
        sa.column("user_id", sa.String),
        sa.column("local_date", sa.Date),
        sa.column("count", sa.Integer),
        sa.column("goal_run", sa.Integer),
        sa.column("active_run", sa.Integer),
    )
    renumber = (
        sa.update(days)
        .where(
            days.c.team_id == sa.bindparam("b_team"),
            days.c.user_id == sa.bindparam("b_user"),
            days.c.local_date == sa.bindparam("b_day"),
        )
        .values(goal_run=sa.bindparam("b_goal"), active_run=sa.bindparam("b_active"))
    )
    for team_id, daily_goal, mask in bind.execute(
        sa.select(teams.c.team_id, teams.c.daily_goal, teams.c.work_days_mask)
    ).all():
        goal = max(daily_goal, 1)
        work_days = work_days_from_mask(mask)
        logged: dict[str, list[tuple[date, int]]] = {}
        for user_id, day, count in bind.execute(
            sa.select(days.c.user_id, days.c.local_date, days.c.count).where(
                days.c.team_id == team_id, days.c.count >= 1
            )
        ):
            logged.setdefault(user_id, []).append((day, count))
        changes = []
        for user_id, counts in logged.items():
            # Goal days and active days (anything logged), each numbered in its runs.
            on_goal = goal_runs([d for d, n in counts if n >= goal], work_days=work_days)
            active = goal_runs([d for d, _ in counts], work_days=work_days)
            changes.extend(
                {
                    "b_team": team_id,
                    "b_user": user_id,
                    "b_day": day,
                    "b_goal": on_goal.get(day, 0),
                    "b_active": run,
                }
                for day, run in active.items()
            )
        if changes:
            bind.execute(renumber, changes)
        bind.execute(
            sa.update(teams)
            .where(teams.c.team_id == team_id)
            .values(streak_goal=goal, streak_days_mask=mask)
        )


def downgrade() -> None:
    op.drop_index("ix_member_days_member", table_name="member_days")
    op.create_index(
        "ix_member_days_member", "member_days", ["team_id", "user_id", "local_date", "count"]
    )
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("streak_days_mask")
        batch.drop_column("streak_goal")
    with op.batch_alter_table("member_days") as batch:
        batch.drop_column("active_run")
        batch.drop_column("goal_run")
