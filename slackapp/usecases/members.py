"""A member's cached profile, refreshed from users.info when it is more than a day old."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from slackapp.slack.profiles import fetch_user, is_fresh, remember
from slackapp.store.models import Member, Team
from slackapp.usecases.deps import Deps


@contextmanager
def member_session(
    deps: Deps, client: WebClient, *, team_id: str, user_id: str, timeout: int | None = None
) -> Iterator[tuple[Session, Team, Member | None]]:
    """A session with the member's profile refreshed first if it is more than a day old."""
    with deps.db.read_scope() as session:
        member = session.get(Member, (team_id, user_id))
        if is_fresh(member, now=deps.now()):
            yield session, deps.team_to_read(session, team_id), member
            return
    user = fetch_user(client, user_id=user_id, timeout=timeout)
    with deps.db.session_scope() as session:
        team = deps.team(session, team_id)
        if user is not None:
            member = remember(session, team_id=team_id, user_id=user_id, user=user, now=deps.now())
        else:
            member = session.get(Member, (team_id, user_id))
        yield session, team, member
