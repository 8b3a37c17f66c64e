"""Team settings (/connect settings and the Home button) and a member's nudge opt-out.

Who may change settings is checked against Slack each time the form opens and each time it is
saved (an admin demoted in Slack loses the right at once), with the cached flag as a fallback
only when Slack does not answer within ADMIN_CHECK_SECONDS.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from slackapp.domain.team_settings import (
    NudgePreference,
    SettingsField,
    SettingsInput,
    TeamSettings,
    can_edit_settings,
    validate_settings,
)
from slackapp.slack.profiles import fetch_user, remember
from slackapp.store.models import Member
from slackapp.store.team_settings import get_settings, save_settings, set_member_nudges
from slackapp.usecases.deps import Deps

#: How long the admin check waits for users.info (it may run before an ack).
ADMIN_CHECK_SECONDS = 1


@dataclass(frozen=True, slots=True)
class NotAllowed:
    """The member may not change team settings."""


def may_edit_settings(deps: Deps, client: WebClient, *, team_id: str, user_id: str) -> bool:
    """Whether the member may change team settings: admin/owner per users.info, or listed."""
    if user_id in deps.settings.admin_user_ids:
        return True
    user = fetch_user(client, user_id=user_id, timeout=ADMIN_CHECK_SECONDS)
    if user is not None:
        with deps.db.session_scope() as session:
            deps.team(session, team_id)
            remember(session, team_id=team_id, user_id=user_id, user=user, now=deps.now())
        is_admin = user.is_admin and not user.deleted
    else:
        with deps.db.read_scope() as session:
            member = session.get(Member, (team_id, user_id))
            is_admin = bool(member and member.is_admin)
    return can_edit_settings(
        user_id=user_id, is_admin=is_admin, admin_user_ids=deps.settings.admin_user_ids
    )


def team_settings(deps: Deps, *, team_id: str) -> TeamSettings:
    """The team's current settings (defaults for a team we have not stored yet)."""
    with deps.db.read_scope() as session:
        return get_settings(
            session,
            team_id=team_id,
            default_timezone=deps.settings.default_timezone,
            default_goal=deps.settings.daily_goal,
        )


def submit_settings(
    deps: Deps, client: WebClient, *, team_id: str, user_id: str, form: SettingsInput
) -> TeamSettings | NotAllowed | dict[SettingsField, str]:
    """Check who is saving and what they typed, then store it (before the ack)."""
    if not may_edit_settings(deps, client, team_id=team_id, user_id=user_id):
        return NotAllowed()
    update = validate_settings(form)
    if isinstance(update, dict):
        return update
    with deps.db.session_scope() as session:
        return save_settings(
            session, team_id=team_id, update=update, user_id=user_id, now=deps.now()
        )


def set_nudges(deps: Deps, *, team_id: str, user_id: str, enabled: bool) -> NudgePreference:
    """Opt the member out of (or back into) the daily DM nudge."""
    with deps.db.session_scope() as session:
        return set_member_nudges(
            session,
            team_id=team_id,
            user_id=user_id,
            enabled=enabled,
            now=deps.now(),
            default_timezone=deps.settings.default_timezone,
            default_goal=deps.settings.daily_goal,
        )
