"""Logging, undoing, editing and exporting value actions: plain functions over a session."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

from slackapp.domain.calendar import DEFAULT_WORK_DAYS
from slackapp.domain.entries import (
    ChangeResult,
    ChangeStatus,
    Draft,
    LogResult,
    LogStatus,
    SavedConnection,
)
from slackapp.domain.team_settings import (
    DEFAULT_DIGEST_TIME,
    DEFAULT_DIGEST_WEEKDAY,
    DEFAULT_NUDGE_TIME,
    DigestMode,
    NudgeMode,
    format_time,
    mask_from_work_days,
)
from slackapp.domain.vocabulary import Platform, Principle
from slackapp.store import revisions
from slackapp.store.db import plain_rows
from slackapp.store.followups import drop_follow_up_of
from slackapp.store.models import Connection, Member, MemberDay, Team
from slackapp.store.named_dates import note_named, refresh_named_dates
from slackapp.store.people import resolve_person
from slackapp.store.tallies import count_entry, take_member_turn


def _clean(text: str | None) -> str | None:
    # PostgreSQL refuses NUL in text; Slack passes it through from what people type or paste.
    return text.replace("\x00", "") if text else text


_PLATFORM_VALUES = frozenset(platform.value for platform in Platform)


def _platform(value: str | None) -> Platform | None:
    if not value:
        return None
    # A platform retired from the enum must not break someone's history or their edit form.
    return Platform(value) if value in _PLATFORM_VALUES else Platform.OTHER


def saved_connection(row: Connection | Row[*tuple[Any, ...]]) -> SavedConnection:
    """A stored connection row as the rest of the app sees it (ORM object or plain row)."""
    return SavedConnection(
        id=row.id,
        team_id=row.team_id,
        user_id=row.user_id,
        principle=Principle(row.principle),
        platform=_platform(row.platform),
        who=row.who,
        note=row.note,
        link=row.link,
        local_date=row.local_date,
        created_at=row.created_at,
        person_id=row.person_id,
    )


def _new_team(*, team_id: str, now: datetime, timezone: str, daily_goal: int) -> Team:
    # Every column set here, not left to the model's insert-time defaults: a team we only read
    # (team_or_defaults) is never inserted, yet must read like a new one.
    return Team(
        team_id=team_id,
        timezone=timezone,
        work_days_mask=mask_from_work_days(DEFAULT_WORK_DAYS),
        daily_goal=daily_goal,
        is_active=True,
        created_at=now,
        nudge_mode=NudgeMode.OFF.value,
        digest_mode=DigestMode.OFF.value,
        nudge_time=format_time(DEFAULT_NUDGE_TIME),
        digest_time=format_time(DEFAULT_DIGEST_TIME),
        digest_weekday=DEFAULT_DIGEST_WEEKDAY,
    )


def team_or_defaults(
    session: Session, *, team_id: str, now: datetime, timezone: str, daily_goal: int
) -> Team:
    """The team's row, or an unsaved one with the defaults (reads never write)."""
    team = session.get(Team, team_id)
    if team is None:
        return _new_team(team_id=team_id, now=now, timezone=timezone, daily_goal=daily_goal)
    return team


#: A team's row and one member's (none when they are not known yet), in one statement.
_TEAM_AND_MEMBER = (
    select(Team, Member)
    .outerjoin(Member, and_(Member.team_id == Team.team_id, Member.user_id == bindparam("user_id")))
    .where(Team.team_id == bindparam("team_id"))
    .options(undefer(Team.revision))
)


def team_and_member(
    session: Session, *, team_id: str, user_id: str, now: datetime, timezone: str, daily_goal: int
) -> tuple[Team, Member | None]:
    """team_or_defaults, and the member's row: in one round trip where the team has a row."""
    found = session.execute(_TEAM_AND_MEMBER, {"team_id": team_id, "user_id": user_id}).first()
    if found is None:
        team = _new_team(team_id=team_id, now=now, timezone=timezone, daily_goal=daily_goal)
        return team, session.get(Member, (team_id, user_id))
    return found[0], found[1]


def ensure_team(
    session: Session, *, team_id: str, now: datetime, timezone: str, daily_goal: int
) -> Team:
    """The team's row, created with defaults on first use; the session's writes are for it."""
    revisions.for_team(session, team_id)
    team = session.get(Team, team_id)
    if team is None:
        team = _new_team(team_id=team_id, now=now, timezone=timezone, daily_goal=daily_goal)
        try:
            with session.begin_nested():
                session.add(team)
        except IntegrityError:
            # Another request created it between our read and our write.
            team = session.get(Team, team_id)
            assert team is not None
    return team


def ensure_member(session: Session, *, team_id: str, user_id: str, now: datetime) -> Member:
    """The member's row, created on first use."""
    member = session.get(Member, (team_id, user_id))
    if member is None:
        add_member(session, team_id=team_id, user_id=user_id, now=now)
        member = session.get(Member, (team_id, user_id))
        assert member is not None
    return member


