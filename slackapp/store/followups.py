"""Follow-ups in the database: asking for one, what is due, asking, answering, reply rates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from slackapp.domain.followups import (
    PER_MESSAGE,
    Answer,
    Answered,
    AnsweredFollowUp,
    AnswerStatus,
    FollowUpItem,
    FollowUpState,
    ReplyRates,
    ask_again,
    reply_rates,
)
from slackapp.domain.vocabulary import Principle
from slackapp.store.db import plain_rows
from slackapp.store.models import Connection, FollowUp, Member, Person, Team

__all__ = [
    "DueMember",
    "add_follow_up",
    "answer_follow_up",
    "drop_follow_up_of",
    "due_members",
    "follow_up_of",
    "items_of_delivery",
    "open_follow_ups",
    "open_follow_ups_on",
    "reply_rates_between",
    "set_followups_enabled",
    "take_for_delivery",
]


def add_follow_up(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    connection_id: int,
    due: date,
    now: datetime,
) -> None:
    """Ask the member on `due` whether the entry's person replied (one follow-up per entry)."""
    existing = session.scalar(select(FollowUp).where(FollowUp.connection_id == connection_id))
    if existing is not None:
        existing.due_date = due
        if existing.state == FollowUpState.OPEN.value:
            existing.ask_on = due
        return
    session.add(
        FollowUp(
            team_id=team_id,
            user_id=user_id,
            connection_id=connection_id,
            due_date=due,
            ask_on=due,
            state=FollowUpState.OPEN.value,
            asks=0,
            created_at=now,
        )
    )
    session.flush()


@dataclass(frozen=True, slots=True)
class DueMember:
    """A member with follow-ups to be asked about, and the zones that place their morning."""

    team_id: str
    user_id: str
    timezone: str | None
    team_timezone: str
    first_due: date


def due_members(session: Session, *, through: date) -> list[DueMember]:
    """Members of active teams, asked about follow-ups, with one waiting to be asked by
    `through` (ix_followups_ask_on)."""
    rows = session.execute(
        select(
            FollowUp.team_id,
            FollowUp.user_id,
            Member.timezone,
            Team.timezone,
            func.min(FollowUp.ask_on),
        )
        .join(Member, and_(Member.team_id == FollowUp.team_id, Member.user_id == FollowUp.user_id))
        .join(Team, Team.team_id == FollowUp.team_id)
        .where(
            FollowUp.ask_on <= through,
            Member.followups_enabled.is_(True),
            Member.is_bot.is_(False),
            Member.deleted.is_(False),
            Team.is_active.is_(True),
        )
        .group_by(FollowUp.team_id, FollowUp.user_id, Member.timezone, Team.timezone)
        .order_by(FollowUp.team_id, FollowUp.user_id)
    )
    return [
        DueMember(team_id, user_id, timezone, team_zone or "UTC", first)
        for team_id, user_id, timezone, team_zone, first in rows
        if first is not None
    ]


#: What a FollowUpItem shows, as plain columns (_item's order): the follow-up, its entry and
#: the name of the person the entry names.
_ITEM_COLUMNS = (
    FollowUp.id,
    FollowUp.user_id,
    FollowUp.due_date,
    FollowUp.state,
    FollowUp.asked_for,
    Connection.principle,
    Person.display,
    Connection.who,
    Connection.platform,
    Connection.note,
    Connection.link,
    Connection.local_date,
)


def _items_query() -> Select[*tuple[Any, ...]]:
    return (
        select(*_ITEM_COLUMNS)
        .join(Connection, Connection.id == FollowUp.connection_id)
        .outerjoin(Person, Person.id == Connection.person_id)
    )


def _item(row: Sequence[Any]) -> FollowUpItem:
    (
        follow_up_id,
        user_id,
        due_date,
        state,
        asked_for,
        principle,
        display,
        who,
        platform,
        note,
        link,
        logged_on,
    ) = row
    return FollowUpItem(
        id=follow_up_id,
        user_id=user_id,
        due_date=due_date,
        state=FollowUpState(state),
        asked_for=asked_for,
        principle=Principle(principle),
        who=display or who,
        platform=platform,
        note=note,
        link=link,
        logged_on=logged_on,
    )


