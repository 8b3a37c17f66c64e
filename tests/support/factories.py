"""Small helpers that insert valid rows, filling every required column with a plain default."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session

from slackapp.domain.vocabulary import Platform, Principle
from slackapp.store.models import Connection, Member, Team
from slackapp.store.named_dates import note_named
from slackapp.store.tallies import count_entry

#: A Friday, used when a test does not care which day something happened.
DEFAULT_DAY = date(2026, 11, 27)
DEFAULT_CREATED_AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def add_team(
    session: Session,
    *,
    team_id: str = "T1",
    name: str | None = None,
    timezone: str = "UTC",
    work_days_mask: int = 31,
    daily_goal: int = 10,
    is_active: bool = True,
    created_at: datetime | None = None,
) -> Team:
    """Insert a team (Monday to Friday, goal 10, UTC unless told otherwise) and flush it."""
    team = Team(
        team_id=team_id,
        name=name,
        timezone=timezone,
        work_days_mask=work_days_mask,
        daily_goal=daily_goal,
        is_active=is_active,
        created_at=created_at or DEFAULT_CREATED_AT,
    )
    session.add(team)
    session.flush()
    return team


def add_member(
    session: Session,
    *,
    team_id: str = "T1",
    user_id: str = "U1",
    display_name: str | None = None,
    timezone: str | None = None,
    is_admin: bool = False,
    created_at: datetime | None = None,
) -> Member:
    """Insert a member of a team and flush it."""
    member = Member(
        team_id=team_id,
        user_id=user_id,
        display_name=display_name,
        timezone=timezone,
        is_admin=is_admin,
        created_at=created_at or DEFAULT_CREATED_AT,
    )
    session.add(member)
    session.flush()
    return member


def add_connection(
    session: Session,
    *,
    team_id: str = "T1",
    user_id: str = "U1",
    principle: Principle = Principle.SOLVE,
    local_date: date = DEFAULT_DAY,
    created_at: datetime | None = None,
    platform: Platform | None = None,
    who: str | None = None,
    note: str = "",
    link: str | None = None,
    source: str = "command",
    client_token: str | None = None,
) -> Connection:
    """Insert a logged connection (created at noon UTC on `local_date` by default) and flush it."""
    connection = Connection(
        team_id=team_id,
        user_id=user_id,
        principle=principle.value,
        platform=platform.value if platform is not None else None,
        who=who,
        note=note,
        link=link,
        local_date=local_date,
        created_at=created_at or datetime.combine(local_date, time(12), tzinfo=UTC),
        source=source,
        client_token=client_token,
    )
    session.add(connection)
    session.flush()
    # Rows made here keep the maintained tallies in step, as the app's own writes do.
    count_entry(
        session,
        team_id=team_id,
        user_id=user_id,
        local_date=local_date,
        principle=principle.value,
        delta=1,
    )
    return connection


def add_connections(
    session: Session,
    count: int,
    *,
    team_id: str = "T1",
    user_id: str = "U1",
    principle: Principle = Principle.SOLVE,
    local_date: date = DEFAULT_DAY,
) -> None:
    """Insert `count` identical connections for one person, principle and day."""
    for _ in range(count):
        add_connection(
            session, team_id=team_id, user_id=user_id, principle=principle, local_date=local_date
        )


def name_person(session: Session, entry: Connection, person_id: int | None) -> None:
    """Make `entry` name `person_id`, keeping the person's first day as saving an entry does."""
    entry.person_id = person_id
    session.flush()
    if person_id is not None:
        note_named(session, team_id=entry.team_id, person_id=person_id, day=entry.local_date)