def add_member(session: Session, *, team_id: str, user_id: str, now: datetime) -> None:
    """Create the member's row unless it exists: one statement, no savepoint, whoever races us."""
    connection = session.connection()
    make = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    connection.execute(
        make(Member)
        .values(team_id=team_id, user_id=user_id, is_admin=False, created_at=now)
        .on_conflict_do_nothing(index_elements=["team_id", "user_id"])
    )


_DAY_COUNT = select(MemberDay.count).where(
    MemberDay.team_id == bindparam("team_id"),
    MemberDay.user_id == bindparam("user_id"),
    MemberDay.local_date == bindparam("day"),
)


def day_count(session: Session, *, team_id: str, user_id: str, day: date) -> int:
    """How many connections the member logged for `day` (one row of the maintained counts)."""
    parameters = {"team_id": team_id, "user_id": user_id, "day": day}
    return plain_rows(session, _DAY_COUNT, parameters).scalar() or 0


def log_connection(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    draft: Draft,
    now: datetime,
    daily_goal: int,
    daily_cap: int,
    source: str = "command",
    client_token: str | None = None,
    member_saved: bool = False,
) -> LogResult:
    """Save one value action unless it repeats a request or a day's link, or the cap is hit.

    `member_saved`: the caller has read the member's row, so it need not be looked for again.
    """

    def result(status: LogStatus, row: Connection | None, count: int | None = None) -> LogResult:
        if count is None:
            count = day_count(session, team_id=team_id, user_id=user_id, day=draft.local_date)
        return LogResult(
            status=status,
            connection=saved_connection(row) if row is not None else None,
            day_count=count,
            daily_goal=daily_goal,
            daily_cap=daily_cap,
        )

    if client_token is not None:
        existing = session.scalar(
            select(Connection).where(
                Connection.team_id == team_id, Connection.client_token == client_token
            )
        )
        if existing is not None:
            return result(LogStatus.ALREADY_SAVED, existing)
    if draft.link is not None:
        same_link = _same_link(session, team_id=team_id, user_id=user_id, draft=draft)
        if same_link is not None:
            return result(_repeat_status(same_link, client_token), same_link)
    before = day_count(session, team_id=team_id, user_id=user_id, day=draft.local_date)
    if before >= daily_cap:
        return result(LogStatus.CAP_REACHED, None, before)
    # Before the first row another entry may be waiting for (the member's, the person's).
    revisions.raise_first(session, team_id)
    if not member_saved:
        add_member(session, team_id=team_id, user_id=user_id, now=now)
    row = Connection(
        team_id=team_id,
        user_id=user_id,
        principle=draft.principle.value,
        platform=draft.platform.value if draft.platform else None,
        who=_clean(draft.who),
        note=_clean(draft.note) or "",
        link=_clean(draft.link),
        local_date=draft.local_date,
        created_at=now,
        source=source,
        client_token=client_token,
        person_id=resolve_person(
            session, team_id=team_id, who=_clean(draft.who), platform=draft.platform, now=now
        ),
    )
    if client_token is None and row.link is None:
        # Neither unique key can clash (NULLs never do): no savepoint needed, and a Core INSERT
        # on the session's connection skips the unit of work (this runs in SQLite's writer turn).
        values = {column: getattr(row, column) for column in _INSERTED}
        row.id = session.connection().execute(_INSERT_RETURNING_ID, values).scalar_one()
        _count_new(session, row)
        return result(LogStatus.SAVED, row, before + 1)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # A concurrent request won the race on one of our unique keys: report what it saved.
        if client_token is not None:
            existing = session.scalar(
                select(Connection).where(
                    Connection.team_id == team_id, Connection.client_token == client_token
                )
            )
            if existing is not None:
                return result(LogStatus.ALREADY_SAVED, existing)
        same_link = _same_link(session, team_id=team_id, user_id=user_id, draft=draft)
        status = LogStatus.DUPLICATE_LINK
        if same_link is not None:
            status = _repeat_status(same_link, client_token)
        return result(status, same_link)
    _count_new(session, row)
    return result(LogStatus.SAVED, row, before + 1)


_INSERTED = (
    "team_id",
    "user_id",
    "principle",
    "platform",
    "who",
    "note",
    "link",
    "local_date",
    "created_at",
    "source",
    "client_token",
    "person_id",
)
_INSERT_RETURNING_ID = insert(Connection).returning(Connection.id)


def _count(session: Session, row: Connection, delta: int) -> None:
    count_entry(
        session,
        team_id=row.team_id,
        user_id=row.user_id,
        local_date=row.local_date,
        principle=row.principle,
        delta=delta,
    )


def _count_new(session: Session, row: Connection) -> None:
    """A new entry: its tallies, and its person's first day if it is their earliest."""
    _count(session, row, +1)
    if row.person_id is not None:
        note_named(session, team_id=row.team_id, person_id=row.person_id, day=row.local_date)


