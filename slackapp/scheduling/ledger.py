"""The deliveries ledger: every scheduled post is claimed here before it is sent.

The unique key (team, kind, target, local date) is the lock. Whoever inserts the row owns the
post; everyone else (another process, a rerun of `deliver`, a restart) finds the row and moves on.
Each function is one short unit of work on a session: callers commit the claim before they
talk to Slack and record the outcome in a new transaction afterwards.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Insert, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slackapp.scheduling.due import DeliveryKind, Due
from slackapp.slack.posting import OUTCOME_UNKNOWN
from slackapp.store.followups import ask_undelivered_again
from slackapp.store.models import Delivery

__all__ = [
    "MAX_ATTEMPTS",
    "STALE_CLAIM_AFTER",
    "Claim",
    "Sent",
    "Status",
    "abandon_stale_claims",
    "backoff",
    "claim",
    "claim_many",
    "claim_retries",
    "known_keys",
    "known_keys_of_teams",
    "mark_failed",
    "mark_retry",
    "mark_sent",
    "mark_sent_many",
    "mark_skipped",
    "note_on",
    "record_skipped",
    "record_skipped_many",
]

#: Tries per delivery, the first included; after the last transient failure it is `failed`.
MAX_ATTEMPTS = 6
#: The wait before the second try; it doubles after each failure (1, 2, 4, 8, 16 minutes).
FIRST_BACKOFF = timedelta(minutes=1)
#: A claim still open this long after it was taken belongs to a process that died mid-post.
STALE_CLAIM_AFTER = timedelta(minutes=15)

_ERROR_MAX = 200  # Delivery.last_error's width
#: Keys per IN (...) list or rows per multi-row INSERT, well inside every backend's limits.
_CHUNK = 500


class Status(StrEnum):
    """A delivery's state in the ledger; the value is what the database stores."""

    CLAIMED = "claimed"
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"


Key = tuple[str, str, str, date]


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery this process now owns and must send, then record."""

    id: int
    team_id: str
    kind: DeliveryKind
    target: str
    local_date: date
    due_at: datetime
    attempts: int

    @property
    def key(self) -> Key:
        """The ledger's unique key: (team, kind, target, local date)."""
        return (self.team_id, self.kind.value, self.target, self.local_date)


def _claim_of(row: Delivery) -> Claim:
    return Claim(
        id=row.id,
        team_id=row.team_id,
        kind=DeliveryKind(row.kind),
        target=row.target,
        local_date=row.local_date,
        due_at=row.due_at,
        attempts=row.attempts,
    )


