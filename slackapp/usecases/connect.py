"""Logging connections: from /connect text, the form and the message shortcut; edit, undo, delete.

The functions that change something run before the ack, each in one write transaction (with
only reads around it) and without calling Slack: the member's day comes from their cached
profile (the team's zone while theirs is unknown; `progress.after_change` corrects the date
when Slack tells us their zone).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from slackapp.domain import entries
from slackapp.domain.calendar import local_date
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
    LogStatus,
    Prefill,
)
from slackapp.domain.followups import FollowUpWhen, due_date, form_when
from slackapp.domain.parsing import ParsedConnect, parse_connect_text
from slackapp.domain.people import TeammateTouch
from slackapp.slack.messages import is_slack_link, permalink
from slackapp.slack.profiles import Profile, is_fresh, profile_of
from slackapp.store import connections as store
from slackapp.store.followups import add_follow_up
from slackapp.store.models import Member, Team
from slackapp.usecases.deps import Deps
from slackapp.usecases.members import member_session, mention_names, readable_mentions
from slackapp.usecases.people import teammate_hint, teammate_hint_before


@dataclass(frozen=True, slots=True)
class Rejection:
    """A request we refused before saving anything, with the reason for the member."""

    message: str


@dataclass(frozen=True, slots=True)
class Logged:
    """A log request that reached the database, and what the work after the ack needs."""

    result: LogResult
    #: The member's today, for phrasing the reply.
    today: date
    #: Whether users.info should refresh the member's cached profile after the ack.
    refresh_profile: bool
    #: Whether the entry was dated in the team's zone because the member's own is not known yet.
    zone_guessed: bool
    #: A teammate's recent touch of the same person, worth one line in the confirmation.
    hint: TeammateTouch | None = None
    #: The member's day on which they will be asked whether anyone replied, if they asked.
    follow_up: date | None = None


@dataclass(frozen=True, slots=True)
class Changed:
    """An edit, undo or delete that reached the database."""

    result: ChangeResult


@dataclass(frozen=True, slots=True)
class FormStart:
    """What the connection form opens with."""

    prefill: Prefill
    today: date


FormErrors = dict[FormField, str]


def too_long_message() -> str:
    """What a member hears when their /connect text is longer than Slack sends."""
    return (
        f"That's more than Slack's {COMMAND_TEXT_MAX:,} characters for a command, so nothing was "
        "saved. Use `/connect` on its own to open the form."
    )


def _check_parsed(parsed: ParsedConnect) -> Rejection | None:
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
    return None


def _ask_later(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    result: LogResult,
    when: FollowUpWhen | None,
    today: date,
    now: datetime,
) -> date | None:
    """Book the follow-up a new entry asked for; its day, or None when none was booked."""
    entry = result.connection
    if when is None or entry is None or result.status is not LogStatus.SAVED:
        return None
    due = due_date(when, today=today)
    add_follow_up(
        session,
        team_id=team_id,
        user_id=user_id,
        connection_id=entry.id,
        due=due,
        now=now,
    )
    return due


@dataclass(frozen=True, slots=True)
class _BeforeLog:
    """What a /connect log reads before it writes."""

    team_id: str
    user_id: str
    team: Team
    team_saved: bool
    member: Member | None
    touch: TeammateTouch | None


@dataclass(frozen=True, slots=True)
class _Saved:
    """What a /connect log wrote, and the profile that dated it."""

    result: LogResult
    today: date
    member: Member | None
    profile: Profile
    follow_up: date | None


def _before_log(
    deps: Deps, session: Session, *, team_id: str, user_id: str, parsed: ParsedConnect
) -> _BeforeLog:
    team = deps.team_to_read(session, team_id)
    return _BeforeLog(
        team_id=team_id,
        user_id=user_id,
        team=team,
        team_saved=team in session,
        member=session.get(Member, (team_id, user_id)),
        touch=teammate_hint_before(
            deps,
            session,
            team_id=team_id,
            user_id=user_id,
            who=parsed.who,
            platform=parsed.platform,
        ),
    )


def _save_log(
    deps: Deps,
    session: Session,
    before: _BeforeLog,
    parsed: ParsedConnect,
) -> _Saved:
    assert parsed.principle is not None
    team_id, user_id = before.team_id, before.user_id
    team = before.team if before.team_saved else deps.team(session, team_id)
    member = before.member
    profile = profile_of(user_id, member, team)
    if not profile.zone_known:
        # Dated in the team's zone for now: the member's own may have arrived since the read
        # (users.info after an earlier log, which also re-dated that log), so look again
        # inside the write, where today's count is taken.
        member = session.get(Member, (team_id, user_id))
        profile = profile_of(user_id, member, team)
    today = local_date(deps.now(), profile.zone)
    draft = Draft(
        principle=parsed.principle,
        local_date=today,
        platform=parsed.platform,
        who=parsed.who,
        note=parsed.note,
        link=parsed.link,
    )
    result = store.log_connection(
        session,
        team_id=team_id,
        user_id=user_id,
        draft=draft,
        now=deps.now(),
        daily_goal=team.daily_goal,
        daily_cap=deps.settings.daily_cap,
        source="command",
        member_saved=member is not None,
    )
    follow_up = _ask_later(
        session,
        team_id=team_id,
        user_id=user_id,
        result=result,
        when=parsed.follow_up,
        today=today,
        now=deps.now(),
    )
    return _Saved(result=result, today=today, member=member, profile=profile, follow_up=follow_up)


def log_text(
    deps: Deps, *, team_id: str, user_id: str, parsed: ParsedConnect
) -> Logged | Rejection:
    """Save a connection understood from /connect text (before the ack: one write transaction)."""
    assert parsed.principle is not None
    rejection = _check_parsed(parsed)
    if rejection is not None:
        return rejection
    if deps.db.writers_take_turns:
        # What the entry needs from the member's profile, and the teammate hint, are read
        # first, outside the write: on SQLite writers take turns, and each turn is kept to the
        # few statements that must be in it.
        with deps.db.read_scope() as session:
            before = _before_log(deps, session, team_id=team_id, user_id=user_id, parsed=parsed)
        with deps.db.session_scope() as session:
            saved = _save_log(deps, session, before, parsed)
    else:
        # Writers run side by side: the same reads, in the write's own transaction.
        with deps.db.session_scope() as session:
            before = _before_log(deps, session, team_id=team_id, user_id=user_id, parsed=parsed)
            saved = _save_log(deps, session, before, parsed)
    result, today, member, profile = saved.result, saved.today, saved.member, saved.profile
    hint = before.touch if result.status is LogStatus.SAVED else None
    return Logged(
        result=result,
        today=today,
        refresh_profile=not is_fresh(member, now=deps.now()),
        zone_guessed=not profile.zone_known,
        hint=hint,
        follow_up=saved.follow_up,
    )


def submit_form(
    deps: Deps, *, team_id: str, user_id: str, form: FormInput, client_token: str
) -> Logged | FormErrors:
    """Check and save a submitted connection form (before the ack: one transaction).

    `client_token` is unique per opened modal, so a second submission of it saves nothing new.
    """
    with deps.db.session_scope() as session:
        team = deps.team(session, team_id)
        member = session.get(Member, (team_id, user_id))
        profile = profile_of(user_id, member, team)
        today = local_date(deps.now(), profile.zone)
        draft = entries.validate_form(form, today=today)
        if isinstance(draft, dict):
            return draft
        result = store.log_connection(
            session,
            team_id=team_id,
            user_id=user_id,
            draft=draft,
            now=deps.now(),
            daily_goal=team.daily_goal,
            daily_cap=deps.settings.daily_cap,
            source="modal",
            client_token=client_token,
        )
        follow_up = _ask_later(
            session,
            team_id=team_id,
            user_id=user_id,
            result=result,
            when=form_when(form.follow_up),
            today=today,
            now=deps.now(),
        )
        return Logged(
            result=result,
            today=today,
            refresh_profile=not is_fresh(member, now=deps.now()),
            zone_guessed=False,  # the member picked the date themselves
            hint=teammate_hint(deps, session, team_id=team_id, user_id=user_id, result=result),
            follow_up=follow_up,
        )


def submit_edit(
    deps: Deps, *, team_id: str, user_id: str, connection_id: int, form: FormInput
) -> Changed | FormErrors:
    """Check and save changes to one of the member's own entries (before the ack)."""
    with deps.db.session_scope() as session:
        team = deps.team(session, team_id)
        profile = profile_of(user_id, session.get(Member, (team_id, user_id)), team)
        draft = entries.validate_form(form, today=local_date(deps.now(), profile.zone))
        if isinstance(draft, dict):
            return draft
        result = store.update_connection(
            session,
            team_id=team_id,
            user_id=user_id,
            connection_id=connection_id,
            draft=draft,
            now=deps.now(),
        )
        return Changed(result=result)


