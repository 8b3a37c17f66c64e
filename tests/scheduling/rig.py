"""The delivery tick wired to the Slack stand-in and a database, and teams to schedule."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from slackapp.clock import Clock
from slackapp.config import Settings
from slackapp.domain.vocabulary import Principle
from slackapp.runtime.app import build_client
from slackapp.sandbox.emulator import RecordedCall, SlackEmulator
from slackapp.scheduling.report import TickReport
from slackapp.scheduling.tick import run_tick
from slackapp.store.db import Database
from slackapp.store.models import Delivery, Member, Team
from tests.support.factories import add_connection, add_team

NY = ZoneInfo("America/New_York")
TEAM = "T0TEAM"
ADMIN = "UADMIN"
NUDGES = "C0NUDGE"
DIGESTS = "C0DIGEST"
#: Monday 15 March 2027, 09:00 in New York (EDT, the day after the change).
MONDAY_NINE = datetime(2027, 3, 15, 13, 0, tzinfo=UTC)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NY).astimezone(UTC)


def make_team(
    db: Database,
    *,
    team_id: str = TEAM,
    timezone: str = "America/New_York",
    nudge_mode: str = "channel",
    nudge_channel: str | None = NUDGES,
    nudge_time: str = "09:00",
    digest_mode: str = "off",
    digest_channel: str | None = DIGESTS,
    digest_time: str = "16:00",
    digest_weekday: int = 4,
    admin: str | None = ADMIN,
) -> None:
    """A team with its schedules saved long ago by ADMIN."""
    with db.session_scope() as session:
        team = add_team(session, team_id=team_id, timezone=timezone)
        team.nudge_mode = nudge_mode
        team.nudge_channel = nudge_channel
        team.nudge_time = nudge_time
        team.digest_mode = digest_mode
        team.digest_channel = digest_channel
        team.digest_time = digest_time
        team.digest_weekday = digest_weekday
        team.settings_updated_by = admin
        team.settings_updated_at = utc(2027, 1, 1)


def settings_for(standin: SlackEmulator, db: Database, **overrides: Any) -> Settings:
    return replace(
        Settings(),
        bot_token=standin.bot_token,
        api_url=standin.api_url,
        database_url=db.url,
        **overrides,
    )


@dataclass
class Rig:
    """The tick wired to the stand-in and a database, plus ways to read back what happened."""

    db: Database
    standin: SlackEmulator
    settings: Settings
    clock: Clock

    def __post_init__(self) -> None:
        self.client = build_client(self.settings, scheduled=True)

    def tick(self, at: datetime) -> TickReport:
        return run_tick(settings=self.settings, db=self.db, client=self.client, at=at)

    def posts(self, channel: str | None = None) -> list[RecordedCall]:
        calls = self.standin.calls("chat.postMessage")
        return [c for c in calls if channel is None or c.params.get("channel") == channel]

    def team(self, team_id: str = TEAM) -> Team:
        with self.db.session_scope() as session:
            team = session.get(Team, team_id)
            assert team is not None
            return team

    def rows(self) -> list[Delivery]:
        with self.db.session_scope() as session:
            return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def log_week(db: Database, *, team_id: str = TEAM, end: date) -> None:
    """A few connections on each of the seven days ending `end`, so the chart has bars."""
    with db.session_scope() as session:
        for back in range(7):
            day = end - timedelta(days=back)
            for principle in list(Principle)[: 1 + back % 4]:
                add_connection(
                    session,
                    team_id=team_id,
                    user_id="U1",
                    principle=principle,
                    local_date=day,
                    note=f"helped on {day}",
                )


def add_teams(
    db: Database, count: int, *, members: int = 2, timezone: str = "America/New_York"
) -> list[str]:
    """`count` teams nudged at 09:00, alternately in a channel and by DM; every target."""
    teams: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    targets: list[str] = []
    for n in range(count):
        team_id = f"T{n:04d}"
        dm = n % 2 == 1
        teams.append(
            {
                "team_id": team_id,
                "timezone": timezone,
                "created_at": utc(2027, 1, 1),
                "nudge_mode": "dm" if dm else "channel",
                "nudge_channel": None if dm else f"C{n:04d}",
                "nudge_time": "09:00",
                "settings_updated_by": ADMIN,
                "settings_updated_at": utc(2027, 1, 1),
            }
        )
        if not dm:
            targets.append(f"C{n:04d}")
            continue
        for m in range(members):
            user_id = f"U{n:04d}{m}"
            targets.append(user_id)
            people.append(
                {
                    "team_id": team_id,
                    "user_id": user_id,
                    "timezone": timezone,
                    "created_at": utc(2027, 1, 1),
                }
            )
    with db.session_scope() as session:
        session.execute(insert(Team), teams)
        if people:
            session.execute(insert(Member), people)
    return targets