def _short(error: str) -> str:
    return error if len(error) <= _ERROR_MAX else error[: _ERROR_MAX - 1] + "…"


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: 1, 2, 4, 8 ... minutes."""
    return timedelta(seconds=FIRST_BACKOFF.total_seconds() * 2 ** max(0, attempts - 1))


def known_keys(session: Session, *, team_id: str, first_day: date, last_day: date) -> set[Key]:
    """The ledger keys a team already has for local dates from `first_day` to `last_day`."""
    rows = session.execute(
        select(Delivery.kind, Delivery.target, Delivery.local_date).where(
            Delivery.team_id == team_id,
            Delivery.local_date >= first_day,
            Delivery.local_date <= last_day,
        )
    )
    return {(team_id, kind, target, day) for kind, target, day in rows}


def known_keys_of_teams(
    session: Session, *, team_ids: Collection[str], first_day: date, last_day: date
) -> set[Key]:
    """`known_keys` for many teams at once, a few hundred teams per query."""
    ordered = sorted(team_ids)
    keys: set[Key] = set()
    for start in range(0, len(ordered), _CHUNK):
        rows = session.execute(
            select(Delivery.team_id, Delivery.kind, Delivery.target, Delivery.local_date).where(
                Delivery.team_id.in_(ordered[start : start + _CHUNK]),
                Delivery.local_date >= first_day,
                Delivery.local_date <= last_day,
            )
        )
        keys.update((team_id, kind, target, day) for team_id, kind, target, day in rows)
    return keys


def _insert_once(session: Session, values: dict[str, Any]) -> int | None:
    """Insert a ledger row unless its key exists; the new id, or None when someone was first."""
    dialect = session.get_bind().dialect.name
    statement: Insert
    if dialect in {"sqlite", "postgresql"}:
        module: Any = sqlite if dialect == "sqlite" else postgresql
        statement = (
            module.insert(Delivery)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["team_id", "kind", "target", "local_date"])
            .returning(Delivery.id)
        )
        return session.execute(statement).scalar_one_or_none()
    # Any other database: let the unique key refuse the duplicate inside a savepoint.
    try:
        with session.begin_nested():
            row = Delivery(**values)
            session.add(row)
        return row.id
    except IntegrityError:
        return None


def _claimed_row(due: Due, *, now: datetime, worker: str) -> dict[str, Any]:
    """The ledger row that claims `due` for `worker`."""
    return {
        "team_id": due.team_id,
        "kind": due.kind.value,
        "target": due.target,
        "local_date": due.local_date,
        "due_at": due.due_at,
        "status": Status.CLAIMED.value,
        "attempts": 1,
        "claimed_at": now,
        "claimed_by": worker[:64],
    }


def _new_claim(due: Due, delivery_id: int) -> Claim:
    return Claim(
        id=delivery_id,
        team_id=due.team_id,
        kind=due.kind,
        target=due.target,
        local_date=due.local_date,
        due_at=due.due_at,
        attempts=1,
    )


def claim(session: Session, *, due: Due, now: datetime, worker: str) -> Claim | None:
    """Take `due` for this process, or None when it is already in the ledger (any status)."""
    new_id = _insert_once(session, _claimed_row(due, now=now, worker=worker))
    return None if new_id is None else _new_claim(due, new_id)


def _insert_many(session: Session, rows: Sequence[dict[str, Any]]) -> dict[Key, int]:
    """Insert the ledger rows whose keys are free; the new ids by key (others were taken)."""
    dialect = session.get_bind().dialect.name
    if dialect not in {"sqlite", "postgresql"}:
        found: dict[Key, int] = {}
        for values in rows:
            new_id = _insert_once(session, values)
            if new_id is not None:
                found[_key_of(values)] = new_id
        return found
    module: Any = sqlite if dialect == "sqlite" else postgresql
    # ON CONFLICT DO NOTHING skips the keys someone else holds, and RETURNING names the ones
    # that are ours; SQLAlchemy sends the rows as multi-row VALUES of one cached statement.
    statement = (
        module.insert(Delivery)
        .on_conflict_do_nothing(index_elements=["team_id", "kind", "target", "local_date"])
        .returning(
            Delivery.id, Delivery.team_id, Delivery.kind, Delivery.target, Delivery.local_date
        )
    )
    return {
        (team_id, kind, target, day): new_id
        for new_id, team_id, kind, target, day in session.execute(statement, list(rows))
    }


def _key_of(values: dict[str, Any]) -> Key:
    return (values["team_id"], values["kind"], values["target"], values["local_date"])


def claim_many(session: Session, *, dues: Sequence[Due], now: datetime, worker: str) -> list[Claim]:
    """`claim` for many posts in one statement: the ones this process got, in `dues` order."""
    if not dues:
        return []
    inserted = _insert_many(session, [_claimed_row(due, now=now, worker=worker) for due in dues])
    return [_new_claim(due, inserted[due.key]) for due in dues if due.key in inserted]


def record_skipped_many(session: Session, *, skips: Sequence[tuple[Due, str]]) -> list[Due]:
    """`record_skipped` for many posts at once; the ones that were not in the ledger yet."""
    if not skips:
        return []
    inserted = _insert_many(session, [_skipped_row(due, reason) for due, reason in skips])
    return [due for due, _ in skips if due.key in inserted]


def _skipped_row(due: Due, reason: str) -> dict[str, Any]:
    """The ledger row saying `due` will never be sent, and why."""
    return {
        "team_id": due.team_id,
        "kind": due.kind.value,
        "target": due.target,
        "local_date": due.local_date,
        "due_at": due.due_at,
        "status": Status.SKIPPED.value,
        "attempts": 0,
        "claimed_at": None,
        "claimed_by": None,
        "last_error": _short(reason),
    }


def record_skipped(session: Session, *, due: Due, reason: str) -> bool:
    """Note that `due` will never be sent; False when the ledger already had it."""
    new_id = _insert_once(session, _skipped_row(due, reason))
    return new_id is not None


def _set(session: Session, delivery_id: int, *, expected: Status, **values: Any) -> bool:
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == expected.value)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def mark_sent(
    session: Session,
    *,
    delivery_id: int,
    now: datetime,
    message_ts: str | None,
    note: str | None = None,
) -> bool:
    """Record that a claimed delivery reached Slack (with the message ts Slack gave it)."""
    return _set(
        session,
        delivery_id,
        expected=Status.CLAIMED,
        status=Status.SENT.value,
        sent_at=now,
        message_ts=message_ts,
        next_attempt_at=None,
        last_error=_short(note) if note else None,
    )


@dataclass(frozen=True, slots=True)
class Sent:
    """A claimed delivery Slack took: its message ts, and a remark worth keeping."""

    delivery_id: int
    message_ts: str | None
    note: str | None = None


def mark_sent_many(session: Session, *, sent: Sequence[Sent], now: datetime) -> None:
    """`mark_sent` for many deliveries in one executemany."""
    if not sent:
        return
    statement = (
        update(Delivery)
        .where(Delivery.id == bindparam("b_id"), Delivery.status == Status.CLAIMED.value)
        .values(
            status=Status.SENT.value,
            sent_at=now,
            message_ts=bindparam("b_ts"),
            next_attempt_at=None,
            last_error=bindparam("b_note"),
        )
    )
    session.connection().execute(
        statement,
        [
            {
                "b_id": item.delivery_id,
                "b_ts": item.message_ts,
                "b_note": _short(item.note) if item.note else None,
            }
            for item in sent
        ],
    )


def note_on(session: Session, *, delivery_id: int, note: str) -> None:
    """Attach a remark to a delivery (e.g. a sent digest whose chart upload failed)."""
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(last_error=_short(note))
        .execution_options(synchronize_session=False)
    )


def mark_retry(
    session: Session,
    *,
    delivery_id: int,
    now: datetime,
    error: str,
    not_before: datetime | None = None,
) -> Status:
    """After a transient failure: schedule the next try with backoff, or give up after the last.

    `not_before` is the earliest next try Slack asked for (a 429's Retry-After).
    """
    row = session.get(Delivery, delivery_id)
    if row is None or row.status != Status.CLAIMED.value:
        return Status(row.status) if row is not None else Status.FAILED
    if row.attempts >= MAX_ATTEMPTS:
        if _set(
            session,
            delivery_id,
            expected=Status.CLAIMED,
            status=Status.FAILED.value,
            next_attempt_at=None,
            last_error=_short(f"gave up after {row.attempts} tries: {error}"),
        ):
            _never_shown(
                session,
                team_id=row.team_id,
                delivery_id=delivery_id,
                kind=row.kind,
                day=row.local_date,
                error=error,
            )
        return Status.FAILED
    _set(
        session,
        delivery_id,
        expected=Status.CLAIMED,
        status=Status.RETRY.value,
        next_attempt_at=max(now + backoff(row.attempts), not_before or now),
        last_error=_short(error),
    )
    return Status.RETRY


def mark_failed(session: Session, *, delivery_id: int, error: str) -> bool:
    """Record a claimed delivery that will never be sent (a permanent error)."""
    failed = _set(
        session,
        delivery_id,
        expected=Status.CLAIMED,
        status=Status.FAILED.value,
        next_attempt_at=None,
        last_error=_short(error),
    )
    if failed:
        team_id, kind, day = session.execute(
            select(Delivery.team_id, Delivery.kind, Delivery.local_date).where(
                Delivery.id == delivery_id
            )
        ).one()
        _never_shown(
            session, team_id=team_id, delivery_id=delivery_id, kind=kind, day=day, error=error
        )
    return failed


def _never_shown(
    session: Session, *, team_id: str, delivery_id: int, kind: str, day: date, error: str
) -> None:
    """A delivery given up for good: if it was a follow-up DM that Slack certainly never showed,
    what it asked about is asked again the next morning, under that day's key."""
    if kind == DeliveryKind.FOLLOWUP.value and OUTCOME_UNKNOWN not in error:
        ask_undelivered_again(
            session, team_id=team_id, delivery_id=delivery_id, day=day + timedelta(days=1)
        )


def mark_skipped(session: Session, *, delivery_id: int, reason: str) -> bool:
    """Record a claimed delivery that is no longer wanted (schedule paused, off or moved)."""
    return _set(
        session,
        delivery_id,
        expected=Status.CLAIMED,
        status=Status.SKIPPED.value,
        next_attempt_at=None,
        last_error=_short(reason),
    )


def claim_retries(
    session: Session, *, now: datetime, grace: timedelta, worker: str
) -> tuple[list[Claim], list[Claim]]:
    """Take the retries whose wait is over: (to send now, given up because past the grace)."""
    rows = session.scalars(
        select(Delivery)
        .where(Delivery.status == Status.RETRY.value, Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at, Delivery.id)
    ).all()
    taken: list[Claim] = []
    expired: list[Claim] = []
    for row in rows:
        late = now - row.due_at > grace
        values: dict[str, Any] = (
            {
                "status": Status.FAILED.value,
                "next_attempt_at": None,
                "last_error": _short(f"gave up: past the grace period ({row.last_error})"),
            }
            if late
            else {
                "status": Status.CLAIMED.value,
                "attempts": row.attempts + 1,
                "claimed_at": now,
                "claimed_by": worker[:64],
            }
        )
        # The status in the WHERE clause is the lock: of two processes that read the same
        # retry row, only one update matches it.
        if not _set(session, row.id, expected=Status.RETRY, **values):
            continue
        if late:
            _never_shown(
                session,
                team_id=row.team_id,
                delivery_id=row.id,
                kind=row.kind,
                day=row.local_date,
                error=row.last_error or "",
            )
        claim_ = Claim(
            id=row.id,
            team_id=row.team_id,
            kind=DeliveryKind(row.kind),
            target=row.target,
            local_date=row.local_date,
            due_at=row.due_at,
            attempts=row.attempts if late else row.attempts + 1,
        )
        (expired if late else taken).append(claim_)
    return taken, expired


def abandon_stale_claims(
    session: Session, *, now: datetime, older_than: timedelta = STALE_CLAIM_AFTER
) -> list[Claim]:
    """Fail claims whose process died mid-post: Slack may have the post, so never resend it."""
    rows = session.scalars(
        select(Delivery).where(
            Delivery.status == Status.CLAIMED.value, Delivery.claimed_at < now - older_than
        )
    ).all()
    closed: list[Claim] = []
    for row in rows:
        if _set(
            session,
            row.id,
            expected=Status.CLAIMED,
            status=Status.FAILED.value,
            last_error=f"{OUTCOME_UNKNOWN}: the process sending it stopped; not resent",
        ):
            closed.append(_claim_of(row))
    return closed
