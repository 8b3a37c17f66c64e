"""The deliveries ledger: one claim per key, backoff, give-ups, stale claims."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from slackapp.scheduling import ledger
from slackapp.scheduling.due import DeliveryKind, Due
from slackapp.scheduling.ledger import Status
from slackapp.store.db import Database
from slackapp.store.models import Delivery
from tests.support.databases import patient_gates

NOW = datetime(2027, 3, 15, 13, 0, tzinfo=UTC)
GRACE = timedelta(hours=2)


def due(target: str = "C1", *, day: date = date(2027, 3, 15), team_id: str = "T1") -> Due:
    return Due(team_id, DeliveryKind.NUDGE, target, day, NOW)


def row(db: Database, delivery_id: int) -> Delivery:
    with db.session_scope() as session:
        found = session.get(Delivery, delivery_id)
        assert found is not None
        return found


def claimed(db: Database, target: str = "C1") -> ledger.Claim:
    with db.session_scope() as session:
        result = ledger.claim(session, due=due(target), now=NOW, worker="w1")
    assert result is not None
    return result


def test_a_key_is_claimed_once_and_other_keys_stay_free(db: Database) -> None:
    first = claimed(db)
    with db.session_scope() as session:
        assert ledger.claim(session, due=due(), now=NOW, worker="w2") is None
        assert ledger.record_skipped(session, due=due(), reason="late") is False
        other_day = ledger.claim(session, due=due(day=date(2027, 3, 16)), now=NOW, worker="w2")
        other_target = ledger.claim(session, due=due("C2"), now=NOW, worker="w2")
    assert other_day is not None and other_target is not None
    stored = row(db, first.id)
    assert (stored.status, stored.attempts, stored.claimed_by) == ("claimed", 1, "w1")
    assert stored.claimed_at == NOW and stored.due_at == NOW


def test_a_skipped_delivery_can_never_be_claimed(db: Database) -> None:
    with db.session_scope() as session:
        assert ledger.record_skipped(session, due=due(), reason="3h late") is True
        assert ledger.claim(session, due=due(), now=NOW, worker="w") is None
        assert ledger.known_keys(
            session, team_id="T1", first_day=date(2027, 3, 15), last_day=date(2027, 3, 15)
        ) == {("T1", "nudge", "C1", date(2027, 3, 15))}
    with db.session_scope() as session:
        stored = session.scalars(select(Delivery)).one()
        assert (stored.status, stored.attempts, stored.last_error) == ("skipped", 0, "3h late")


def test_known_keys_covers_the_asked_dates_of_one_team(db: Database) -> None:
    with db.session_scope() as session:
        for day in (date(2027, 3, 14), date(2027, 3, 15), date(2027, 3, 16)):
            ledger.claim(session, due=due(day=day), now=NOW, worker="w")
        ledger.claim(session, due=due(team_id="T2"), now=NOW, worker="w")
        keys = ledger.known_keys(
            session, team_id="T1", first_day=date(2027, 3, 15), last_day=date(2027, 3, 16)
        )
    assert keys == {
        ("T1", "nudge", "C1", date(2027, 3, 15)),
        ("T1", "nudge", "C1", date(2027, 3, 16)),
    }


def test_mark_sent_records_the_message_ts_once(db: Database) -> None:
    claim = claimed(db)
    with db.session_scope() as session:
        assert ledger.mark_sent(session, delivery_id=claim.id, now=NOW, message_ts="1.000100")
        # Already sent: a second outcome cannot overwrite it.
        assert not ledger.mark_failed(session, delivery_id=claim.id, error="late news")
    stored = row(db, claim.id)
    assert (stored.status, stored.message_ts, stored.sent_at) == ("sent", "1.000100", NOW)


@pytest.mark.parametrize("attempts", [1, 2, 3, 4, 5])
def test_backoff_doubles_from_one_minute(attempts: int) -> None:
    assert ledger.backoff(attempts) == timedelta(minutes=2 ** (attempts - 1))


def test_transient_failures_back_off_then_give_up_after_the_last_try(db: Database) -> None:
    claim = claimed(db)
    now = NOW
    waits: list[timedelta] = []
    for attempt in range(1, ledger.MAX_ATTEMPTS):
        with db.session_scope() as session:
            assert (
                ledger.mark_retry(session, delivery_id=claim.id, now=now, error="internal_error")
                is Status.RETRY
            )
        stored = row(db, claim.id)
        assert stored.next_attempt_at is not None
        waits.append(stored.next_attempt_at - now)
        # Not yet: the wait is not over.
        with db.session_scope() as session:
            early, _ = ledger.claim_retries(
                session, now=stored.next_attempt_at - timedelta(seconds=1), grace=GRACE, worker="w"
            )
        assert early == []
        now = stored.next_attempt_at
        with db.session_scope() as session:
            taken, expired = ledger.claim_retries(session, now=now, grace=GRACE, worker="w")
        assert [t.id for t in taken] == [claim.id] and expired == []
        assert taken[0].attempts == attempt + 1
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
    with db.session_scope() as session:
        status = ledger.mark_retry(session, delivery_id=claim.id, now=now, error="internal_error")
    assert status is Status.FAILED
    stored = row(db, claim.id)
    assert (stored.status, stored.attempts) == ("failed", ledger.MAX_ATTEMPTS)
    assert "gave up after 6 tries" in (stored.last_error or "")


def test_a_retry_past_the_grace_period_fails_instead_of_sending(db: Database) -> None:
    claim = claimed(db)
    with db.session_scope() as session:
        ledger.mark_retry(session, delivery_id=claim.id, now=NOW, error="internal_error")
    with db.session_scope() as session:
        taken, expired = ledger.claim_retries(
            session, now=NOW + GRACE + timedelta(minutes=1), grace=GRACE, worker="w"
        )
    assert taken == [] and [e.id for e in expired] == [claim.id]
    assert row(db, claim.id).status == "failed"


def test_a_retry_is_taken_by_one_claimer_only(db: Database) -> None:
    claim = claimed(db)
    with db.session_scope() as session:
        ledger.mark_retry(session, delivery_id=claim.id, now=NOW, error="internal_error")
    later = NOW + timedelta(minutes=5)
    with db.session_scope() as session:
        first, _ = ledger.claim_retries(session, now=later, grace=GRACE, worker="a")
    with db.session_scope() as session:
        second, _ = ledger.claim_retries(session, now=later, grace=GRACE, worker="b")
    assert [c.id for c in first] == [claim.id] and second == []
    assert row(db, claim.id).claimed_by == "a"


def test_stale_claims_are_closed_as_failed_and_never_resent(db: Database) -> None:
    claim = claimed(db)
    fresh = claimed(db, "C2")
    with db.session_scope() as session:
        ledger.mark_sent(session, delivery_id=fresh.id, now=NOW, message_ts="1.1")
    with db.session_scope() as session:
        assert ledger.abandon_stale_claims(session, now=NOW + timedelta(minutes=14)) == []
    with db.session_scope() as session:
        closed = ledger.abandon_stale_claims(session, now=NOW + timedelta(minutes=16))
    assert [c.id for c in closed] == [claim.id]
    assert row(db, claim.id).status == "failed"
    assert row(db, fresh.id).status == "sent"
    with db.session_scope() as session:
        assert ledger.claim(session, due=due(), now=NOW, worker="w") is None


def test_a_long_error_is_cut_to_the_column(db: Database) -> None:
    claim = claimed(db)
    with db.session_scope() as session:
        ledger.mark_failed(session, delivery_id=claim.id, error="x" * 500)
    assert len(row(db, claim.id).last_error or "") == 200


def test_concurrent_claimers_get_each_key_exactly_once(db: Database) -> None:
    keys = [due(f"C{n}") for n in range(25)]
    winners: list[tuple[str, int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(6)

    def work(name: str) -> None:
        try:
            barrier.wait()
            for item in keys:
                with db.session_scope() as session:
                    got = ledger.claim(session, due=item, now=NOW, worker=name)
                if got is not None:
                    with lock:
                        winners.append((item.target, got.id))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(6)]
    with patient_gates(db):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert sorted(target for target, _ in winners) == sorted(k.target for k in keys)
    with db.session_scope() as session:
        assert len(session.scalars(select(Delivery)).all()) == 25