def remove(deps: Deps, *, team_id: str, user_id: str, connection_id: int) -> Changed:
    """Undo or delete one of the member's own entries; anyone else's stays as it is."""
    with deps.db.session_scope() as session:
        return Changed(
            result=store.delete_connection(
                session, team_id=team_id, user_id=user_id, connection_id=connection_id
            )
        )


#: How long opening a form waits for users.info: its trigger_id expires 3 s after the click.
FORM_PROFILE_SECONDS = 1


def form_start(
    deps: Deps,
    client: WebClient,
    *,
    team_id: str,
    user_id: str,
    parsed: ParsedConnect | None = None,
    link: str | None = None,
) -> FormStart:
    """The form's initial values: what was understood so far, dated the member's today."""
    with member_session(
        deps, client, team_id=team_id, user_id=user_id, timeout=FORM_PROFILE_SECONDS
    ) as (_, team, member):
        profile = profile_of(user_id, member, team)
    today = local_date(deps.now(), profile.zone)
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


def form_from_message(
    deps: Deps,
    client: WebClient,
    *,
    team_id: str,
    user_id: str,
    channel_id: str | None,
    message_ts: str | None,
    text: str,
    team_domain: str | None,
) -> FormStart:
    """The form for the "Log as a connection" shortcut, prefilled from the message.

    A link in the message to somewhere outside Slack is where the connection happened, so it
    is the entry's link; the message's own Slack permalink goes at the end of the note. Slack
    mentions read as the people's names, not as markup.
    """
    parsed = parse_connect_text(text[:COMMAND_TEXT_MAX])
    slack_link = permalink(
        client, channel_id=channel_id, message_ts=message_ts, team_domain=team_domain
    )
    outside = parsed.link if parsed.link and not is_slack_link(parsed.link) else None
    names = mention_names(deps, client, team_id=team_id, text=f"{parsed.who or ''} {parsed.note}")
    note = readable_mentions(parsed.note, names)
    if outside and slack_link:
        from_slack = f"From Slack: {slack_link}"
        room = NOTE_MAX_LENGTH - len(from_slack) - 2
        note = f"{note[:room].rstrip()}\n\n{from_slack}" if note else from_slack
    parsed = replace(
        parsed,
        who=readable_mentions(parsed.who, names) if parsed.who else None,
        note=note,
        link=outside,
    )
    return form_start(
        deps, client, team_id=team_id, user_id=user_id, parsed=parsed, link=outside or slack_link
    )


def edit_form(
    deps: Deps, *, team_id: str, user_id: str, connection_id: int
) -> FormStart | ChangeStatus:
    """The edit form's values for one of the member's own entries, or why it won't open."""
    with deps.db.read_scope() as session:
        team = deps.team_to_read(session, team_id)
        profile = profile_of(user_id, session.get(Member, (team_id, user_id)), team)
        result = store.get_connection(
            session, team_id=team_id, user_id=user_id, connection_id=connection_id
        )
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
    return FormStart(prefill=prefill, today=local_date(deps.now(), profile.zone))
