"""Transient failures are tried again with backoff; abandoned claims are never resent."""

from __future__ import annotations

from datetime import date, timedelta

from slackapp.scheduling.fanout import MAX_REQUEUES
from slackapp.store.models import Delivery
from tests.scheduling.rig import (
    MONDAY_NINE,
    NUDGES,
    TEAM,
    Rig,
    make_team,
)


def test_a_429_is_retried_after_retry_after(rig: Rig) -> None:
    make_team(rig.db)
    rig.standin.rate_limit("chat.postMessage", retry_after=1)
    report = rig.tick(MONDAY_NINE)
    first, second = rig.posts(NUDGES)
    assert second.at - first.at >= 1.0
    assert len(report.sent) == 1
    assert [(r.status, r.attempts) for r in rig.rows()] == [("sent", 1)]


def test_rate_limits_that_keep_coming_become_a_later_try(rig: Rig) -> None:
    make_team(rig.db)
    refusals = MAX_REQUEUES + 1
    rig.standin.rate_limit("chat.postMessage", retry_after=0, times=refusals)
    report = rig.tick(MONDAY_NINE)
    assert len(report.retrying) == 1 and len(rig.posts(NUDGES)) == refusals
    stored = rig.rows()[0]
    assert (stored.status, stored.last_error) == ("retry", "ratelimited")
    assert stored.next_attempt_at == MONDAY_NINE + timedelta(minutes=1)
    rig.tick(MONDAY_NINE + timedelta(seconds=30))
    assert len(rig.posts(NUDGES)) == refusals
    report = rig.tick(MONDAY_NINE + timedelta(minutes=1))
    assert len(report.sent) == 1 and len(rig.posts(NUDGES)) == refusals + 1
    assert [(r.status, r.attempts) for r in rig.rows()] == [("sent", 2)]


def test_a_long_retry_after_books_a_later_try_instead_of_waiting(rig: Rig) -> None:
    make_team(rig.db)
    make_team(rig.db, team_id="T0OTHER", nudge_channel="C0OTHER")
    rig.standin.rate_limit("chat.postMessage", retry_after=600, channel=NUDGES)
    report = rig.tick(MONDAY_NINE)
    assert [line.team_id for line in report.sent] == ["T0OTHER"]
    assert [line.team_id for line in report.retrying] == [TEAM]
    (stored,) = [r for r in rig.rows() if r.team_id == TEAM]
    assert stored.status == "retry" and stored.next_attempt_at is not None
    # Slack's ten minutes, not the one-minute backoff; counted from when Slack said so.
    assert stored.next_attempt_at >= MONDAY_NINE + timedelta(minutes=10)
    assert stored.next_attempt_at < MONDAY_NINE + timedelta(minutes=11)
    rig.tick(MONDAY_NINE + timedelta(minutes=5))
    assert len(rig.posts(NUDGES)) == 1
    report = rig.tick(MONDAY_NINE + timedelta(minutes=11))
    assert [line.team_id for line in report.sent] == [TEAM]


def test_transient_errors_back_off_and_give_up_after_six_tries(rig: Rig) -> None:
    make_team(rig.db)
    rig.standin.fail("chat.postMessage", "internal_error", times=None)
    tried_at: list[int] = []
    for minute in range(45):
        before = len(rig.posts(NUDGES))
        rig.tick(MONDAY_NINE + timedelta(minutes=minute))
        tried_at += [minute] * (len(rig.posts(NUDGES)) - before)
    # Waits of 1, 2, 4, 8 and 16 minutes between the six tries; then it is given up.
    assert tried_at == [0, 1, 3, 7, 15, 31]
    rig.tick(MONDAY_NINE + timedelta(minutes=60))
    assert len(rig.posts(NUDGES)) == 6
    stored = rig.rows()[0]
    assert (stored.status, stored.attempts) == ("failed", 6)


def test_an_abandoned_claim_is_closed_and_never_resent(rig: Rig) -> None:
    make_team(rig.db)
    with rig.db.session_scope() as session:
        session.add(
            Delivery(
                team_id=TEAM,
                kind="nudge",
                target=NUDGES,
                local_date=date(2027, 3, 15),
                due_at=MONDAY_NINE,
                status="claimed",
                attempts=1,
                claimed_at=MONDAY_NINE,
                claimed_by="gone:1",
            )
        )
    report = rig.tick(MONDAY_NINE + timedelta(minutes=20))
    assert [line.detail for line in report.failed] == ["outcome unknown: its process stopped"]
    assert rig.posts() == [] and [r.status for r in rig.rows()] == ["failed"]
