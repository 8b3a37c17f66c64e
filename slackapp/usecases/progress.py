"""A member's progress: /mystats, the App Home, and keeping the Home current after each change.

`after_change` is the one place that republishes the App Home after a member changed something
(edit, undo, delete, the forms). It runs after the ack, refreshes a stale profile from
users.info, re-dates an entry that was dated in the team's zone before we knew the member's own,
and publishes the Home. A /connect log does not republish it (`publish=False`): the member is
in a channel, not on the Home, and the Home is built fresh when they open it (app_home_opened),
so the busiest path does one build per visit instead of one per log. Publishing is coalesced
per member: while one Home is being built, further requests for it ask for one more build
instead of each building their own.

A Home's figures (progress, entries, the board, people, follow-ups) are kept per process and
database with the team's revision and the quarter-hour they were read at (`_stamp`), and served
again while both are the same: every write the Home could show raises the revision
(store.revisions), and members' days end only on a quarter-hour of UTC.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from slackapp.domain.board import Leaderboard
from slackapp.domain.calendar import local_date, zone
from slackapp.domain.entries import SavedConnection
from slackapp.domain.followups import FollowUpItem, ReplyRates
from slackapp.domain.intents import BoardRequest
from slackapp.domain.people import RecentPerson
from slackapp.domain.progress import MemberStats
from slackapp.domain.team_settings import can_edit_settings, work_days_from_mask
from slackapp.render.home import home_view
from slackapp.slack.profiles import Profile, fetch_user, profile_of, remember
from slackapp.store import connections as store
from slackapp.store.db import Database, ReadsBusy
from slackapp.store.followups import open_follow_ups, reply_rates_between
from slackapp.store.models import Member, Team
from slackapp.store.people import recent_people
from slackapp.store.stats import member_stats
from slackapp.usecases.board import named_board, team_board
from slackapp.usecases.deps import Deps
from slackapp.usecases.members import member_session

log = logging.getLogger(__name__)

#: How many entries the App Home lists, and how many people of the team board it shows.
HOME_RECENT = 10
HOME_BOARD_SIZE = 5
#: How many of the member's recent people the App Home lists.
HOME_PEOPLE = 5
#: How many members' Home figures each process keeps per database (a few KB each).
KEPT_HOMES = 4096
QUARTER_HOUR_S = 15 * 60


@dataclass(frozen=True, slots=True)
class PersonalStats:
    """A member's progress, and the profile whose time zone dated it."""

    stats: MemberStats
    profile: Profile
    #: Reply rates over the follow-ups the member answered this month (their own days).
    replies: ReplyRates = field(default_factory=ReplyRates)


@dataclass(frozen=True, slots=True)
class HomeData:
    """Everything the App Home shows one member."""

    stats: MemberStats
    board: Leaderboard
    profile: Profile
    may_edit_settings: bool
    #: The people the member touched most recently.
    people: tuple[RecentPerson, ...] = ()
    #: The member's open follow-ups, soonest first: who they are waiting on.
    waiting: tuple[FollowUpItem, ...] = ()


@dataclass(frozen=True, slots=True)
class _HomeFigures:
    """What the App Home shows one member that comes from the database."""

    stats: MemberStats
    board: Leaderboard
    people: tuple[RecentPerson, ...]
    waiting: tuple[FollowUpItem, ...]


class _KeptHomes:
    """Members' Home figures, each with the stamp it holds for (see _stamp), the most recently
    used `size` of them: served again while the stamp is the same."""

    def __init__(self, size: int = KEPT_HOMES) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple[str, str], tuple[Hashable, _HomeFigures]] = OrderedDict()

    def get(self, key: tuple[str, str], stamp: Hashable | None) -> _HomeFigures | None:
        if stamp is None:
            return None
        with self._lock:
            found = self._kept.get(key)
            if found is None or found[0] != stamp:
                return None
            self._kept.move_to_end(key)
            return found[1]

    def put(self, key: tuple[str, str], stamp: Hashable | None, figures: _HomeFigures) -> None:
        with self._lock:
            if stamp is None:
                self._kept.pop(key, None)
                return
            self._kept[key] = (stamp, figures)
            self._kept.move_to_end(key)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)


