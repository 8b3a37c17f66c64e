"""Teams, members, logged connections and processed events.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from slackapp.store.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("work_days_mask", sa.Integer(), nullable=False),
        sa.Column("daily_goal", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("daily_goal BETWEEN 1 AND 100", name="ck_teams_daily_goal_range"),
        sa.CheckConstraint("work_days_mask BETWEEN 1 AND 127", name="ck_teams_work_days_range"),
        sa.PrimaryKeyConstraint("team_id", name="pk_teams"),
    )
    op.create_table(
        "members",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("profile_checked_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name="pk_members"),
    )
    op.create_table(
        "connections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("principle", sa.String(16), nullable=False),
        sa.Column("platform", sa.String(16), nullable=True),
        sa.Column("who", sa.String(200), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("link", sa.String(2000), nullable=True),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("client_token", sa.String(64), nullable=True),
        sa.CheckConstraint(
            "principle IN ('solve', 'care', 'laugh', 'opportunity')",
            name="ck_connections_principle_known",
        ),
        sa.CheckConstraint("length(note) <= 1000", name="ck_connections_note_length"),
        sa.PrimaryKeyConstraint("id", name="pk_connections"),
        sa.UniqueConstraint("team_id", "client_token", name="uq_connections_team_id_client_token"),
        sa.UniqueConstraint(
            "team_id",
            "user_id",
            "local_date",
            "link",
            name="uq_connections_team_id_user_id_local_date_link",
        ),
    )
    op.create_index(
        "ix_connections_team_day",
        "connections",
        ["team_id", "local_date", "user_id", "principle"],
    )
    op.create_index(
        "ix_connections_member_day",
        "connections",
        ["team_id", "user_id", "local_date", "principle"],
    )
    op.create_index(
        "ix_connections_member_recent", "connections", ["team_id", "user_id", "created_at"]
    )
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_processed_events"),
    )
    op.create_index("ix_processed_events_received_at", "processed_events", ["received_at"])


def downgrade() -> None:
    op.drop_table("processed_events")
    op.drop_index("ix_connections_member_recent", table_name="connections")
    op.drop_index("ix_connections_member_day", table_name="connections")
    op.drop_index("ix_connections_team_day", table_name="connections")
    op.drop_table("connections")
    op.drop_table("members")
    op.drop_table("teams")