def take_for_delivery(
    session: Session, *, team_id: str, user_id: str, day: date, delivery_id: int
) -> list[FollowUpItem]:
    """The follow-ups one DM asks about, marked as asked by it (again, on a retry of it)."""
    rows = session.execute(
        select(FollowUp, Connection, Person.display)
        .join(Connection, Connection.id == FollowUp.connection_id)
        .outerjoin(Person, Person.id == Connection.person_id)
        .where(
            FollowUp.team_id == team_id,
            FollowUp.user_id == user_id,
            FollowUp.state == FollowUpState.OPEN.value,
            # On a retry of the same DM: what it asked about before, unless moved on since.
            or_(
                and_(FollowUp.delivery_id == delivery_id, FollowUp.ask_on.is_(None)),
                FollowUp.ask_on <= day,
            ),
        )
        .order_by(FollowUp.due_date, FollowUp.id)
        .limit(PER_MESSAGE)
    ).all()
    items: list[FollowUpItem] = []
    for follow_up, entry, display in rows:
        if follow_up.ask_on is not None:
            follow_up.ask_on = None
            follow_up.asked_for = follow_up.due_date
            follow_up.delivery_id = delivery_id
            follow_up.asks += 1
        items.append(
            _item(
                (
                    follow_up.id,
                    follow_up.user_id,
                    follow_up.due_date,
                    follow_up.state,
                    follow_up.asked_for,
                    entry.principle,
                    display,
                    entry.who,
                    entry.platform,
                    entry.note,
                    entry.link,
                    entry.local_date,
                )
            )
        )
    session.flush()
    return items