#: Each database's kept Homes (tests and the benchmarks open several in one process).
_KEPT: weakref.WeakKeyDictionary[Database, _KeptHomes] = weakref.WeakKeyDictionary()
_KEPT_LOCK = threading.Lock()


def _kept_homes(db: Database) -> _KeptHomes:
    with _KEPT_LOCK:
        kept = _KEPT.get(db)
        if kept is None:
            kept = _KEPT[db] = _KeptHomes()
        return kept


class _Coalescer:
    """Per-member build requests: one build at a time, and one more if asked meanwhile."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._building: set[tuple[str, str]] = set()
        self._again: set[tuple[str, str]] = set()

    def begin(self, key: tuple[str, str]) -> bool:
        """True: build now. False: a build is running and will run once more for us."""
        with self._lock:
            if key in self._building:
                self._again.add(key)
                return False
            self._building.add(key)
            return True

    def finish(self, key: tuple[str, str], *, failed: bool = False) -> bool:
        """True: somebody asked meanwhile, build once more (the key stays taken)."""
        with self._lock:
            if not failed and key in self._again:
                self._again.discard(key)
                return True
            self._again.discard(key)
            self._building.discard(key)
            return False


_HOMES = _Coalescer()


def _stats(
    deps: Deps, session: Session, *, team: Team, profile: Profile, recent_limit: int
) -> MemberStats:
    return member_stats(
        session,
        team_id=team.team_id,
        user_id=profile.user_id,
        today=local_date(deps.now(), profile.zone),
        daily_goal=team.daily_goal,
        work_days=work_days_from_mask(team.work_days_mask),
        recent_limit=recent_limit,
    )


def _home_data(
    deps: Deps,
    session: Session,
    *,
    team: Team,
    member: Member | None,
    user_id: str,
    fresh: bool = False,
) -> HomeData:
    profile = profile_of(user_id, member, team)
    stamp = _stamp(deps, team=team, profile=profile)
    kept = _kept_homes(deps.db)
    figures = None if fresh else kept.get((team.team_id, user_id), stamp)
    if figures is None:
        figures = _figures(deps, session, team=team, profile=profile)
        kept.put((team.team_id, user_id), stamp, figures)
    may_edit = can_edit_settings(
        user_id=user_id, is_admin=profile.is_admin, admin_user_ids=deps.settings.admin_user_ids
    )
    return HomeData(
        stats=figures.stats,
        board=figures.board,
        profile=profile,
        may_edit_settings=may_edit,
        people=figures.people,
        waiting=figures.waiting,
    )


def _figures(deps: Deps, session: Session, *, team: Team, profile: Profile) -> _HomeFigures:
    user_id = profile.user_id
    return _HomeFigures(
        stats=_stats(deps, session, team=team, profile=profile, recent_limit=HOME_RECENT),
        board=team_board(
            deps,
            session,
            team=team,
            caller_id=user_id,
            request=BoardRequest(),
            limit=HOME_BOARD_SIZE,
        ),
        people=tuple(
            recent_people(session, team_id=team.team_id, user_id=user_id, limit=HOME_PEOPLE)
        ),
        waiting=tuple(
            open_follow_ups(session, team_id=team.team_id, user_id=user_id, limit=HOME_PEOPLE)
        ),
    )


def _stamp(deps: Deps, *, team: Team, profile: Profile) -> Hashable | None:
    """What a member's Home figures hold for: the team's revision, and the quarter-hour.

    Every write that may change them raises the revision (store.revisions). Time changes them
    when a day ends: the member's own (their progress and streaks), the team's (the board's
    week) or a teammate's (where they stand on it). Every time zone is a whole number of
    quarter-hours from UTC, so days end only on a quarter-hour of UTC. None: not to be kept
    (a team with no revision yet, or no row at all).
    """
    if team.revision is None or inspect(team).transient:
        return None
    now = deps.now()
    return (
        team.revision,
        team.created_at,
        int(now.timestamp()) // QUARTER_HOUR_S,
        local_date(now, profile.zone),
        profile.zone.key,
        deps.settings.default_timezone,
    )


def my_stats(deps: Deps, client: WebClient, *, team_id: str, user_id: str) -> PersonalStats:
    """The member's progress as of their own today, for /mystats."""
    with member_session(deps, client, team_id=team_id, user_id=user_id) as (session, team, member):
        profile = profile_of(user_id, member, team)
        stats = _stats(deps, session, team=team, profile=profile, recent_limit=0)
        replies = reply_rates_between(
            session,
            team_id=team_id,
            start=stats.today.replace(day=1),
            end=stats.today,
            user_ids=[user_id],
        )
    return PersonalStats(stats=stats, profile=profile, replies=replies)


