"""Answering follow-ups in the store: once, whoever races, and moved on only by the owner."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

from sqlalchemy import select

from slackapp.domain.entries import Draft
from slackapp.domain.followups import Answer, AnswerStatus, FollowUpState
from slackapp.domain.vocabulary import Principle
from slackapp.store.connections import update_connection
from slackapp.store.db import Database
from slackapp.store.followups import (
    add_follow_up,
    answer_follow_up,
    due_members,
    open_follow_ups_on,
)
from slackapp.store.models import Connection, FollowUp
from slackapp.store.people import resolve_person
from slackapp.store.rights import forget_member
from tests.support.factories import add_connection, add_member, add_team, name_person

NOW = datetime(2026, 3, 6, 15, tzinfo=UTC)
DUE = date(2026, 3, 6)


def booked(db: Database) -> int:
    with db.session_scope() as session:
        add_team(session)
        add_member(session, timezone="America/New_York")
        entry = add_connection(session, who="@jane", local_date=date(2026, 3, 5))
        name_person(
            session,
            entry,
            resolve_person(session, team_id="T1", who="@jane", platform=None, now=NOW),
        )
        add_follow_up(
            session,
            team_id="T1",
            user_id="U1",
            connection_id=entry.id,
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


def test_editing_the_entrys_who_moves_its_follow_up_and_forget_me_still_works(
    db: Database,
) -> None:
    booked(db)
    with db.session_scope() as session:
        entry = session.scalars(select(Connection)).one()
        changed = update_connection(
            session,
            team_id="T1",
            user_id="U1",
            connection_id=entry.id,
            draft=Draft(principle=Principle.CARE, local_date=entry.local_date, who="@sam"),
            now=NOW,
        )
        assert changed.connection is not None and changed.connection.person_id is not None
        sam = changed.connection.person_id
    with db.session_scope() as session:
        [waiting] = open_follow_ups_on(session, team_id="T1", person_ids=[sam])
        assert waiting.who == "@sam"
    with db.session_scope() as session:
        gone = forget_member(session, team_id="T1", user_id="U1")
    assert gone.count(FollowUp.__tablename__) == 1
    assert gone.people == 2  # @jane (no longer named) and @sam
