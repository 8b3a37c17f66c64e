"""Deleting the data of workspaces that uninstalled Valueboard, once the retention period ends.

Every process may run it (an hourly job beside the tick, and `slackapp deliver`): the purge
deletes whatever rows are still there in small batches, so two processes purging the same team
only share the work. A reinstall clears the team's uninstall time, and a purge under way
stops at its next batch.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slackapp.store.db import Database
from slackapp.store.purge import PURGE_BATCH, PurgeResult, purge_team, teams_due_for_purge

__all__ = ["RETENTION_CHECK_SECONDS", "purge_expired_teams"]

log = logging.getLogger(__name__)

#: How often each process looks for workspaces whose retention period is over.
RETENTION_CHECK_SECONDS = 3600.0


def purge_expired_teams(
    *, db: Database, at: datetime, retention_days: int, batch: int = PURGE_BATCH
) -> list[PurgeResult]:
    """Purge every team uninstalled more than `retention_days` before `at`; what each lost."""
    if at.utcoffset() is None:
        raise ValueError("purge_expired_teams needs an aware datetime")
    cutoff = at - timedelta(days=retention_days)
    with db.read_scope() as session:
        due = teams_due_for_purge(session, uninstalled_before=cutoff)
    results: list[PurgeResult] = []
    for team_id in due:
        try:
            result = purge_team(db, team_id=team_id, uninstalled_before=cutoff, batch=batch)
        except Exception:
            # One team's failure must not keep the others' data past their time; next run retries.
            log.exception("could not finish purging team %s; the next run carries on", team_id)
            continue
        if result.stopped:
            log.info("team %s reinstalled during its purge: the rest of its data stays", team_id)
        elif result.total:
            log.info(
                "team %s: retention period over, deleted %d rows (%s)",
                team_id,
                result.total,
                ", ".join(f"{table} {count}" for table, count in sorted(result.deleted.items())),
            )
        results.append(result)
    return results
