"""The team leaderboard: who logged the most connections in a period, and the team's progress."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import QueryableAttribute, Session

from slackapp.domain.board import BoardRow, Leaderboard
from slackapp.domain.calendar import Period, Window, WorkDays, local_date, zone
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, Principle
from slackapp.domain.windows import Span, member_goal, member_span, month_end
from slackapp.store.db import plain_rows
from slackapp.store.models import (
    DAY_PRINCIPLE_COLUMNS,
    MEMBER_DAY_PRINCIPLES,
    Member,
    MemberDay,
    MemberMonth,
    MemberTotal,
)


def _name_key(display_name: str | None) -> tuple[bool, str]:
    # Named people first, alphabetically without regard to case; unnamed ones after them.
    return (display_name is None, (display_name or "").casefold())


#: The team's first day with anything logged: the first entry of ix_member_days_team_day.
_FIRST_LOGGED_DAY = select(func.min(MemberDay.local_date)).where(
    MemberDay.team_id == bindparam("team_id"), MemberDay.count > 0
)


def _first_logged_day(session: Session, *, team_id: str) -> date | None:
    # Prebuilt and run on the connection: through the ORM, building and running this one
    # value cost a third of the all-time board's time on PostgreSQL.
    return plain_rows(session, _FIRST_LOGGED_DAY, {"team_id": team_id}).scalar()


_MEMBERS = select(Member.user_id, Member.display_name, Member.timezone).where(
    Member.team_id == bindparam("team_id")
)


@dataclass(frozen=True, slots=True)
class _Person:
    display_name: str | None
    today: date


def _people(
    session: Session, *, team_id: str, now: datetime | None, team_zone: str, team_today: date
) -> dict[str, _Person]:
    """Every member with their own today (the team's when their zone is unknown)."""
    rows = plain_rows(session, _MEMBERS, {"team_id": team_id})
    return _people_from(rows, now=now, team_zone=team_zone, team_today=team_today)


def _people_from(
    rows: Iterable[Sequence[Any]], *, now: datetime | None, team_zone: str, team_today: date
) -> dict[str, _Person]:
    """(user, name, zone) rows as members with their own today."""
    people: dict[str, _Person] = {}
    # Members share a handful of zones: each zone's today is worked out once.
    todays: dict[str, date] = {}
    for user_id, display_name, timezone in rows:
        today = team_today
        if now is not None and timezone:
            today = todays.get(timezone) or todays.setdefault(
                timezone, local_date(now, zone(timezone, fallback=team_zone))
            )
        people[user_id] = _Person(display_name=display_name, today=today)
    return people


def _span_for(period: Period, *, live: bool, member_today: date) -> Span:
    if not live:
        return Span(period.start, period.end)  # fixed dates, the same for everyone
    return member_span(period.window, team_today=period.end, member_today=member_today)


#: Each principle's count as a column of its own: one row per member instead of one per
#: member and principle, and no principle names to turn back into Principles.
_PIVOT = tuple(PRINCIPLE_ORDER)


def _per_principle(
    count: ColumnElement[int] | QueryableAttribute[int],
    principle: ColumnElement[str] | QueryableAttribute[str],
) -> list[Any]:
    return [
        func.sum(case((principle == kind.value, count), else_=0)).label(kind.value)
        for kind in _PIVOT
    ]


#: A member's days summed: each principle's count over them (member_days keeps them apart).
_DAY_SUMS = tuple(func.sum(column).label(column.key) for column in MEMBER_DAY_PRINCIPLES)

_ALL_TIME = (
    select(MemberTotal.user_id, *_per_principle(MemberTotal.count, MemberTotal.principle))
    .where(MemberTotal.team_id == bindparam("team_id"))
    .group_by(MemberTotal.user_id)
)
_COUNTED = select(MemberDay.user_id, *_DAY_SUMS)
#: One range of dates for everyone (always so for week and month), built once: a row per member
#: and day from ix_member_days_team_day.
_IN_RANGE = _COUNTED.where(
    MemberDay.team_id == bindparam("team_id"),
    MemberDay.local_date.between(bindparam("start"), bindparam("end")),
).group_by(MemberDay.user_id)


def _month_to_date() -> Select[*tuple[Any, ...]]:
    kept = union_all(
        select(MemberMonth.user_id, *_per_principle(MemberMonth.count, MemberMonth.principle))
        .where(MemberMonth.team_id == bindparam("team_id"), MemberMonth.month == bindparam("month"))
        .group_by(MemberMonth.user_id),
        # Less the month's days after the span (none, unless someone logged ahead).
        select(MemberDay.user_id, *(-column for column in MEMBER_DAY_PRINCIPLES)).where(
            MemberDay.team_id == bindparam("team_id"),
            MemberDay.local_date > bindparam("end"),
            MemberDay.local_date <= bindparam("month_end"),
        ),
    ).subquery()
    return select(
        kept.c.user_id, *(func.sum(kept.c[name]) for name in DAY_PRINCIPLE_COLUMNS)
    ).group_by(kept.c.user_id)


#: A span from the first of a month to a day in it: the month's kept counts (one row per
#: member and principle, ix_member_months_team_month) less the days after the span.
_MONTH_TO_DATE = _month_to_date()


def _in_range(start: date, end: date) -> tuple[Select[*tuple[Any, ...]], dict[str, Any]]:
    """The statement and parameters that count `start` to `end` for every member."""
    if start.day == 1 and start <= end and (end.year, end.month) == (start.year, start.month):
        last = month_end(start)
        # The month's rows when the days after the span are fewer than those in it.
        if (last - end).days < (end - start).days + 1:
            return _MONTH_TO_DATE, {"month": start, "end": end, "month_end": last}
    return _IN_RANGE, {"start": start, "end": end}


#: Windows that are the same dates for every member, whatever their own today.
_SHARED_WINDOWS = frozenset({Window.WEEK, Window.MONTH})


def _counts(
    session: Session,
    *,
    team_id: str,
    period: Period,
    live: bool,
    people: dict[str, _Person],
) -> Iterator[tuple[str, tuple[int, ...]]]:
    """(user, counts in PRINCIPLE_ORDER) over each member's own days in the window."""
    if live and period.window is Window.ALL:
        rows = plain_rows(session, _ALL_TIME, {"team_id": team_id})
    else:
        # Members sharing a today share a span: at most a few groups, each one range scan.
        by_span: dict[Span, list[str]] = {}
        default = _span_for(period, live=live, member_today=period.end)
        if period.window not in _SHARED_WINDOWS:
            for user_id, person in people.items():
                span = _span_for(period, live=live, member_today=person.today)
                by_span.setdefault(span, []).append(user_id)
        if not by_span or list(by_span) == [default]:
            # One span for everyone, members and anyone else alike: no list of members needed.
            span = default
            if span.start is not None and span.end is not None:
                statement, parameters = _in_range(span.start, span.end)
                rows = plain_rows(session, statement, {"team_id": team_id, **parameters})
            else:
                rows = plain_rows(
                    session,
                    _COUNTED.where(MemberDay.team_id == team_id, _within(span)).group_by(
                        MemberDay.user_id
                    ),
                )
        else:
            where = or_(
                *(
                    and_(MemberDay.user_id.in_(users), _within(span))
                    for span, users in by_span.items()
                ),
                # Someone who logged before we knew them reads as being on the team's day.
                and_(MemberDay.user_id.not_in(list(people)), _within(default)),
            )
            rows = plain_rows(
                session,
                _COUNTED.where(MemberDay.team_id == team_id, where).group_by(MemberDay.user_id),
            )
    for user_id, *counts in rows:
        yield user_id, tuple(int(n or 0) for n in counts)


def _within(span: Span) -> ColumnElement[bool]:
    if span.start is None:
        return MemberDay.local_date <= span.end if span.end is not None else true()
    if span.end is None:
        return MemberDay.local_date >= span.start
    return MemberDay.local_date.between(span.start, span.end)


def _counted_alone(
    period: Period, *, live: bool
) -> tuple[Select[*tuple[Any, ...]], dict[str, Any]] | None:
    """The prebuilt statement and parameters that count `period` for everyone when no member's
    own today changes what they count (a live board's all time, week or month, or fixed
    dates); None when it does, or when the span is open-ended (counted as _counts does)."""
    if live and period.window is Window.ALL:
        return _ALL_TIME, {}
    if live and period.window not in _SHARED_WINDOWS:
        return None
    span = _span_for(period, live=live, member_today=period.end)
    if span.start is None or span.end is None:
        return None
    return _in_range(span.start, span.end)


#: A member row of _with_members (a count row has 0).
_MEMBER_ROW = 1


def _members_beside(
    counted: Select[*tuple[Any, ...]], *, first_day: bool
) -> CompoundSelect[*tuple[Any, ...]]:
    """`counted`'s rows (user, counts…) and the team's members (user, name, zone) in one
    statement, one round trip: (kind, first day, user, name, zone, counts…), a member's counts
    empty. Every row carries the team's first logged day when `first_day` (an all-time board's
    goal starts there), else none."""
    counts = counted.subquery("counts")
    user_id, *sums = counts.c
    first = _FIRST_LOGGED_DAY.scalar_subquery() if first_day else null().cast(Date)
    return union_all(
        select(
            literal(_MEMBER_ROW),
            first,
            *_MEMBERS.selected_columns,
            *(null().cast(Integer) for _ in sums),
        ).where(Member.team_id == bindparam("team_id")),
        select(
            literal(1 - _MEMBER_ROW),
            first,
            user_id,
            null().cast(String),
            null().cast(String),
            *sums,
        ),
    )


#: _members_beside for each prebuilt count statement _counted_alone gives, built once. Keyed by
#: the statements' ids: they live as long as the module, so no other object takes one of them.
_WITH_MEMBERS = {
    (id(counted), first_day): _members_beside(counted, first_day=first_day)
    for counted in (_ALL_TIME, _IN_RANGE, _MONTH_TO_DATE)
    for first_day in (False, True)
}


def _with_members(
    counted: Select[*tuple[Any, ...]], *, first_day: bool
) -> CompoundSelect[*tuple[Any, ...]]:
    """The prebuilt _members_beside of `counted` (KeyError for a statement built per call)."""
    return _WITH_MEMBERS[id(counted), first_day]


def team_leaderboard(
    session: Session,
    *,
    team_id: str,
    period: Period,
    caller_id: str,
    principle: Principle | None = None,
    limit: int = 10,
    daily_goal: int,
    work_days: WorkDays,
    now: datetime | None = None,
    team_zone: str = "UTC",
) -> Leaderboard:
    """Rank the team's members by connections in `period`'s window (optionally one principle).

    `period` is the window as of the team's today (`period.end`). Each member counts their own
    days (see slackapp.domain.windows): pass `now` and the team's zone to place every member in
    their own time zone; without `now` everyone is on the team's day.
    """
    if limit < 0:
        raise ValueError("limit cannot be negative")
    team_today = period.end
    live = now is not None
    counts: Iterable[tuple[str, tuple[int, ...]]]
    alone = _counted_alone(period, live=live)
    if alone is not None:
        # Nobody's own today matters: the members come in the counts' round trip, and so
        # does the team's first day when the board needs it.
        statement, parameters = alone
        members: list[Sequence[Any]] = []
        counted: list[tuple[str, tuple[int, ...]]] = []
        first_day: date | None = None
        rows = plain_rows(
            session,
            _with_members(statement, first_day=period.start is None),
            {"team_id": team_id, **parameters},
        )
        for kind, first, user_id, display_name, timezone, *sums in rows:
            first_day = first
            if kind == _MEMBER_ROW:
                members.append((user_id, display_name, timezone))
            else:
                counted.append((user_id, tuple(int(n or 0) for n in sums)))
        people = _people_from(members, now=now, team_zone=team_zone, team_today=team_today)
        counts = counted
    else:
        people = _people(
            session, team_id=team_id, now=now, team_zone=team_zone, team_today=team_today
        )
        counts = _counts(session, team_id=team_id, period=period, live=live, people=people)
        first_day = _first_logged_day(session, team_id=team_id) if period.start is None else None
    return _board(
        team_id=team_id,
        period=period,
        caller_id=caller_id,
        principle=principle,
        limit=limit,
        daily_goal=daily_goal,
        work_days=work_days,
        live=live,
        people=people,
        counts=counts,
        first_day=first_day,
    )


def _board(
    *,
    team_id: str,
    period: Period,
    caller_id: str,
    principle: Principle | None,
    limit: int,
    daily_goal: int,
    work_days: WorkDays,
    live: bool,
    people: dict[str, _Person],
    counts: Iterable[tuple[str, tuple[int, ...]]],
    first_day: date | None,
) -> Leaderboard:
    """The board from the members and their counts (in PRINCIPLE_ORDER) over the window."""
    team_today = period.end
    counts_by_user: dict[str, tuple[int, ...]] = {}
    team_counts = [0] * len(_PIVOT)
    scores: dict[str, int] = {}
    place = _PIVOT.index(principle) if principle is not None else None
    for user_id, row in counts:
        if not any(row):
            continue
        counts_by_user[user_id] = row
        for index, n in enumerate(row):
            team_counts[index] += n
        score = sum(row) if place is None else row[place]
        if score > 0:
            scores[user_id] = score
    names = {
        user_id: (people[user_id].display_name if user_id in people else None) for user_id in scores
    }
    ranked_ids = sorted(
        scores, key=lambda user_id: (-scores[user_id], _name_key(names[user_id]), user_id)
    )

    def row_of(position: int, rank: int) -> BoardRow:
        user_id = ranked_ids[position]
        return BoardRow(
            rank=rank,
            user_id=user_id,
            display_name=names[user_id],
            total=scores[user_id],
            counts=MappingProxyType(dict(zip(_PIVOT, counts_by_user[user_id], strict=True))),
        )

    # Competition ranking (1, 1, 3): a tie keeps the rank of the first person in it. Rows are
    # built for those shown and the caller below them, not for the whole team.
    shown: list[BoardRow] = []
    caller_row: BoardRow | None = None
    below = caller_id in scores and caller_id not in ranked_ids[:limit]
    rank = 0
    for position, user_id in enumerate(ranked_ids):
        if position >= limit and (not below or caller_row is not None):
            break
        if position == 0 or scores[user_id] != scores[ranked_ids[position - 1]]:
            rank = position + 1
        if position < limit:
            shown.append(row_of(position, rank))
        elif user_id == caller_id:
            caller_row = row_of(position, rank)
    team_by_kind = dict(zip(_PIVOT, team_counts, strict=True))

    # People can log before their profile is cached, so never count fewer members than loggers.
    todays = [person.today for person in people.values()]
    todays += [team_today] * max(0, len(counts_by_user) - len(people))
    goal_by_today: dict[date, int] = {}
    for today in set(todays):
        span = _span_for(period, live=live, member_today=today)
        goal_by_today[today] = member_goal(
            span,
            member_today=today,
            first_day=first_day,
            daily_goal=daily_goal,
            work_days=work_days,
        )
    return Leaderboard(
        team_id=team_id,
        period=period,
        principle=principle,
        rows=tuple(shown),
        caller_row=caller_row,
        team_total=sum(team_counts),
        team_counts=MappingProxyType(team_by_kind),
        team_goal=sum(goal_by_today[today] for today in todays),
        members=len(todays),
    )


def boards_from(
    *,
    period: Period,
    limit: int,
    teams: Mapping[str, tuple[int, WorkDays]],
    names: Mapping[str, Mapping[str, str | None]],
    counts: Mapping[str, Iterable[tuple[str, tuple[int, ...]]]],
) -> dict[str, Leaderboard]:
    """Several teams' boards over `period`'s fixed dates, everyone on their team's day (as
    team_leaderboard without `now`), from what was read for them (store.digests): each team's
    members' names and their counts (in PRINCIPLE_ORDER) over the period.

    `teams` maps each team to its daily goal and work days.
    """
    if period.start is None:
        raise ValueError("boards_from counts fixed dates")
    boards: dict[str, Leaderboard] = {}
    for team_id, (daily_goal, work_days) in teams.items():
        people = {
            user_id: _Person(display_name=name, today=period.end)
            for user_id, name in names.get(team_id, {}).items()
        }
        boards[team_id] = _board(
            team_id=team_id,
            period=period,
            caller_id="",
            principle=None,
            limit=limit,
            daily_goal=daily_goal,
            work_days=work_days,
            live=False,
            people=people,
            counts=counts.get(team_id, ()),
            first_day=None,
        )
    return boards
