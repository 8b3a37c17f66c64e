"""Team schedules (nudge, digest), member opt-out, and the deliveries ledger.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from slackapp.store.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.add_column(
            sa.Column("nudge_mode", sa.String(16), nullable=False, server_default="off")
        )
        batch.add_column(sa.Column("nudge_channel", sa.String(32), nullable=True))
        batch.add_column(
            sa.Column("nudge_time", sa.String(5), nullable=False, server_default="09:00")
        )
        batch.add_column(sa.Column("nudge_paused_reason", sa.String(200), nullable=True))
        batch.add_column(
            sa.Column("digest_mode", sa.String(16), nullable=False, server_default="off")
        )
        batch.add_column(sa.Column("digest_channel", sa.String(32), nullable=True))
        batch.add_column(
            sa.Column("digest_time", sa.String(5), nullable=False, server_default="16:00")
        )
        batch.add_column(
            sa.Column("digest_weekday", sa.Integer(), nullable=False, server_default="4")
        )
        batch.add_column(sa.Column("digest_paused_reason", sa.String(200), nullable=True))
        batch.add_column(sa.Column("settings_updated_by", sa.String(32), nullable=True))
        batch.add_column(sa.Column("settings_updated_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("inactive_reason", sa.String(64), nullable=True))
        batch.create_check_constraint("nudge_mode_known", "nudge_mode IN ('off', 'channel', 'dm')")
        batch.create_check_constraint(
            "digest_mode_known", "digest_mode IN ('off', 'daily', 'weekly')"
        )
        batch.create_check_constraint("digest_weekday_range", "digest_weekday BETWEEN 0 AND 6")
    with op.batch_alter_table("members") as batch:
        batch.add_column(
            sa.Column("nudges_enabled", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(32), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.CheckConstraint(
            "status IN ('claimed', 'sent', 'retry', 'failed', 'skipped')",
            name="ck_deliveries_status_known",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint(
            "team_id",
            "kind",
            "target",
            "local_date",
            name="uq_deliveries_team_id_kind_target_local_date",
        ),
    )
    op.create_index("ix_deliveries_retry", "deliveries", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_retry", table_name="deliveries")
    op.drop_table("deliveries")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("nudges_enabled")
    with op.batch_alter_table("teams") as batch:
        batch.drop_constraint(op.f("ck_teams_digest_weekday_range"), type_="check")
        batch.drop_constraint(op.f("ck_teams_digest_mode_known"), type_="check")
        batch.drop_constraint(op.f("ck_teams_nudge_mode_known"), type_="check")
        for column in (
            "inactive_reason",
            "settings_updated_at",
            "settings_updated_by",
            "digest_paused_reason",
            "digest_weekday",
            "digest_time",
            "digest_channel",
            "digest_mode",
            "nudge_paused_reason",
            "nudge_time",
            "nudge_channel",
            "nudge_mode",
        ):
            batch.drop_column(column)
