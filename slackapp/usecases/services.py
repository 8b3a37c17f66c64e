"""Use cases: what a listener asks for, in one call; joins the domain, the database and Slack."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from slackapp.clock import Clock, system_clock
from slackapp.config import Settings
from slackapp.domain import entries
from slackapp.domain.board import BoardRow, Leaderboard
from slackapp.domain.calendar import local_date, window_period, zone
from slackapp.domain.entries import (
    COMMAND_TEXT_MAX,
    NOTE_MAX_LENGTH,
    WHO_MAX_LENGTH,
    ChangeResult,
    ChangeStatus,
    Draft,
    FormField,
    FormInput,
    LogResult,
    Prefill,
)
from slackapp.domain.intents import BoardRequest, BoardUsage, parse_board_args
from slackapp.domain.parsing import ParsedConnect, parse_connect_text
from slackapp.domain.progress import MemberStats
from slackapp.domain.team_settings import (
    NudgePreference,
    SettingsUpdate,
    TeamSettings,
    can_edit_settings,
    work_days_from_mask,
)
from slackapp.render.home import home_view
from slackapp.store import connections as domain
from slackapp.store import teams as deliveries
from slackapp.store.db import Database
from slackapp.store.leaderboard import team_leaderboard
from slackapp.store.models import Member, Team
from slackapp.store.stats import member_stats
from slackapp.store.team_settings import get_settings, save_settings, set_member_nudges

log = logging.getLogger(__name__)

#: How long a cached users.info answer is trusted.
PROFILE_TTL = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Profile:
    """What we know of a member: their name, their zone, whether they administer the workspace."""

    user_id: str
    display_name: str | None
    timezone: str
    is_admin: bool

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.timezone)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A request we refused before saving anything, with the reason for the member."""

    message: str


@dataclass(frozen=True, slots=True)
class Logged:
    """A log request that reached the database, and the member's today for phrasing the reply."""

    result: LogResult
    today: date


@dataclass(frozen=True, slots=True)
class FormStart:
    """What the connection form opens with."""

    prefill: Prefill
    today: date


LogOutcome = Logged | Rejection


@dataclass(frozen=True, slots=True)
class TeamBoard:
    """A leaderboard with names filled in, and who is looking at it."""

    board: Leaderboard
    viewer: Profile


@dataclass(frozen=True, slots=True)
class PersonalStats:
    """A member's progress, and the profile whose time zone dated it."""

    stats: MemberStats
    profile: Profile


@dataclass(frozen=True, slots=True)
class HomeData:
    """Everything the App Home shows one member."""

    stats: MemberStats
    board: Leaderboard
    profile: Profile
    may_edit_settings: bool


#: How many entries the App Home lists, and how many people of the team board it shows.
HOME_RECENT = 10
HOME_BOARD_SIZE = 5
#: The full board's length; the caller's own row is added below it when they rank lower.
BOARD_SIZE = 10


