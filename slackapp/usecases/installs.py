"""Installing and removing Valueboard, workspace by workspace (with "Add to Slack")."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_sdk.oauth.installation_store import Installation

from slackapp.slack.clients import find_team_installation
from slackapp.store import teams
from slackapp.usecases import lifecycle
from slackapp.usecases.deps import Deps

__all__ = ["installed", "note_enterprise", "tokens_gone"]

log = logging.getLogger(__name__)


def installed(deps: Deps, installation: Installation) -> list[str]:
    """A workspace or organisation (re)installed: switch its teams back on; their ids.

    A reinstall within the retention period finds everything as it was: the team's
    `uninstalled_at` is cleared, so nothing is deleted.
    """
    with deps.db.session_scope() as session:
        if installation.is_enterprise_install and installation.enterprise_id:
            ids = teams.teams_of_enterprise(session, enterprise_id=installation.enterprise_id)
        elif installation.team_id:
            team = deps.team(session, installation.team_id)
            if installation.team_name and not team.name:
                team.name = installation.team_name[:200]
            if installation.enterprise_id:
                teams.note_enterprise(
                    session, team_id=installation.team_id, enterprise_id=installation.enterprise_id
                )
            ids = [installation.team_id]
        else:
            ids = []
        resumed = [team_id for team_id in ids if teams.reactivate_team(session, team_id=team_id)]
    for team_id in resumed:
        log.info("team %s reinstalled Valueboard: it is active again", team_id)
    return ids


def note_enterprise(deps: Deps, *, team_id: str, enterprise_id: str) -> None:
    """Remember which organisation a workspace belongs to (an org-wide install's token is there)."""
    with deps.db.session_scope() as session:
        deps.team(session, team_id)
        teams.note_enterprise(session, team_id=team_id, enterprise_id=enterprise_id)


def tokens_gone(
    deps: Deps,
    *,
    reason: str,
    workspace_id: str,
    enterprise_id: str | None,
    installation_team_id: str | None,
    is_enterprise_install: bool,
    revoked_bot: bool = True,
    revoked_users: Iterable[str] = (),
) -> list[str]:
    """The app was uninstalled or its tokens revoked: forget the tokens at once, stop schedules.

    Returns the teams whose schedules stopped. `installation_team_id` is the installation's
    own team (None for an org-wide install); `workspace_id` the workspace the event names.
    With one bot token (no installations) only that workspace is stopped.
    """
    store = deps.installations
    if store is not None:
        for user_id in revoked_users:
            store.delete_installation(
                enterprise_id=enterprise_id, team_id=installation_team_id, user_id=user_id
            )
        if revoked_bot:
            # We ask for no user scopes: without its bot token an installation is of no use.
            store.delete_bot(enterprise_id=enterprise_id, team_id=installation_team_id)
            store.delete_installation(enterprise_id=enterprise_id, team_id=installation_team_id)
    if not revoked_bot:
        return []
    # An org-wide uninstall may name the organisation itself where a workspace would be.
    affected = [] if workspace_id == enterprise_id else [workspace_id]
    if is_enterprise_install and enterprise_id:
        with deps.db.read_scope() as session:
            affected += teams.teams_of_enterprise(session, enterprise_id=enterprise_id)
    stopped: list[str] = []
    for team_id in dict.fromkeys(affected):
        if store is not None and (
            find_team_installation(store, team_id=team_id, enterprise_id=enterprise_id) is not None
        ):
            continue  # the workspace still has an installation of its own
        lifecycle.deactivate_team(deps, team_id=team_id, reason=reason)
        stopped.append(team_id)
    return stopped
