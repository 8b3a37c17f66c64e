"""People: a person's page (`/connect who`), the teammate hint on logging, merging and its undo.

The page is one read transaction; a merge or its undo is one write transaction before the ack.
The hint runs inside the log's own write transaction (the form), or in the read before it
(/connect text), so a log still costs one write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from slackapp.domain.calendar import local_date
from slackapp.domain.entries import LogResult, LogStatus
from slackapp.domain.followups import FollowUpItem
from slackapp.domain.people import HINT_DAYS, Merge, PersonPage, TeammateTouch, person_key
from slackapp.domain.vocabulary import Platform
from slackapp.slack.profiles import profile_of
from slackapp.store import people as store
from slackapp.store.followups import open_follow_ups_on
from slackapp.store.models import Member
from slackapp.usecases.deps import Deps

#: How many touches a person's page lists.
PAGE_TOUCHES = 15


@dataclass(frozen=True, slots=True)
class Page:
    """A person's page, as of the viewer's today."""

    page: PersonPage
    today: date
    #: Other people the same handle names on other platforms (looked up without a platform).
    elsewhere: tuple[str, ...] = ()
    #: Follow-ups anyone on the team is waiting on with this person.
    waiting: tuple[FollowUpItem, ...] = ()


@dataclass(frozen=True, slots=True)
class Nobody:
    """Nobody on the team has logged this person yet."""

    display: str


@dataclass(frozen=True, slots=True)
class Merged:
    """A merge (or an undo) that reached the database, and the page it leaves."""

    merge: Merge | None
    page: Page | None


def teammate_hint(
    deps: Deps, session: Session, *, team_id: str, user_id: str, result: LogResult
) -> TeammateTouch | None:
    """Another member's touch of the person just logged, within the last HINT_DAYS days."""
    saved = result.connection
    if result.status is not LogStatus.SAVED or saved is None or saved.person_id is None:
        return None
    return store.teammate_touch(
        session,
        team_id=team_id,
        person_id=saved.person_id,
        user_id=user_id,
        since=deps.now() - timedelta(days=HINT_DAYS),
    )


def teammate_hint_before(
    deps: Deps,
    session: Session,
    *,
    team_id: str,
    user_id: str,
    who: str | None,
    platform: Platform | None,
) -> TeammateTouch | None:
    """The hint for an entry about to be logged: read before it is saved, outside its write.

    The member's own entries never count, so the answer is the same before the save as after;
    a person nobody logged yet has no teammate's touch.
    """
    return store.group_touch(
        session,
        team_id=team_id,
        group=store.known_group(session, team_id=team_id, who=who, platform=platform),
        user_id=user_id,
        since=deps.now() - timedelta(days=HINT_DAYS),
    )


def _today(deps: Deps, session: Session, *, team_id: str, user_id: str) -> date:
    team = deps.team_to_read(session, team_id)
    profile = profile_of(user_id, session.get(Member, (team_id, user_id)), team)
    return local_date(deps.now(), profile.zone)


def person(
    deps: Deps, *, team_id: str, user_id: str, who: str, platform: Platform | None
) -> Page | Nobody:
    """The page of the person `who` names; without a platform, the one touched last."""
    key = person_key(who, platform)
    if key is None:
        return Nobody(display=who)
    # A bare handle may be anyone's on any platform; a URL or a Slack user names its own.
    any_platform = platform is None and key.platform == ""
    with deps.db.read_scope() as session:
        found = store.find_people(session, team_id=team_id, key=key, any_platform=any_platform)
        if len(found) > 1:
            found.sort(
                key=lambda known: (
                    store.last_touched(session, team_id=team_id, person_id=known.id)
                    or deps.now() - timedelta(days=365 * 100)
                ),
                reverse=True,
            )
        page = (
            store.person_page(session, team_id=team_id, person_id=found[0].id, limit=PAGE_TOUCHES)
            if found
            else None
        )
        if page is None:
            return Nobody(display=key.display)
        today = _today(deps, session, team_id=team_id, user_id=user_id)
        waiting = open_follow_ups_on(
            session,
            team_id=team_id,
            person_ids=[page.person.id, *(alias.id for alias in page.aliases)],
        )
    elsewhere = tuple(f"{known.key.display} {known.key.platform}".strip() for known in found[1:])
    return Page(page=page, today=today, elsewhere=elsewhere, waiting=tuple(waiting))


def merge(deps: Deps, *, team_id: str, user_id: str, source_id: int, target_id: int) -> Merged:
    """Merge one person into another ("same person as…"); the page of whom they now are."""
    with deps.db.session_scope() as session:
        done = store.merge_people(
            session, team_id=team_id, source_id=source_id, target_id=target_id
        )
        page = store.person_page(session, team_id=team_id, person_id=target_id, limit=PAGE_TOUCHES)
        today = _today(deps, session, team_id=team_id, user_id=user_id)
    return Merged(merge=done, page=Page(page=page, today=today) if page else None)


def unmerge(
    deps: Deps, *, team_id: str, user_id: str, source_id: int, moved: tuple[int, ...]
) -> Merged:
    """Undo a merge; the page of the person that stands alone again."""
    with deps.db.session_scope() as session:
        alone = store.unmerge_people(session, team_id=team_id, source_id=source_id, moved=moved)
        if alone is None:
            return Merged(merge=None, page=None)
        page = store.person_page(session, team_id=team_id, person_id=source_id, limit=PAGE_TOUCHES)
        today = _today(deps, session, team_id=team_id, user_id=user_id)
    return Merged(merge=None, page=Page(page=page, today=today) if page else None)