class Valueboard:
    """The app's use cases, shared by every listener and the CLI."""

    def __init__(self, *, settings: Settings, db: Database, clock: Clock = system_clock) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock

    def __deepcopy__(self, memo: dict[int, Any]) -> Valueboard:
        # Bolt deep-copies the request context for lazy listeners; the app's one Valueboard
        # (its database pool, its settings) must be shared, not copied.
        return self

    def now(self) -> datetime:
        """The current instant (aware UTC)."""
        return self.clock()

    # -- teams and members -------------------------------------------------------------

    def _team(self, session: Session, team_id: str) -> Team:
        return domain.ensure_team(
            session,
            team_id=team_id,
            now=self.now(),
            timezone=self.settings.default_timezone,
            daily_goal=self.settings.daily_goal,
        )

    def cached_profile(self, *, team_id: str, user_id: str) -> Profile:
        """The member's profile from our cache only (never calls Slack); team zone if unknown."""
        with self.db.session_scope() as session:
            team = self._team(session, team_id)
            member = session.get(Member, (team_id, user_id))
            return _profile(user_id, member, team)

    def profile(self, client: WebClient, *, team_id: str, user_id: str) -> Profile:
        """The member's profile, refreshed from users.info at most once a day."""
        now = self.now()
        with self.db.session_scope() as session:
            team = self._team(session, team_id)
            member = session.get(Member, (team_id, user_id))
            fresh = (
                member is not None
                and member.profile_checked_at is not None
                and now - member.profile_checked_at < PROFILE_TTL
            )
            if fresh:
                return _profile(user_id, member, team)
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            log.warning(
                "users.info failed for %s/%s: %s; using the team's time zone",
                team_id,
                user_id,
                error.response.get("error"),
            )
            with self.db.session_scope() as session:
                return _profile(
                    user_id, session.get(Member, (team_id, user_id)), self._team(session, team_id)
                )
        with self.db.session_scope() as session:
            team = self._team(session, team_id)
            member = domain.ensure_member(session, team_id=team_id, user_id=user_id, now=now)
            profile_data = user.get("profile") or {}
            member.display_name = (
                profile_data.get("display_name")
                or profile_data.get("real_name")
                or user.get("real_name")
                or user.get("name")
                or member.display_name
            )
            tz_name = user.get("tz")
            member.timezone = tz_name if isinstance(tz_name, str) and tz_name else None
            member.is_admin = bool(user.get("is_admin") or user.get("is_owner"))
            member.is_bot = bool(user.get("is_bot"))
            member.deleted = bool(user.get("deleted"))
            member.profile_checked_at = now
            return _profile(user_id, member, team)

    def member_today(self, profile: Profile) -> date:
        """Today's date in the member's own time zone."""
        return local_date(self.now(), profile.zone)

    # -- logging -----------------------------------------------------------------------

    def log_parsed(
        self, client: WebClient, *, team_id: str, user_id: str, parsed: ParsedConnect
    ) -> LogOutcome:
        """Save a connection understood from /connect text."""
        assert parsed.principle is not None
        if len(parsed.note) > NOTE_MAX_LENGTH:
            return Rejection(
                f"That note is {len(parsed.note):,} characters; the limit is {NOTE_MAX_LENGTH:,}. "
                "Nothing was saved. Shorten it, or use `/connect` on its own for the form."
            )
        if parsed.who is not None and len(parsed.who) > WHO_MAX_LENGTH:
            return Rejection("That name is too long to save. Nothing was saved.")
        if parsed.link is not None and not entries.is_valid_link(parsed.link):
            return Rejection(
                "That link doesn't look right, so nothing was saved. Check it and try again."
            )
        profile = self.profile(client, team_id=team_id, user_id=user_id)
        draft = Draft(
            principle=parsed.principle,
            local_date=self.member_today(profile),
            platform=parsed.platform,
            who=parsed.who,
            note=parsed.note,
            link=parsed.link,
        )
        result = self.save(team_id=team_id, user_id=user_id, draft=draft, source="command")
        return Logged(result=result, today=draft.local_date)

    def form_start(
        self,
        client: WebClient,
        *,
        team_id: str,
        user_id: str,
        parsed: ParsedConnect | None = None,
        link: str | None = None,
    ) -> FormStart:
        """The form's initial values: what was understood so far, dated the member's today."""
        profile = self.profile(client, team_id=team_id, user_id=user_id)
        today = self.member_today(profile)
        if parsed is None:
            return FormStart(prefill=Prefill(local_date=today, link=link), today=today)
        prefill = Prefill(
            principle=parsed.principle,
            platform=parsed.platform,
            who=parsed.who,
            link=link or parsed.link,
            note=parsed.note or None,
            local_date=today,
        )
        return FormStart(prefill=prefill, today=today)

    def validate_form(
        self, *, team_id: str, user_id: str, form: FormInput
    ) -> Draft | dict[FormField, str]:
        """Check a submitted form against the member's own today (cache only: runs before ack)."""
        profile = self.cached_profile(team_id=team_id, user_id=user_id)
        return entries.validate_form(form, today=self.member_today(profile))

    def save(
        self,
        *,
        team_id: str,
        user_id: str,
        draft: Draft,
        source: str,
        client_token: str | None = None,
    ) -> LogResult:
        """Save a validated draft with the team's goal and our daily cap."""
        with self.db.session_scope() as session:
            team = self._team(session, team_id)
            return domain.log_connection(
                session,
                team_id=team_id,
                user_id=user_id,
                draft=draft,
                now=self.now(),
                daily_goal=team.daily_goal,
                daily_cap=self.settings.daily_cap,
                source=source,
                client_token=client_token,
            )

    def log_draft(
        self,
        *,
        team_id: str,
        user_id: str,
        draft: Draft,
        source: str,
        client_token: str | None = None,
    ) -> Logged:
        """Save a draft from the form, and say what the member's today is."""
        result = self.save(
            team_id=team_id, user_id=user_id, draft=draft, source=source, client_token=client_token
        )
        today = self.member_today(self.cached_profile(team_id=team_id, user_id=user_id))
        return Logged(result=result, today=today)

    def form_from_message(
        self,
        client: WebClient,
        *,
        team_id: str,
        user_id: str,
        channel_id: str | None,
        message_ts: str | None,
        text: str,
        team_domain: str | None,
    ) -> FormStart:
        """The form for the "Log as a connection" shortcut: the message's text and permalink."""
        link = self._permalink(
            client, channel_id=channel_id, message_ts=message_ts, team_domain=team_domain
        )
        parsed = parse_connect_text(text[:COMMAND_TEXT_MAX])
        return self.form_start(client, team_id=team_id, user_id=user_id, parsed=parsed, link=link)

    def _permalink(
        self,
        client: WebClient,
        *,
        channel_id: str | None,
        message_ts: str | None,
        team_domain: str | None,
    ) -> str | None:
        if not channel_id or not message_ts:
            return None
        try:
            permalink = client.chat_getPermalink(channel=channel_id, message_ts=message_ts)
            value = permalink.get("permalink")
            if isinstance(value, str):
                return value
        except SlackApiError as error:
            log.warning("chat.getPermalink failed: %s", error.response.get("error"))
        if team_domain:
            # Slack's permalink format, for when the API will not tell us.
            ts_digits = message_ts.replace(".", "")
            return f"https://{team_domain}.slack.com/archives/{channel_id}/p{ts_digits}"
        return None

    def get_own(self, *, team_id: str, user_id: str, connection_id: int) -> ChangeResult:
        """One of the member's own entries, for the edit form."""
        with self.db.session_scope() as session:
            return domain.get_connection(
                session, team_id=team_id, user_id=user_id, connection_id=connection_id
            )

    def update(
        self, *, team_id: str, user_id: str, connection_id: int, draft: Draft
    ) -> ChangeResult:
        """Replace one of the member's own entries."""
        with self.db.session_scope() as session:
            return domain.update_connection(
                session,
                team_id=team_id,
                user_id=user_id,
                connection_id=connection_id,
                draft=draft,
                now=self.now(),
            )

    # -- team settings and nudge opt-out -----------------------------------------------

    def may_edit_settings(self, client: WebClient, *, team_id: str, user_id: str) -> bool:
        """Whether the member may change team settings: admin/owner per users.info, or listed."""
        if user_id in self.settings.admin_user_ids:
            return True
        profile = self.profile(client, team_id=team_id, user_id=user_id)
        return can_edit_settings(
            user_id=user_id,
            is_admin=profile.is_admin,
            admin_user_ids=self.settings.admin_user_ids,
        )

    def may_edit_settings_cached(self, *, team_id: str, user_id: str) -> bool:
        """The same check from our cache only (never calls Slack), for use before an ack."""
        profile = self.cached_profile(team_id=team_id, user_id=user_id)
        return can_edit_settings(
            user_id=user_id,
            is_admin=profile.is_admin,
            admin_user_ids=self.settings.admin_user_ids,
        )

    def team_settings(self, *, team_id: str) -> TeamSettings:
        """The team's current settings (the team's row is created with defaults if new)."""
        with self.db.session_scope() as session:
            self._team(session, team_id)
            return get_settings(session, team_id=team_id)

    def save_team_settings(
        self, *, team_id: str, user_id: str, update: SettingsUpdate
    ) -> TeamSettings:
        """Store checked settings, noting who saved them."""
        with self.db.session_scope() as session:
            return save_settings(
                session, team_id=team_id, update=update, user_id=user_id, now=self.now()
            )

    def set_nudges(self, *, team_id: str, user_id: str, enabled: bool) -> NudgePreference:
        """Opt the member out of (or back into) the daily DM nudge."""
        with self.db.session_scope() as session:
            return set_member_nudges(
                session,
                team_id=team_id,
                user_id=user_id,
                enabled=enabled,
                now=self.now(),
                default_timezone=self.settings.default_timezone,
                default_goal=self.settings.daily_goal,
            )

    # -- leaderboard, personal progress and the App Home -------------------------------

    def leaderboard(
        self, client: WebClient, *, team_id: str, user_id: str, text: str
    ) -> TeamBoard | BoardUsage:
        """The board `/leaderboard <text>` asks for (top 10 plus the caller), or what to type."""
        request = parse_board_args(text)
        if isinstance(request, BoardUsage):
            return request
        viewer = self.profile(client, team_id=team_id, user_id=user_id)
        with self.db.session_scope() as session:
            board = self._board(
                session, team_id=team_id, caller_id=user_id, request=request, limit=BOARD_SIZE
            )
        return TeamBoard(board=self._named(client, team_id=team_id, board=board), viewer=viewer)

    def my_stats(self, client: WebClient, *, team_id: str, user_id: str) -> PersonalStats:
        """The member's progress as of their own today, for /mystats."""
        profile = self.profile(client, team_id=team_id, user_id=user_id)
        with self.db.session_scope() as session:
            stats = self._stats(session, team_id=team_id, profile=profile, recent_limit=0)
        return PersonalStats(stats=stats, profile=profile)

    def home(self, client: WebClient, *, team_id: str, user_id: str) -> HomeData:
        """What the member's App Home shows: their progress and entries, and the team's top 5."""
        profile = self.profile(client, team_id=team_id, user_id=user_id)
        # A handful of GROUP BY queries in one transaction, so the tab is consistent and fast.
        with self.db.session_scope() as session:
            stats = self._stats(session, team_id=team_id, profile=profile, recent_limit=HOME_RECENT)
            board = self._board(
                session,
                team_id=team_id,
                caller_id=user_id,
                request=BoardRequest(),
                limit=HOME_BOARD_SIZE,
            )
        board = self._named(client, team_id=team_id, board=board)
        may_edit = can_edit_settings(
            user_id=user_id, is_admin=profile.is_admin, admin_user_ids=self.settings.admin_user_ids
        )
        return HomeData(stats=stats, board=board, profile=profile, may_edit_settings=may_edit)

    def publish_home(self, client: WebClient, *, team_id: str, user_id: str) -> None:
        """Build the member's App Home and publish it; Slack refusing is logged, not raised."""
        data = self.home(client, team_id=team_id, user_id=user_id)
        view = home_view(
            stats=data.stats,
            board=data.board,
            display_name=data.profile.display_name,
            timezone=data.profile.timezone,
            show_settings=data.may_edit_settings,
        )
        try:
            client.views_publish(user_id=user_id, view=view)
        except SlackApiError as error:
            # The member's own action already succeeded and was answered; a stale tab must not
            # turn that into an error message. The next refresh will try again.
            log.warning(
                "views.publish failed for %s/%s: %s",
                team_id,
                user_id,
                error.response.get("error"),
            )

    def edit_form(
        self, *, team_id: str, user_id: str, connection_id: int
    ) -> FormStart | ChangeStatus:
        """The edit form's values for one of the member's own entries, or why it won't open."""
        # Cache only: the trigger_id for views.open expires three seconds after the click.
        profile = self.cached_profile(team_id=team_id, user_id=user_id)
        result = self.get_own(team_id=team_id, user_id=user_id, connection_id=connection_id)
        entry = result.connection
        if result.status is not ChangeStatus.DONE or entry is None:
            return result.status
        prefill = Prefill(
            principle=entry.principle,
            platform=entry.platform,
            who=entry.who,
            link=entry.link,
            note=entry.note or None,
            local_date=entry.local_date,
        )
        return FormStart(prefill=prefill, today=self.member_today(profile))

    def delete(self, *, team_id: str, user_id: str, connection_id: int) -> ChangeResult:
        """Delete one of the member's own entries; anyone else's stays exactly as it is."""
        with self.db.session_scope() as session:
            return domain.delete_connection(
                session, team_id=team_id, user_id=user_id, connection_id=connection_id
            )

    def _board(
        self,
        session: Session,
        *,
        team_id: str,
        caller_id: str,
        request: BoardRequest,
        limit: int,
    ) -> Leaderboard:
        team = self._team(session, team_id)
        # Team windows follow the team's calendar, whoever is asking.
        today = local_date(self.now(), zone(team.timezone, fallback=self.settings.default_timezone))
        return team_leaderboard(
            session,
            team_id=team_id,
            period=window_period(request.window, today=today),
            caller_id=caller_id,
            principle=request.principle,
            limit=limit,
            daily_goal=team.daily_goal,
            work_days=work_days_from_mask(team.work_days_mask),
        )

    def _stats(
        self, session: Session, *, team_id: str, profile: Profile, recent_limit: int
    ) -> MemberStats:
        team = self._team(session, team_id)
        return member_stats(
            session,
            team_id=team_id,
            user_id=profile.user_id,
            today=self.member_today(profile),
            daily_goal=team.daily_goal,
            work_days=work_days_from_mask(team.work_days_mask),
            recent_limit=recent_limit,
        )

    def _named(self, client: WebClient, *, team_id: str, board: Leaderboard) -> Leaderboard:
        """The board with display names looked up for people we have not cached yet."""

        def named(row: BoardRow) -> BoardRow:
            if row.display_name:
                return row
            # At most one users.info per unnamed row shown (11), and then cached for a day.
            profile = self.profile(client, team_id=team_id, user_id=row.user_id)
            return replace(row, display_name=profile.display_name)

        caller_row = named(board.caller_row) if board.caller_row is not None else None
        return replace(board, rows=tuple(named(row) for row in board.rows), caller_row=caller_row)

    def deactivate_team(self, *, team_id: str, reason: str) -> bool:
        """Stop a team's scheduled posts because Slack says we can no longer reach it."""
        with self.db.session_scope() as session:
            changed = deliveries.deactivate_team(session, team_id=team_id, reason=reason)
        if changed:
            log.warning("team %s is now inactive (%s): its schedules are stopped", team_id, reason)
        return changed

    def claim_event(self, *, event_id: str, team_id: str | None) -> bool:
        """Record an Events API delivery; False when it was handled before (a Slack retry)."""
        with self.db.session_scope() as session:
            return domain.claim_event(session, event_id=event_id, team_id=team_id, now=self.now())


def too_long_message() -> str:
    return (
        f"That's more than Slack's {COMMAND_TEXT_MAX:,} characters for a command, so nothing was "
        "saved. Use `/connect` on its own to open the form."
    )


def _profile(user_id: str, member: Member | None, team: Team) -> Profile:
    return Profile(
        user_id=user_id,
        display_name=member.display_name if member else None,
        timezone=(member.timezone if member and member.timezone else team.timezone),
        is_admin=bool(member and member.is_admin),
    )


CONTEXT_KEY = "valueboard"


def from_context(context: Mapping[str, Any]) -> Valueboard:
    """The Valueboard that build_app placed in Bolt's context."""
    valueboard = context[CONTEXT_KEY]
    assert isinstance(valueboard, Valueboard)
    return valueboard