def ask_undelivered_again(session: Session, *, team_id: str, delivery_id: int, day: date) -> int:
    """The follow-ups a DM asked about, when that DM never reached its member: still open ones
    are asked about again from `day`, and the ask that never arrived is not counted."""
    result = session.execute(
        update(FollowUp)
        .where(
            FollowUp.team_id == team_id,
            FollowUp.delivery_id == delivery_id,
            FollowUp.state == FollowUpState.OPEN.value,
            FollowUp.ask_on.is_(None),
        )
        .values(
            ask_on=day,
            delivery_id=None,
            asks=case((FollowUp.asks > 0, FollowUp.asks - 1), else_=0),
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def items_of_delivery(session: Session, *, team_id: str, delivery_id: int) -> list[FollowUpItem]:
    """Every follow-up one DM asked about, as each stands now."""
    rows = session.execute(
        _items_query()
        .where(FollowUp.team_id == team_id, FollowUp.delivery_id == delivery_id)
        .order_by(FollowUp.due_date, FollowUp.id)
    ).all()
    return [_item(row) for row in rows]


def follow_up_of(session: Session, *, team_id: str, follow_up_id: int) -> FollowUp | None:
    """The team's follow-up row by id, or None."""
    row = session.get(FollowUp, follow_up_id)
    return row if row is not None and row.team_id == team_id else None


def answer_follow_up(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    follow_up_id: int,
    asked_for: date | None,
    answer: Answer,
    now: datetime,
    today: date,
) -> Answered:
    """Record one click, once: a conditional update, so two clicks (or two processes) can't both.

    `asked_for` is the due date the clicked message asked about: a click on an older message
    after "Still waiting" moved the follow-up on changes nothing.
    """
    row = follow_up_of(session, team_id=team_id, follow_up_id=follow_up_id)
    if row is None:
        return Answered(AnswerStatus.GONE, None, answer)
    if row.user_id != user_id:
        return Answered(AnswerStatus.NOT_YOURS, None, answer)
    current = FollowUp.due_date == asked_for if asked_for is not None else FollowUp.id.is_not(None)
    where = (
        FollowUp.id == follow_up_id,
        FollowUp.team_id == team_id,
        FollowUp.state == FollowUpState.OPEN.value,
        current,
    )
    if answer is Answer.WAITING:
        again = ask_again(today=today)
        values: dict[str, object] = {"due_date": again, "ask_on": again}
    else:
        state = FollowUpState.REPLIED if answer is Answer.REPLIED else FollowUpState.NO_REPLY
        values = {"state": state.value, "answered_at": now, "answered_on": today, "ask_on": None}
    changed = session.execute(
        update(FollowUp).where(*where).values(values).execution_options(synchronize_session=False)
    )
    session.expire(row)
    done = int(getattr(changed, "rowcount", 0) or 0) == 1
    found = session.execute(_items_query().where(FollowUp.id == follow_up_id)).one()
    item = _item(found)
    if done:
        return Answered(AnswerStatus.DONE, item, answer)
    if item.state is not FollowUpState.OPEN:
        return Answered(AnswerStatus.ALREADY_ANSWERED, item, answer)
    return Answered(AnswerStatus.ALREADY_MOVED, item, answer)


def _open_query(whose: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    return (
        _items_query()
        .where(
            FollowUp.team_id == bindparam("team_id"),
            whose,
            FollowUp.state == FollowUpState.OPEN.value,
        )
        .order_by(FollowUp.due_date, FollowUp.id)
        .limit(bindparam("limit"))
    )


#: Open follow-ups, soonest first: one member's (ix_followups_member), or those on some people.
#: Built once: every App Home reads the first, and building it cost more than running it.
_OPEN_OF_MEMBER = _open_query(FollowUp.user_id == bindparam("user_id"))
_OPEN_ON_PEOPLE = _open_query(Connection.person_id.in_(bindparam("person_ids", expanding=True)))


def open_follow_ups(
    session: Session, *, team_id: str, user_id: str, limit: int = 5
) -> list[FollowUpItem]:
    """The member's open follow-ups, soonest first: who they are waiting on."""
    parameters = {"team_id": team_id, "user_id": user_id, "limit": limit}
    return [_item(row) for row in plain_rows(session, _OPEN_OF_MEMBER, parameters)]


def open_follow_ups_on(
    session: Session, *, team_id: str, person_ids: Sequence[int], limit: int = 5
) -> list[FollowUpItem]:
    """Anyone's open follow-ups on these people (one person and its merged handles)."""
    if not person_ids:
        return []
    parameters = {"team_id": team_id, "person_ids": list(person_ids), "limit": limit}
    return [_item(row) for row in plain_rows(session, _OPEN_ON_PEOPLE, parameters)]


def _answered_query(*, teams: bool = False) -> Select[*tuple[Any, ...]]:
    """The answered follow-ups of one team (`team_id`) or, first column the team, of several
    (`team_ids`)."""
    root = func.coalesce(Person.merged_into, Person.id)
    columns = (FollowUp.id, FollowUp.state, root, Connection.principle, Connection.platform)
    whose = (
        FollowUp.team_id.in_(bindparam("team_ids", expanding=True))
        if teams
        else FollowUp.team_id == bindparam("team_id")
    )
    return (
        select(*((FollowUp.team_id, *columns) if teams else columns))
        .join(Connection, Connection.id == FollowUp.connection_id)
        .outerjoin(Person, Person.id == Connection.person_id)
        .where(
            whose,
            FollowUp.answered_on.between(bindparam("start"), bindparam("end")),
            FollowUp.state != FollowUpState.OPEN.value,
        )
    )


#: The follow-ups answered in a span, each with whom (as merged) and the entry's kind. Built
#: once: every digest reads it, and for a small team building it cost more than running it.
_ANSWERED = _answered_query()
_ANSWERED_BY = _ANSWERED.where(FollowUp.user_id.in_(bindparam("user_ids", expanding=True)))
_ANSWERED_OF = _answered_query(teams=True)


def reply_rates_between(
    session: Session,
    *,
    team_id: str,
    start: date,
    end: date,
    user_ids: Sequence[str] | None = None,
) -> ReplyRates:
    """Reply rates over the follow-ups answered from `start` to `end` (the members' own days)."""
    parameters: dict[str, object] = {"team_id": team_id, "start": start, "end": end}
    if user_ids is not None:
        parameters["user_ids"] = list(user_ids)
    query = _ANSWERED if user_ids is None else _ANSWERED_BY
    return reply_rates([_answered(*row) for row in plain_rows(session, query, parameters)])


def reply_rates_of(
    session: Session, *, team_ids: Sequence[str], start: date, end: date
) -> dict[str, ReplyRates]:
    """reply_rates_between for several teams over the same dates, in one statement."""
    answers: dict[str, list[AnsweredFollowUp]] = {team_id: [] for team_id in team_ids}
    parameters = {"team_ids": list(team_ids), "start": start, "end": end}
    for team_id, *row in plain_rows(session, _ANSWERED_OF, parameters):
        answers[team_id].append(_answered(*row))
    return {team_id: reply_rates(found) for team_id, found in answers.items()}


def _answered(
    follow_up_id: int, state: str, person: int | None, principle: str, platform: str | None
) -> AnsweredFollowUp:
    return AnsweredFollowUp(
        person=("person", person) if person is not None else ("followup", follow_up_id),
        replied=state == FollowUpState.REPLIED.value,
        principle=Principle(principle),
        platform=platform or "",
    )


def set_followups_enabled(member: Member, *, enabled: bool) -> None:
    """Whether the member is asked about their follow-ups."""
    member.followups_enabled = enabled


def drop_follow_up_of(session: Session, *, connection_id: int) -> None:
    """Delete the follow-up of an entry that is being deleted."""
    row = session.scalar(select(FollowUp).where(FollowUp.connection_id == connection_id))
    if row is not None:
        session.delete(row)
        session.flush()
