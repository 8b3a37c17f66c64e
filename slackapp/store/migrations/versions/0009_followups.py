"""Follow-ups: "did they reply?" asked on the member's chosen day; members choose whether they
are asked (`members.followups_enabled`, on for everyone already here); an index for the people
board (distinct people per member and day).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("ask_on", sa.Date(), nullable=True),
        sa.Column("asked_for", sa.Date(), nullable=True),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("asks", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_followups"),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"], name="fk_followups_connection_id_connections"
        ),
        sa.UniqueConstraint("connection_id", name="uq_followups_connection_id"),
        sa.CheckConstraint(
            "state IN ('open', 'replied', 'no_reply')", name="ck_followups_state_known"
        ),
    )
    op.create_index("ix_followups_ask_on", "followups", ["ask_on"])
    op.create_index("ix_followups_member", "followups", ["team_id", "user_id", "state", "due_date"])
    op.create_index("ix_followups_delivery", "followups", ["delivery_id"])
    op.create_index(
        "ix_followups_answered", "followups", ["team_id", "answered_on", "user_id", "state"]
    )
    # Everyone already here is asked, as a new member would be, until they say otherwise.
    with op.batch_alter_table("members") as batch:
        batch.add_column(
            sa.Column("followups_enabled", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.create_index(
        "ix_connections_team_day_person",
        "connections",
        ["team_id", "local_date", "user_id", "person_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_connections_team_day_person", table_name="connections")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("followups_enabled")
    op.drop_index("ix_followups_answered", table_name="followups")
    op.drop_index("ix_followups_delivery", table_name="followups")
    op.drop_index("ix_followups_member", table_name="followups")
    op.drop_index("ix_followups_ask_on", table_name="followups")
    op.drop_table("followups")
