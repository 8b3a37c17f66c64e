"""An operator's purge of one workspace (`slackapp purge --team T`): what it holds, then delete."""

from __future__ import annotations

import logging

from slackapp.store.purge import PurgeResult, count_team_rows, purge_team
from slackapp.usecases.deps import Deps

log = logging.getLogger(__name__)


def team_rows(deps: Deps, *, team_id: str) -> dict[str, int]:
    """How many rows each team-scoped table holds for the team; empty for an unknown team."""
    with deps.db.read_scope() as session:
        return count_team_rows(session, team_id=team_id)


def purge_now(deps: Deps, *, team_id: str) -> PurgeResult:
    """Delete every row the workspace has, now, whether or not it is still installed."""
    result = purge_team(deps.db, team_id=team_id)
    log.warning("team %s purged on request: %d rows deleted", team_id, result.total)
    return result
