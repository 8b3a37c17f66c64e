"""Follow-up DMs in the scheduler: 9:00 on the member's own day across DST, once per day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from slackapp.domain.deliveries import DeliveryKind
from slackapp.scheduling.due import FollowUpAsk, followups_between
from slackapp.store.db import Database
from slackapp.store.followups import add_follow_up, take_for_delivery
from tests.support.factories import add_connection, add_member, add_team


def ask(timezone: str | None, first_due: date, team_zone: str = "UTC") -> FollowUpAsk:
    return FollowUpAsk("T1", "U1", timezone, team_zone, first_due)


@pytest.mark.parametrize(
    ("timezone", "day", "nine_utc"),
    [
        ("America/New_York", date(2026, 3, 7), datetime(2026, 3, 7, 14, tzinfo=UTC)),  # EST
        ("America/New_York", date(2026, 3, 8), datetime(2026, 3, 8, 13, tzinfo=UTC)),  # EDT
        ("Europe/Berlin", date(2026, 10, 24), datetime(2026, 10, 24, 7, tzinfo=UTC)),  # CEST
        ("Europe/Berlin", date(2026, 10, 25), datetime(2026, 10, 25, 8, tzinfo=UTC)),  # CET
        ("Pacific/Kiritimati", date(2026, 3, 8), datetime(2026, 3, 7, 19, tzinfo=UTC)),  # +14
    ],
)
def test_due_at_nine_on_the_members_own_day(timezone: str, day: date, nine_utc: datetime) -> None:
    asks = [ask(timezone, day)]
    minute = timedelta(minutes=1)
    assert followups_between(asks, since=nine_utc - 2 * minute, until=nine_utc - minute) == []
    [due] = followups_between(asks, since=nine_utc - minute, until=nine_utc)
    assert (due.kind, due.target, due.local_date, due.due_at) == (
        DeliveryKind.FOLLOWUP,
        "U1",
        day,
        nine_utc,
    )
    assert due.direct


def test_not_before_the_first_due_day_and_every_morning_after() -> None:
    asks = [ask(None, date(2026, 3, 10), team_zone="Europe/Berlin")]
    week = followups_between(
        asks,
        since=datetime(2026, 3, 8, tzinfo=UTC),
        until=datetime(2026, 3, 12, 23, tzinfo=UTC),
    )
    # The team's zone stands in for an unknown member's; a follow-up left unasked (the DM
    # skipped after downtime) is owed again the next morning under a new key.
    assert [d.local_date for d in week] == [date(2026, 3, 10), date(2026, 3, 11), date(2026, 3, 12)]
    assert {d.due_at.hour for d in week} == {8}


def test_a_retry_of_one_dm_asks_about_the_same_follow_ups(db: Database) -> None:
    now = datetime(2026, 3, 5, 15, tzinfo=UTC)
    with db.session_scope() as session:
        add_team(session)
        add_member(session, timezone="America/New_York")
        for n, due in enumerate((date(2026, 3, 6), date(2026, 3, 6), date(2026, 3, 9))):
            entry = add_connection(session, note=f"n{n}", local_date=date(2026, 3, 5))
            add_follow_up(
                session,
                team_id="T1",
                user_id="U1",
                connection_id=entry.id,
                due=due,
                now=now,
            )
    with db.session_scope() as session:
        first = take_for_delivery(
            session, team_id="T1", user_id="U1", day=date(2026, 3, 6), delivery_id=41
        )
    with db.session_scope() as session:
        again = take_for_delivery(
            session, team_id="T1", user_id="U1", day=date(2026, 3, 6), delivery_id=41
        )
        other = take_for_delivery(
            session, team_id="T1", user_id="U1", day=date(2026, 3, 6), delivery_id=42
        )
    assert [i.note for i in first] == ["n0", "n1"]
    assert [i.id for i in again] == [i.id for i in first]
    assert all(i.asked_for == date(2026, 3, 6) for i in again)
    # Another DM the same day finds nothing new: the third is not due until Monday.
    assert other == []
