"""People reached and relationships deepened, with merged handles counted as one person."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from slackapp.domain.vocabulary import Platform
from slackapp.store.db import Database
from slackapp.store.people import merge_people, resolve_person
from slackapp.store.relationships import (
    first_time_people,
    people_reached,
    relationships_deepened,
)
from tests.support.factories import add_connection, add_team

NOW = datetime(2026, 3, 5, 15, tzinfo=UTC)


def touch(session: Session, who: str, platform: Platform, day: date, user: str = "U1") -> int:
    entry = add_connection(session, user_id=user, who=who, platform=platform, local_date=day)
    entry.person_id = resolve_person(session, team_id="T1", who=who, platform=platform, now=NOW)
    session.flush()
    assert entry.person_id is not None
    return entry.person_id


def test_a_merged_person_counts_once_everywhere(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        on_x = touch(session, "@jane", Platform.TWITTER, date(2026, 2, 20))  # before the week
        touch(session, "@jane", Platform.TWITTER, date(2026, 3, 2))
        on_linkedin = touch(session, "jane-doe", Platform.LINKEDIN, date(2026, 3, 3))
        touch(session, "jane-doe", Platform.LINKEDIN, date(2026, 3, 4), user="U2")
        touch(session, "@sam", Platform.TWITTER, date(2026, 3, 4))
        week = {"start": date(2026, 3, 2), "end": date(2026, 3, 8)}
        # Apart: Jane on LinkedIn is someone new this week, and nobody has 3 touches.
        assert people_reached(session, team_id="T1", start=week["start"], end=week["end"]) == (
            {"U1": 3, "U2": 1},
            3,
        )
        assert first_time_people(session, team_id="T1", start=week["start"], end=week["end"]) == 2
        assert relationships_deepened(session, team_id="T1", start=None, end=week["end"]) == (
            {},
            0,
        )
        merge_people(session, team_id="T1", source_id=on_linkedin, target_id=on_x)
        assert people_reached(session, team_id="T1", start=week["start"], end=week["end"]) == (
            {"U1": 2, "U2": 1},
            2,
        )
        # Jane was touched before the week (on X), so only Sam is new.
        assert first_time_people(session, team_id="T1", start=week["start"], end=week["end"]) == 1
        # Ana touched Jane three times (two handles), the team four times.
        assert relationships_deepened(session, team_id="T1", start=None, end=week["end"]) == (
            {"U1": 1},
            1,
        )
        assert relationships_deepened(
            session, team_id="T1", start=week["start"], end=week["end"]
        ) == ({}, 1)