def _repeat_status(existing: Connection, client_token: str | None) -> LogStatus:
    # The same request may have committed between our token check and our link check.
    if client_token is not None and existing.client_token == client_token:
        return LogStatus.ALREADY_SAVED
    return LogStatus.DUPLICATE_LINK


def _same_link(session: Session, *, team_id: str, user_id: str, draft: Draft) -> Connection | None:
    return session.scalar(
        select(Connection).where(
            Connection.team_id == team_id,
            Connection.user_id == user_id,
            Connection.local_date == draft.local_date,
            Connection.link == _clean(draft.link),
        )
    )


def _owned(
    session: Session, *, team_id: str, user_id: str, connection_id: int, to_change: bool = False
) -> Connection | ChangeStatus:
    if to_change:
        # The member's turn first, then the entry as the change before this one left it: two
        # deletes (a double click) or edits of one entry at once would otherwise both read it,
        # and both take it off the tallies.
        take_member_turn(session, team_id=team_id, user_id=user_id)
    row = session.get(Connection, connection_id, populate_existing=to_change)
    if row is None or row.team_id != team_id:
        return ChangeStatus.NOT_FOUND
    if row.user_id != user_id:
        return ChangeStatus.NOT_YOURS
    return row


def get_connection(
    session: Session, *, team_id: str, user_id: str, connection_id: int
) -> ChangeResult:
    """One of the member's own entries (for editing)."""
    row = _owned(session, team_id=team_id, user_id=user_id, connection_id=connection_id)
    if isinstance(row, ChangeStatus):
        return ChangeResult(status=row, connection=None)
    return ChangeResult(status=ChangeStatus.DONE, connection=saved_connection(row))


def delete_connection(
    session: Session, *, team_id: str, user_id: str, connection_id: int
) -> ChangeResult:
    """Remove one of the member's own entries; anyone else's stays untouched."""
    row = _owned(
        session, team_id=team_id, user_id=user_id, connection_id=connection_id, to_change=True
    )
    if isinstance(row, ChangeStatus):
        return ChangeResult(status=row, connection=None)
    saved = saved_connection(row)
    person_id = row.person_id
    _count(session, row, -1)
    drop_follow_up_of(session, connection_id=row.id)
    session.delete(row)
    session.flush()
    refresh_named_dates(session, team_id=team_id, person_ids=[person_id])
    return ChangeResult(status=ChangeStatus.DONE, connection=saved)


def update_connection(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    connection_id: int,
    draft: Draft,
    now: datetime,
) -> ChangeResult:
    """Replace one of the member's own entries with `draft`."""
    row = _owned(
        session, team_id=team_id, user_id=user_id, connection_id=connection_id, to_change=True
    )
    if isinstance(row, ChangeStatus):
        return ChangeResult(status=row, connection=None)
    if draft.link is not None:
        same = _same_link(session, team_id=team_id, user_id=user_id, draft=draft)
        if same is not None and same.id != row.id:
            return ChangeResult(
                status=ChangeStatus.DUPLICATE_LINK, connection=saved_connection(same)
            )
    _count(session, row, -1)
    named_before = row.person_id
    row.principle = draft.principle.value
    row.platform = draft.platform.value if draft.platform else None
    row.who = _clean(draft.who)
    row.person_id = resolve_person(
        session, team_id=team_id, who=row.who, platform=draft.platform, now=now
    )
    row.note = _clean(draft.note) or ""
    row.link = _clean(draft.link)
    row.local_date = draft.local_date
    row.updated_at = now
    session.flush()
    _count(session, row, +1)
    # Whoever the entry named before may have lost their earliest entry (or moved it later),
    # and whoever it names now may have gained one: both worked out in one statement, which
    # takes their rows in one order whatever the edit's direction.
    refresh_named_dates(session, team_id=team_id, person_ids=[named_before, row.person_id])
    return ChangeResult(status=ChangeStatus.DONE, connection=saved_connection(row))


def redate(session: Session, *, connection_id: int, day: date) -> bool:
    """Move an entry to another local day; False when that day already has its link."""
    row = session.get(Connection, connection_id)
    if row is None or row.local_date == day:
        return False
    # The member's turn before the entry's row, as every other change of an entry takes them
    # (an Undo of this entry meanwhile would otherwise wait for its row while this waited for
    # the turn), then the entry as the change before this one left it.
    take_member_turn(session, team_id=row.team_id, user_id=row.user_id)
    row = session.get(Connection, connection_id, populate_existing=True)
    if row is None or row.local_date == day:
        return False
    old = row.local_date
    try:
        with session.begin_nested():
            row.local_date = day
            session.flush()
    except IntegrityError:
        session.refresh(row)
        return False
    for when, delta in ((old, -1), (day, +1)):
        count_entry(
            session,
            team_id=row.team_id,
            user_id=row.user_id,
            local_date=when,
            principle=row.principle,
            delta=delta,
        )
    refresh_named_dates(session, team_id=row.team_id, person_ids=[row.person_id])
    return True
