"""The migrations build exactly the schema the models describe, and run down and up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from slackapp.store.db import Database
from slackapp.store.installations import INSTALLATION_METADATA
from slackapp.store.migrate import current_revision, head_revision, upgrade
from slackapp.store.models import Base


def test_upgrade_reaches_head_and_matches_models(db: Database) -> None:
    # slack_sdk's OAuth tables are compared with slack_sdk's own definitions of them.
    assert current_revision(db) == head_revision()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, [Base.metadata, INSTALLATION_METADATA])  # type: ignore[arg-type]
    assert diff == []


def test_upgrade_is_idempotent_and_downgrade_round_trips(db: Database) -> None:
    from alembic import command

    from slackapp.store.migrate import alembic_config

    upgrade(db)
    config = alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert current_revision(db) is None
    upgrade(db)
    assert current_revision(db) == head_revision()
