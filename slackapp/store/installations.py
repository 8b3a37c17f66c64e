"""slack_sdk's OAuth tables (installations, bots, OAuth states), as slack_sdk defines them.

They are created by our migration 0010, never by slack_sdk's `create_tables()` at run time;
this metadata exists so that tests can hold the migration to slack_sdk's own definitions, and
so that the doctor can list installations. They are kept apart from our models' metadata on
purpose: a member's `forget-me` deletes rows by (team_id, user_id) across our models, and the
installer's row here is the workspace's token, not that member's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Connection, MetaData, and_, delete, desc, select
from sqlalchemy.orm import Session

__all__ = [
    "BOTS_TABLE",
    "INSTALLATIONS_TABLE",
    "INSTALLATION_METADATA",
    "STATES_TABLE",
    "InstalledBot",
    "forget_expired_states",
    "installed_bots",
]

INSTALLATION_METADATA = MetaData()
BOTS_TABLE = SQLAlchemyInstallationStore.build_bots_table(
    INSTALLATION_METADATA, SQLAlchemyInstallationStore.default_bots_table_name
)
INSTALLATIONS_TABLE = SQLAlchemyInstallationStore.build_installations_table(
    INSTALLATION_METADATA, SQLAlchemyInstallationStore.default_installations_table_name
)
STATES_TABLE = SQLAlchemyOAuthStateStore.build_oauth_states_table(
    INSTALLATION_METADATA, SQLAlchemyOAuthStateStore.default_table_name
)


@dataclass(frozen=True, slots=True)
class InstalledBot:
    """One installation's newest bot token: which org or workspace, and the token itself."""

    enterprise_id: str | None
    team_id: str | None
    team_name: str | None
    enterprise_name: str | None
    is_enterprise_install: bool
    bot_token: str

    @property
    def label(self) -> str:
        """How a person recognises it: "installation T0123 (Acme)" or "org E0123 (Acme Org)"."""
        if self.is_enterprise_install:
            return f"org {self.enterprise_id} ({self.enterprise_name or '?'})"
        return f"installation {self.team_id} ({self.team_name or '?'})"


def installed_bots(connection: Connection, *, client_id: str) -> list[InstalledBot]:
    """The newest bot token of every org and workspace installed with `client_id`."""
    c = BOTS_TABLE.c
    rows = connection.execute(
        select(BOTS_TABLE)
        .where(and_(c.client_id == client_id, c.bot_token.is_not(None)))
        .order_by(c.enterprise_id, c.team_id, desc(c.installed_at))
    ).mappings()
    newest: dict[tuple[str | None, str | None], InstalledBot] = {}
    for row in rows:
        key = (row["enterprise_id"], row["team_id"])
        if key not in newest:
            newest[key] = InstalledBot(
                enterprise_id=row["enterprise_id"],
                team_id=row["team_id"],
                team_name=row["team_name"],
                enterprise_name=row["enterprise_name"],
                is_enterprise_install=bool(row["is_enterprise_install"]),
                bot_token=row["bot_token"],
            )
    return list(newest.values())


def forget_expired_states(session: Session, *, before: datetime) -> int:
    """Delete "Add to Slack" states that expired unused (slack_sdk deletes only used ones)."""
    # slack_sdk stores naive UTC times.
    naive = before.astimezone(UTC).replace(tzinfo=None)
    result = session.execute(delete(STATES_TABLE).where(STATES_TABLE.c.expire_at < naive))
    return int(getattr(result, "rowcount", 0) or 0)