def home(
    deps: Deps, client: WebClient, *, team_id: str, user_id: str, fresh: bool = False
) -> HomeData:
    """What the member's App Home shows: their progress and entries, and the team's top 5.

    Served from what this process kept while nothing it shows has changed (see _stamp);
    `fresh` reads it all again, as the first opening after a change does.
    """
    with member_session(deps, client, team_id=team_id, user_id=user_id) as (session, team, member):
        data = _home_data(deps, session, team=team, member=member, user_id=user_id, fresh=fresh)
    return data


def publish_home(deps: Deps, client: WebClient, *, team_id: str, user_id: str) -> None:
    """Build the member's App Home and publish it (app_home_opened)."""
    key = (team_id, user_id)
    if not _HOMES.begin(key):
        return
    try:
        first = home(deps, client, team_id=team_id, user_id=user_id)
    except BaseException:
        _HOMES.finish(key, failed=True)
        raise
    _publish_loop(deps, client, key, first=first)


def after_change(
    deps: Deps,
    client: WebClient,
    *,
    team_id: str,
    user_id: str,
    refresh_profile: bool = False,
    redate: SavedConnection | None = None,
    publish: bool = True,
) -> None:
    """After the ack of a change: refresh a stale profile, fix a guessed date, republish the Home.

    At most one write (the profile and the date fix), then the Home's reads outside it.
    `publish=False` leaves the Home to be built when the member next opens it.
    """
    user = fetch_user(client, user_id=user_id) if refresh_profile else None
    key = (team_id, user_id)
    building = publish and _HOMES.begin(key)
    try:
        if user is not None:
            with deps.db.session_scope() as session:
                deps.team(session, team_id)
                remember(session, team_id=team_id, user_id=user_id, user=user, now=deps.now())
                if redate is not None and user.timezone:
                    day = local_date(redate.created_at, zone(user.timezone))
                    if day != redate.local_date:
                        store.redate(session, connection_id=redate.id, day=day)
    except BaseException:
        if building:
            _HOMES.finish(key, failed=True)
        raise
    if building:
        _publish_loop(deps, client, key, first=None)


def _publish_loop(
    deps: Deps, client: WebClient, key: tuple[str, str], *, first: HomeData | None
) -> None:
    team_id, user_id = key
    data = first
    failed = True
    try:
        while True:
            if data is None:
                try:
                    with deps.db.read_scope() as session:
                        team, member = deps.member_to_read(session, team_id, user_id)
                        data = _home_data(deps, session, team=team, member=member, user_id=user_id)
                except ReadsBusy as error:
                    # After a change the member was answered already; the Home is built again
                    # when they open it. Telling them "busy" now would read as a failed save.
                    log.warning("busy, Home of %s left for later: %s", key, error)
                    return
            _publish(deps, client, data)
            data = None
            if not _HOMES.finish(key):
                failed = False
                return
    finally:
        if failed:
            _HOMES.finish(key, failed=True)


def _publish(deps: Deps, client: WebClient, data: HomeData) -> None:
    team_id, user_id = data.board.team_id, data.profile.user_id
    board = named_board(deps, client, team_id=team_id, board=data.board)
    view = home_view(
        stats=data.stats,
        board=board,
        display_name=data.profile.display_name,
        timezone=data.profile.timezone,
        show_settings=data.may_edit_settings,
        people=data.people,
        waiting=data.waiting,
    )
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as error:
        # The member's own action already succeeded and was answered; a stale tab must not
        # turn that into an error message. The next refresh will try again.
        log.warning(
            "views.publish failed for %s/%s: %s", team_id, user_id, error.response.get("error")
        )
    except (SlackClientError, OSError) as error:
        log.warning("views.publish could not reach Slack for %s/%s: %s", team_id, user_id, error)
