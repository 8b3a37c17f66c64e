"""Follow-up DMs in the scheduler: 9:00 on the member's own day across DST, once per day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.domain.deliveries import DeliveryKind
from slackapp.scheduling import ledger
from slackapp.scheduling.due import Due, FollowUpAsk, followups_between
from slackapp.scheduling.followups import load_followup_asks
from slackapp.slack.posting import OUTCOME_UNKNOWN
from slackapp.store.db import Database
from slackapp.store.followups import add_follow_up, take_for_delivery
from slackapp.store.models import Delivery, FollowUp
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


# -- A follow-up DM that fails for good -------------------------------------------------------

_DAY = date(2027, 3, 15)
_NOW = datetime(2027, 3, 15, 13, tzinfo=UTC)
_GRACE = timedelta(hours=2)


def _asked_by_a_claimed_dm(db: Database) -> ledger.Claim:
    """Two follow-ups due today, taken by a claimed DM as the tick does before posting it."""
    with db.session_scope() as session:
        add_team(session)
        add_member(session)
        for n in range(2):
            entry = add_connection(session, note=f"n{n}", local_date=_DAY - timedelta(days=3))
            add_follow_up(
                session, team_id="T1", user_id="U1", connection_id=entry.id, due=_DAY, now=_NOW
            )
    with db.session_scope() as session:
        due = Due("T1", DeliveryKind.FOLLOWUP, "U1", _DAY, _NOW, direct=True)
        claim = ledger.claim(session, due=due, now=_NOW, worker="w")
        assert claim is not None
        asked = take_for_delivery(
            session, team_id="T1", user_id="U1", day=_DAY, delivery_id=claim.id
        )
        assert len(asked) == 2
    return claim


def _fail_with_slacks_refusal(session: Session, claim: ledger.Claim) -> None:
    ledger.mark_failed(session, delivery_id=claim.id, error="msg_too_long")


def _fail_after_the_last_try(session: Session, claim: ledger.Claim) -> None:
    row = session.get(Delivery, claim.id)
    assert row is not None
    row.attempts = ledger.MAX_ATTEMPTS
    session.flush()
    assert ledger.mark_retry(session, delivery_id=claim.id, now=_NOW, error="internal_error") is (
        ledger.Status.FAILED
    )


def _fail_past_the_grace_period(session: Session, claim: ledger.Claim) -> None:
    ledger.mark_retry(session, delivery_id=claim.id, now=_NOW, error="internal_error")
    later = _NOW + _GRACE + timedelta(minutes=1)
    taken, expired = ledger.claim_retries(session, now=later, grace=_GRACE, worker="w")
    assert taken == [] and [e.id for e in expired] == [claim.id]


def _fail_with_the_outcome_unknown(session: Session, claim: ledger.Claim) -> None:
    ledger.mark_failed(
        session, delivery_id=claim.id, error=f"ReadTimeout: {OUTCOME_UNKNOWN}, not resent"
    )


def _fail_as_abandoned(session: Session, claim: ledger.Claim) -> None:
    closed = ledger.abandon_stale_claims(session, now=_NOW + timedelta(hours=1))
    assert [c.id for c in closed] == [claim.id]


@pytest.mark.parametrize(
    ("fail", "asked_again"),
    [
        (_fail_with_slacks_refusal, True),
        (_fail_after_the_last_try, True),
        (_fail_past_the_grace_period, True),
        # Slack may have shown these: asking again would ask twice.
        (_fail_with_the_outcome_unknown, False),
        (_fail_as_abandoned, False),
    ],
)
def test_follow_ups_of_a_dm_that_never_reached_the_member_are_asked_the_next_morning(
    db: Database, fail: Callable[[Session, ledger.Claim], None], asked_again: bool
) -> None:
    claim = _asked_by_a_claimed_dm(db)
    with db.session_scope() as session:
        fail(session, claim)
    with db.session_scope() as session:
        assert session.scalar(select(Delivery.status).where(Delivery.id == claim.id)) == "failed"
        rows = list(session.scalars(select(FollowUp).order_by(FollowUp.id)))
        states = {(f.state, f.ask_on, f.delivery_id, f.asks) for f in rows}
        owed = load_followup_asks(session, until=_NOW + timedelta(days=1))
    if asked_again:
        assert states == {("open", _DAY + timedelta(days=1), None, 0)}
        assert [(a.user_id, a.first_due) for a in owed] == [("U1", _DAY + timedelta(days=1))]
    else:
        assert states == {("open", None, claim.id, 1)}
        assert owed == []
