"""A member's cached profile, refreshed from users.info when it is more than a day old."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.slack.profiles import fetch_user, is_fresh, remember
from slackapp.store.models import Member, Team
from slackapp.usecases.deps import Deps


@contextmanager
def member_session(
    deps: Deps, client: WebClient, *, team_id: str, user_id: str, timeout: int | None = None
) -> Iterator[tuple[Session, Team, Member | None]]:
    """A read-only session, with the member's profile refreshed first if more than a day old."""
    with deps.db.read_scope() as session:
        team, member = deps.member_to_read(session, team_id, user_id)
        if is_fresh(member, now=deps.now()):
            yield session, team, member
            return
    user = fetch_user(client, user_id=user_id, timeout=timeout)
    if user is not None:
        with deps.db.session_scope() as session:
            deps.team(session, team_id)
            remember(session, team_id=team_id, user_id=user_id, user=user, now=deps.now())
    # What the caller does with the session only reads: outside the write, so that on SQLite
    # other writers go on meanwhile, and boards never hold the write lock.
    with deps.db.read_scope() as session:
        team, member = deps.member_to_read(session, team_id, user_id)
        yield session, team, member


_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^<>|]*))?>")
#: At most this many users.info look-ups for one message (a form's trigger expires in 3 s).
MENTION_LOOKUPS = 3


def mention_names(deps: Deps, client: WebClient, *, team_id: str, text: str) -> dict[str, str]:
    """Display names for the `<@U…>` mentions in `text`: from our cache, else users.info."""
    ids = list(dict.fromkeys(match.group(1) for match in _MENTION.finditer(text)))
    if not ids:
        return {}
    names: dict[str, str] = {}
    with deps.db.read_scope() as session:
        rows = session.execute(
            select(Member.user_id, Member.display_name).where(
                Member.team_id == team_id, Member.user_id.in_(ids)
            )
        )
        names.update({user_id: name for user_id, name in rows if name})
    for user_id in [i for i in ids if i not in names][:MENTION_LOOKUPS]:
        user = fetch_user(client, user_id=user_id, timeout=1)
        if user is not None and user.display_name:
            names[user_id] = user.display_name
    return names


def readable_mentions(text: str, names: dict[str, str]) -> str:
    """`text` with each `<@U…>` written as @Name (its label, or the raw id when unknown)."""

    def name(match: re.Match[str]) -> str:
        known = names.get(match.group(1)) or match.group(2)
        return f"@{known}" if known else match.group(0)

    return _MENTION.sub(name, text)
