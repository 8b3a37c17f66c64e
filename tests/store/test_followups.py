"""Answering follow-ups in the store: once, whoever races, and moved on only by the owner."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

from sqlalchemy import select

from slackapp.domain.followups import Answer, AnswerStatus, FollowUpState
from slackapp.store.db import Database
from slackapp.store.followups import add_follow_up, answer_follow_up, due_members
from slackapp.store.models import FollowUp
from tests.support.factories import add_connection, add_member, add_team

NOW = datetime(2026, 3, 6, 15, tzinfo=UTC)
DUE = date(2026, 3, 6)


def booked(db: Database) -> int:
    with db.session_scope() as session:
        add_team(session)
        add_member(session, timezone="America/New_York")
        entry = add_connection(session, who="@jane", local_date=date(2026, 3, 5))
        add_follow_up(
            session,
            team_id="T1",
            user_id="U1",
            connection_id=entry.id,
            person_id=None,
            due=DUE,
            now=NOW,
        )
        return session.scalars(select(FollowUp.id)).one()


def answer(db: Database, follow_up_id: int, choice: Answer, user: str = "U1") -> AnswerStatus:
    with db.session_scope() as session:
        return answer_follow_up(
            session,
            team_id="T1",
            user_id=user,
            follow_up_id=follow_up_id,
            asked_for=DUE,
            answer=choice,
            now=NOW,
            today=DUE,
        ).status


def test_two_clicks_at_once_record_one_answer(db: Database) -> None:
    follow_up_id = booked(db)
    start = threading.Barrier(2)
    outcomes: list[AnswerStatus] = []

    def click(choice: Answer) -> None:
        start.wait()
        outcomes.append(answer(db, follow_up_id, choice))

    racers = [
        threading.Thread(target=click, args=(choice,))
        for choice in (Answer.REPLIED, Answer.NO_REPLY)
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert sorted(outcomes) == sorted([AnswerStatus.DONE, AnswerStatus.ALREADY_ANSWERED])
    with db.session_scope() as session:
        row = session.get(FollowUp, follow_up_id)
        assert row is not None and row.state in {"replied", "no_reply"}
        assert row.ask_on is None


def test_still_waiting_moves_it_on_and_it_waits_to_be_asked_again(db: Database) -> None:
    follow_up_id = booked(db)
    with db.session_scope() as session:
        assert [m.first_due for m in due_members(session, through=DUE)] == [DUE]
    assert answer(db, follow_up_id, Answer.WAITING) is AnswerStatus.DONE
    assert answer(db, follow_up_id, Answer.WAITING) is AnswerStatus.ALREADY_MOVED
    with db.session_scope() as session:
        row = session.get(FollowUp, follow_up_id)
        assert row is not None
        assert (row.state, row.due_date, row.ask_on) == ("open", date(2026, 3, 9), date(2026, 3, 9))
        assert due_members(session, through=DUE) == []
        assert [m.first_due for m in due_members(session, through=date(2026, 3, 9))] == [
            date(2026, 3, 9)
        ]


def test_only_the_owner_answers(db: Database) -> None:
    follow_up_id = booked(db)
    assert answer(db, follow_up_id, Answer.REPLIED, user="U2") is AnswerStatus.NOT_YOURS
    assert answer(db, follow_up_id + 1, Answer.REPLIED) is AnswerStatus.GONE
    with db.session_scope() as session:
        row = session.get(FollowUp, follow_up_id)
        assert row is not None and row.state == FollowUpState.OPEN.value
