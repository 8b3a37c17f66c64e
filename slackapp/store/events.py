"""Events API deliveries already handled, so Slack's retries never act twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slackapp.store.models import ProcessedEvent


def claim_event(session: Session, *, event_id: str, team_id: str | None, now: datetime) -> bool:
    """Insert the event id; False if it is already there (the delivery is a retry)."""
    if session.get(ProcessedEvent, event_id) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(event_id=event_id, team_id=team_id, received_at=now))
    except IntegrityError:
        return False
    return True


def forget_events(session: Session, *, before: datetime) -> int:
    """Drop processed-event records older than `before` (Slack stops retrying within minutes)."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
