"""The users.info profile cache: each member's name, time zone and admin flag.

A profile is read from our own `members` row (never from Slack) on the request path; Slack's
`users.info` refreshes it after the ack, at most once a day per member.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session

from slackapp.domain.calendar import zone
from slackapp.store.connections import ensure_member
from slackapp.store.models import Member, Team

log = logging.getLogger(__name__)

#: How long a cached users.info answer is trusted.
PROFILE_TTL = timedelta(days=1)
#: Slack allows longer display names than we keep.
NAME_MAX = 200


@dataclass(frozen=True, slots=True)
class Profile:
    """What we know of a member: their name, their zone, whether they administer the workspace."""

    user_id: str
    display_name: str | None
    timezone: str
    is_admin: bool
    #: Whether the time zone came from Slack (False: the team's zone stands in for it).
    zone_known: bool = True

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.timezone)


@dataclass(frozen=True, slots=True)
class SlackUser:
    """The parts of a users.info answer we keep."""

    display_name: str | None
    timezone: str | None
    is_admin: bool
    is_bot: bool
    deleted: bool


def profile_of(user_id: str, member: Member | None, team: Team) -> Profile:
    """The member's profile from their cached row; the team's zone while theirs is unknown."""
    known = member is not None and bool(member.timezone)
    return Profile(
        user_id=user_id,
        display_name=member.display_name if member else None,
        timezone=member.timezone if member is not None and member.timezone else team.timezone,
        is_admin=bool(member and member.is_admin),
        zone_known=known,
    )


def is_fresh(member: Member | None, *, now: datetime) -> bool:
    """Whether the cached row was checked against users.info within the last day."""
    return (
        member is not None
        and member.profile_checked_at is not None
        and now - member.profile_checked_at < PROFILE_TTL
    )


def fetch_user(client: WebClient, *, user_id: str, timeout: int | None = None) -> SlackUser | None:
    """users.info for one member; None (logged) when Slack will not say."""
    previous = client.timeout
    try:
        if timeout is not None:
            client.timeout = min(int(previous), timeout)
        user: dict[str, Any] = client.users_info(user=user_id)["user"]
    except SlackApiError as error:
        log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
        return None
    except (SlackClientError, OSError) as error:
        log.warning("users.info failed for %s: %s", user_id, error)
        return None
    finally:
        client.timeout = previous
    profile = user.get("profile") or {}
    name = (
        profile.get("display_name")
        or profile.get("real_name")
        or user.get("real_name")
        or user.get("name")
    )
    tz_name = user.get("tz")
    return SlackUser(
        display_name=_clean(name)[:NAME_MAX] if isinstance(name, str) and name else None,
        timezone=tz_name if isinstance(tz_name, str) and tz_name else None,
        is_admin=bool(user.get("is_admin") or user.get("is_owner")),
        is_bot=bool(user.get("is_bot")),
        deleted=bool(user.get("deleted")),
    )


def remember(
    session: Session, *, team_id: str, user_id: str, user: SlackUser, now: datetime
) -> Member:
    """Store a users.info answer in the member's row."""
    member = ensure_member(session, team_id=team_id, user_id=user_id, now=now)
    member.display_name = user.display_name or member.display_name
    member.timezone = user.timezone
    member.is_admin = user.is_admin
    member.is_bot = user.is_bot
    member.deleted = user.deleted
    member.profile_checked_at = now
    return member


def _clean(text: str) -> str:
    # PostgreSQL refuses NUL in text columns; nothing a person reads needs it.
    return text.replace("\x00", "").strip()
