"""The team leaderboard: who logged the most connections in a period, and the team's progress."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
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
    true,
    union_all,
)
from sqlalchemy.orm import QueryableAttribute, Session

from slackapp.domain.board import BoardRow, Leaderboard
from slackapp.domain.calendar import Period, Window, WorkDays, local_date, zone
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, Principle, zero_counts
from slackapp.domain.windows import Span, member_goal, member_span, month_end
from slackapp.store.db import plain_rows
from slackapp.store.models import DailyTally, Member, MemberMonth, MemberTotal


def _name_key(display_name: str | None) -> tuple[bool, str]:
    # Named people first, alphabetically without regard to case; unnamed ones after them.
    return (display_name is None, (display_name or "").casefold())


#: The team's first day with anything logged: the first entry of ix_daily_tallies_team_day.
_FIRST_LOGGED_DAY = select(func.min(DailyTally.local_date)).where(
    DailyTally.team_id == bindparam("team_id"), DailyTally.count > 0
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
    people: dict[str, _Person] = {}
    # Members share a handful of zones: each zone's today is worked out once.
    todays: dict[str, date] = {}
    for user_id, display_name, timezone in plain_rows(session, _MEMBERS, {"team_id": team_id}):
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
    return [func.sum(case((principle == kind.value, count), else_=0)) for kind in _PIVOT]


_ALL_TIME = (
    select(MemberTotal.user_id, *_per_principle(MemberTotal.count, MemberTotal.principle))
    .where(MemberTotal.team_id == bindparam("team_id"))
    .group_by(MemberTotal.user_id)
)
_COUNTED = select(DailyTally.user_id, *_per_principle(DailyTally.count, DailyTally.principle))
#: One range of dates for everyone (always so for week and month), built once.
_IN_RANGE = _COUNTED.where(
    DailyTally.team_id == bindparam("team_id"),
    DailyTally.local_date.between(bindparam("start"), bindparam("end")),
).group_by(DailyTally.user_id)


def _month_to_date() -> Select[*tuple[Any, ...]]:
    kept = union_all(
        select(MemberMonth.user_id, MemberMonth.principle, MemberMonth.count).where(
            MemberMonth.team_id == bindparam("team_id"), MemberMonth.month == bindparam("month")
        ),
        # Less the month's days after the span (none, unless someone logged ahead).
        select(DailyTally.user_id, DailyTally.principle, -DailyTally.count).where(
            DailyTally.team_id == bindparam("team_id"),
            DailyTally.local_date > bindparam("end"),
            DailyTally.local_date <= bindparam("month_end"),
        ),
    ).subquery()
    return select(kept.c.user_id, *_per_principle(kept.c.count, kept.c.principle)).group_by(
        kept.c.user_id
    )


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
        if len(by_span) <= 1:
            # One span for everyone: no list of members needed.
            span = next(iter(by_span), default)
            if span.start is not None and span.end is not None:
                statement, parameters = _in_range(span.start, span.end)
                rows = plain_rows(session, statement, {"team_id": team_id, **parameters})
            else:
                rows = plain_rows(
                    session,
                    _COUNTED.where(DailyTally.team_id == team_id, _within(span)).group_by(
                        DailyTally.user_id
                    ),
                )
        else:
            where = or_(
                *(
                    and_(DailyTally.user_id.in_(users), _within(span))
                    for span, users in by_span.items()
                ),
                # Someone who logged before we knew them reads as being on the team's day.
                and_(DailyTally.user_id.not_in(list(people)), _within(default)),
            )
            rows = plain_rows(
                session,
                _COUNTED.where(DailyTally.team_id == team_id, where).group_by(DailyTally.user_id),
            )
    for user_id, *counts in rows:
        yield user_id, tuple(int(n or 0) for n in counts)


def _within(span: Span) -> ColumnElement[bool]:
    if span.start is None:
        return DailyTally.local_date <= span.end if span.end is not None else true()
    if span.end is None:
        return DailyTally.local_date >= span.start
    return DailyTally.local_date.between(span.start, span.end)


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
    people = _people(session, team_id=team_id, now=now, team_zone=team_zone, team_today=team_today)
    live = now is not None
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
    counts_by_user: dict[str, dict[Principle, int]] = {}
    team_counts = zero_counts()
    for user_id, row in counts:
        if not any(row):
            continue
        counts_by_user[user_id] = dict(zip(_PIVOT, row, strict=True))
        for kind, n in zip(_PIVOT, row, strict=True):
            team_counts[kind] += n
    names = {
        user_id: (people[user_id].display_name if user_id in people else None)
        for user_id in counts_by_user
    }

    def score(user_id: str) -> int:
        by_kind = counts_by_user[user_id]
        return by_kind[principle] if principle is not None else sum(by_kind.values())

    ranked_ids = sorted(
        (user_id for user_id in counts_by_user if score(user_id) > 0),
        key=lambda user_id: (-score(user_id), _name_key(names[user_id]), user_id),
    )
    ranked: list[BoardRow] = []
    for position, user_id in enumerate(ranked_ids):
        total = score(user_id)
        # Competition ranking (1, 1, 3): a tie keeps the rank of the first person in it.
        rank = ranked[-1].rank if ranked and ranked[-1].total == total else position + 1
        ranked.append(
            BoardRow(
                rank=rank,
                user_id=user_id,
                display_name=names[user_id],
                total=total,
                counts=MappingProxyType(counts_by_user[user_id]),
            )
        )

    shown = tuple(ranked[:limit])
    caller_row = next((row for row in ranked[limit:] if row.user_id == caller_id), None)

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
        rows=shown,
        caller_row=caller_row,
        team_total=sum(team_counts.values()),
        team_counts=MappingProxyType(team_counts),
        team_goal=sum(goal_by_today[today] for today in todays),
        members=len(todays),
    )


#: Several teams' members, and their counts over one range of dates: a batch of digests.
_MEMBERS_OF = select(Member.team_id, Member.user_id, Member.display_name).where(
    Member.team_id.in_(bindparam("team_ids", expanding=True))
)
_IN_RANGE_OF = (
    select(
        DailyTally.team_id,
        DailyTally.user_id,
        *_per_principle(DailyTally.count, DailyTally.principle),
    )
    .where(
        DailyTally.team_id.in_(bindparam("team_ids", expanding=True)),
        DailyTally.local_date.between(bindparam("start"), bindparam("end")),
    )
    .group_by(DailyTally.team_id, DailyTally.user_id)
)


def member_names_of(
    session: Session, *, team_ids: Sequence[str]
) -> dict[str, dict[str, str | None]]:
    """Every member's cached display name, for each of several teams (in one statement)."""
    names: dict[str, dict[str, str | None]] = {team_id: {} for team_id in team_ids}
    for team_id, user_id, display_name in plain_rows(
        session, _MEMBERS_OF, {"team_ids": list(team_ids)}
    ):
        names[team_id][user_id] = display_name
    return names


def boards_between(
    session: Session,
    *,
    period: Period,
    limit: int,
    teams: Mapping[str, tuple[int, WorkDays]],
    names: Mapping[str, Mapping[str, str | None]],
) -> dict[str, Leaderboard]:
    """Several teams' boards over `period`'s fixed dates, everyone on their team's day (as
    team_leaderboard without `now`): one statement for all their counts.

    `teams` maps each team to its daily goal and work days; `names` holds their members'
    names (member_names_of).
    """
    if period.start is None:
        raise ValueError("boards_between counts fixed dates")
    parameters = {"team_ids": list(teams), "start": period.start, "end": period.end}
    counts: dict[str, list[tuple[str, tuple[int, ...]]]] = {team_id: [] for team_id in teams}
    for team_id, user_id, *row in plain_rows(session, _IN_RANGE_OF, parameters):
        counts[team_id].append((user_id, tuple(int(n or 0) for n in row)))
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
            counts=counts[team_id],
            first_day=None,
        )
    return boards
