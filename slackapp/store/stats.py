"""A member's personal progress and the team's goal streaks, and the per-day counts digests read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, func, select, true
from sqlalchemy.orm import Session

from slackapp.domain.calendar import WorkDays, week_start
from slackapp.domain.entries import SavedConnection
from slackapp.domain.progress import MemberStats
from slackapp.domain.streaks import (
    Streaks,
    compute_streaks,
    current_streak,
    streak_as_of,
    work_days_between,
)
from slackapp.domain.team_settings import mask_from_work_days
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, Principle, zero_counts
from slackapp.store.connections import saved_connection
from slackapp.store.db import plain_rows
from slackapp.store.models import MEMBER_DAY_PRINCIPLES, Connection, MemberDay, Team

#: How far back `team_member_streaks` looks first. Only the people whose streak fills that
#: window are read further back, over a window STREAK_WIDENING times longer each time, so a
#: team's query stays small however old the team or long the streak.
STREAK_LOOKBACK_DAYS = 14
STREAK_WIDENING = 4


#: How far back the kept runs are read: today and the seven days before it. Those seven hold
#: every weekday, so whoever last met the goal (or logged) before them let a work day go by and
#: has no streak now; a team working one day a week carries a streak from a week ago.
_KEPT_LOOKBACK_DAYS = 8

#: The widening look-back stops past this many days (a century: all there is to read).
_HISTORY_DAYS = 36_525


def daily_counts(
    session: Session, *, team_id: str, user_id: str, until: date | None = None
) -> dict[date, int]:
    """Count a member's connections per local date, up to and including `until` (or all)."""
    query = select(MemberDay.local_date, MemberDay.count).where(
        MemberDay.team_id == team_id, MemberDay.user_id == user_id
    )
    if until is not None:
        query = query.where(MemberDay.local_date <= until)
    return {day: int(n) for day, n in plain_rows(session, query) if n}


#: Each principle's count summed over member days, in PRINCIPLE_ORDER.
_PRINCIPLE_SUMS = tuple(func.sum(column) for column in MEMBER_DAY_PRINCIPLES)

_WEEK_COUNTS = select(*_PRINCIPLE_SUMS).where(
    MemberDay.team_id == bindparam("team_id"),
    MemberDay.user_id == bindparam("user_id"),
    MemberDay.local_date.between(bindparam("start"), bindparam("end")),
)


def _member_principle_counts(
    session: Session, *, team_id: str, user_id: str, start: date, end: date
) -> dict[Principle, int]:
    parameters = {"team_id": team_id, "user_id": user_id, "start": start, "end": end}
    row = plain_rows(session, _WEEK_COUNTS, parameters).one()
    return principle_counts([row])


def principle_counts(rows: Iterable[Sequence[Any]]) -> dict[Principle, int]:
    """Each principle's total over rows of counts in PRINCIPLE_ORDER (NULL counts as 0)."""
    counts = zero_counts()
    for row in rows:
        for principle, n in zip(PRINCIPLE_ORDER, row, strict=True):
            counts[principle] += int(n or 0)
    return counts


def _recent_entries_query() -> Select[*tuple[Any, ...]]:
    return (
        select(*Connection.__table__.c)
        .where(
            Connection.team_id == bindparam("team_id"),
            Connection.user_id == bindparam("user_id"),
        )
        .order_by(Connection.created_at.desc(), Connection.id.desc())
        .limit(bindparam("limit"))
    )


_RECENT_ENTRIES = _recent_entries_query()


def _recent_entries(
    session: Session, *, team_id: str, user_id: str, limit: int
) -> tuple[SavedConnection, ...]:
    if limit == 0:  # /mystats shows none: no round trip to find that out
        return ()
    # Plain rows: the ORM's identity map and loading cost more than the ten rows themselves.
    parameters = {"team_id": team_id, "user_id": user_id, "limit": limit}
    return tuple(saved_connection(row) for row in plain_rows(session, _RECENT_ENTRIES, parameters))


def member_stats(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    today: date,
    daily_goal: int,
    work_days: WorkDays,
    recent_limit: int = 10,
) -> MemberStats:
    """Gather a member's progress as of `today`, their own calendar date."""
    if recent_limit < 0:
        raise ValueError("recent_limit cannot be negative")
    goal = max(daily_goal, 1)
    kept = _kept_progress(
        session, team_id=team_id, user_id=user_id, today=today, goal=goal, work_days=work_days
    )
    start = week_start(today)
    if kept is not None:
        streaks, per_day, total_all_time, recent = kept
        # The week began at most six days ago, within the eight days the kept days cover.
        week_counts = principle_counts(counts for day, counts in recent.items() if day >= start)
    else:
        # Every day the member logged, once: their days up to today and, summed, their
        # all-time total (the per-day counts hold every entry, as the per-principle totals do).
        every_day = daily_counts(session, team_id=team_id, user_id=user_id)
        per_day = {day: n for day, n in every_day.items() if day <= today}
        streaks = compute_streaks(per_day, today=today, daily_goal=daily_goal, work_days=work_days)
        total_all_time = sum(every_day.values())
        week_counts = _member_principle_counts(
            session, team_id=team_id, user_id=user_id, start=start, end=today
        )
    # min() keeps the first of equal values, so ties fall to the display order.
    least_used = min(PRINCIPLE_ORDER, key=lambda principle: week_counts[principle])
    last_7_days = tuple(
        (day, per_day.get(day, 0))
        for day in (today - timedelta(days=back) for back in range(6, -1, -1))
    )
    return MemberStats(
        user_id=user_id,
        today=today,
        today_count=per_day.get(today, 0),
        daily_goal=daily_goal,
        streaks=streaks,
        week_counts=MappingProxyType(week_counts),
        least_used=least_used,
        last_7_days=last_7_days,
        recent=_recent_entries(session, team_id=team_id, user_id=user_id, limit=recent_limit),
        total_all_time=total_all_time,
    )


#: The goal and work days the team's kept runs follow (store.tallies keeps them).
_BASIS = select(Team.streak_goal, Team.streak_days_mask).where(Team.team_id == bindparam("team_id"))


def _follows(
    basis: tuple[int | None, int | None] | None, *, goal: int, work_days: WorkDays
) -> bool:
    """Whether runs kept as of `basis` (store.tallies) follow this goal and these work days."""
    return bool(work_days) and basis == (goal, mask_from_work_days(work_days))


def _progress_query() -> Select[*tuple[Any, ...]]:
    member = (
        MemberDay.team_id == bindparam("team_id"),
        MemberDay.user_id == bindparam("user_id"),
    )
    # The best run up to today is the highest place any day up to today holds in one.
    up_to_today = MemberDay.local_date <= bindparam("today")
    # One row whatever the member logged: the aggregates, and the settings the runs follow.
    summary = select(
        func.max(case((up_to_today, MemberDay.goal_run), else_=0)).label("best_goal"),
        func.max(case((up_to_today, MemberDay.active_run), else_=0)).label("best_active"),
        func.sum(MemberDay.count).label("total"),
        _BASIS.with_only_columns(Team.streak_goal).scalar_subquery().label("basis_goal"),
        _BASIS.with_only_columns(Team.streak_days_mask).scalar_subquery().label("basis_mask"),
    ).where(*member)
    days = select(
        MemberDay.local_date,
        MemberDay.count,
        MemberDay.goal_run,
        MemberDay.active_run,
        *MEMBER_DAY_PRINCIPLES,
    ).where(*member, MemberDay.local_date.between(bindparam("since"), bindparam("today")))
    # The summary beside each recent day, in one statement (one round trip, one moment): at
    # least the summary's row, with empty days when the member logged none lately.
    first, recent = summary.subquery("summary"), days.subquery("days")
    return (
        select(*first.c, *recent.c)
        .select_from(first.outerjoin(recent, true()))
        .order_by(recent.c.local_date)
    )


_PROGRESS = _progress_query()


def _kept_progress(
    session: Session, *, team_id: str, user_id: str, today: date, goal: int, work_days: WorkDays
) -> tuple[Streaks, dict[date, int], int, dict[date, tuple[int, ...]]] | None:
    """A member's streaks, last eight days (their counts, and each principle's in
    PRINCIPLE_ORDER) and all-time total from the kept runs, without reading their whole
    history; None when the runs follow other settings."""
    since = today - timedelta(days=_KEPT_LOOKBACK_DAYS - 1)
    parameters = {"team_id": team_id, "user_id": user_id, "today": today, "since": since}
    rows = plain_rows(session, _PROGRESS, parameters).all()
    best_goal, best_active, total, basis_goal, basis_mask = rows[0][:5]
    if not _follows((basis_goal, basis_mask), goal=goal, work_days=work_days):
        return None
    per_day: dict[date, int] = {}
    recent: dict[date, tuple[int, ...]] = {}
    latest_goal: tuple[date, int] | None = None
    latest_active: tuple[date, int] | None = None
    for row in rows:
        day, count, goal_run, active_run = row[5:9]
        if day is None:  # no day lately: the summary's row alone
            continue
        recent[day] = tuple(row[9:])
        if count:
            per_day[day] = int(count)
        if goal_run:
            latest_goal = (day, int(goal_run))
        if active_run:
            latest_active = (day, int(active_run))
    streaks = Streaks(
        goal_streak=_streak(latest_goal, today=today, work_days=work_days),
        active_streak=_streak(latest_active, today=today, work_days=work_days),
        best_goal_streak=int(best_goal or 0),
        best_active_streak=int(best_active or 0),
    )
    return streaks, per_day, int(total or 0), recent


def _streak(latest: tuple[date, int] | None, *, today: date, work_days: WorkDays) -> int:
    if latest is None:
        return 0
    return streak_as_of(latest[0], latest[1], today=today, work_days=work_days)


def zero_days(start: date, end: date) -> dict[date, dict[Principle, int]]:
    # Zero-filled so a chart gets one bar per day, quiet days included.
    return {
        start + timedelta(days=offset): zero_counts() for offset in range((end - start).days + 1)
    }


def team_member_streaks(
    session: Session,
    *,
    team_id: str,
    today: date,
    daily_goal: int,
    work_days: WorkDays,
    limit: int = 5,
    lookback_days: int = STREAK_LOOKBACK_DAYS,
) -> tuple[tuple[str, int], ...]:
    """List the team's longest current goal streaks as (user_id, streak), longest first."""
    if limit < 0 or lookback_days < 1:
        raise ValueError("limit cannot be negative and lookback_days must be at least 1")
    goal = max(daily_goal, 1)
    found = _kept_streaks(session, team_id=team_id, today=today, goal=goal, work_days=work_days)
    if found is None:
        found = _walked_streaks(
            session,
            team_id=team_id,
            today=today,
            goal=goal,
            work_days=work_days,
            lookback_days=lookback_days,
        )
    return _longest(found, limit=limit)


def _longest(found: dict[str, int], *, limit: int) -> tuple[tuple[str, int], ...]:
    streaks = [(user_id, streak) for user_id, streak in found.items() if streak > 0]
    streaks.sort(key=lambda item: (-item[1], item[0]))
    return tuple(streaks[:limit])


#: _KEPT_STREAKS for several teams with one goal: each team's settings beside its members'
#: days that met the goal lately (a row of settings alone for a team where nobody did).
_KEPT_STREAKS_OF = (
    select(
        Team.streak_goal,
        Team.streak_days_mask,
        MemberDay.user_id,
        MemberDay.local_date,
        MemberDay.goal_run,
        Team.team_id,  # last: each row goes to _streaks_from as it comes
    )
    .select_from(Team)
    .outerjoin(
        MemberDay,
        and_(
            MemberDay.team_id == Team.team_id,
            MemberDay.local_date.between(bindparam("since"), bindparam("today")),
            MemberDay.count >= bindparam("goal"),
        ),
    )
    .where(Team.team_id.in_(bindparam("team_ids", expanding=True)))
)


def member_streaks_of(
    session: Session,
    *,
    today: date,
    teams: Mapping[str, tuple[int, WorkDays]],
    limit: int = 5,
) -> dict[str, tuple[tuple[str, int], ...]]:
    """team_member_streaks for several teams as of the same day: one statement for the teams
    sharing a goal whose kept runs follow their settings, the others one by one."""
    by_goal: dict[int, list[str]] = {}
    for team_id, (daily_goal, _) in teams.items():
        by_goal.setdefault(max(daily_goal, 1), []).append(team_id)
    since = today - timedelta(days=_KEPT_LOOKBACK_DAYS - 1)
    found: dict[str, tuple[tuple[str, int], ...]] = {}
    for goal, team_ids in by_goal.items():
        parameters = {"team_ids": team_ids, "since": since, "today": today, "goal": goal}
        rows_of: dict[str, list[Sequence[Any]]] = {}
        for row in plain_rows(session, _KEPT_STREAKS_OF, parameters):
            rows_of.setdefault(row[-1], []).append(row)
        for team_id in team_ids:
            daily_goal, work_days = teams[team_id]
            kept = _streaks_from(
                rows_of.get(team_id, []), today=today, goal=goal, work_days=work_days
            )
            if kept is None:
                found[team_id] = team_member_streaks(
                    session,
                    team_id=team_id,
                    today=today,
                    daily_goal=daily_goal,
                    work_days=work_days,
                    limit=limit,
                )
            else:
                found[team_id] = _longest(kept, limit=limit)
    return found


def _kept_streaks_query() -> Select[*tuple[Any, ...]]:
    basis = _BASIS.subquery("basis")
    met = select(MemberDay.user_id, MemberDay.local_date, MemberDay.goal_run).where(
        MemberDay.team_id == bindparam("team_id"),
        MemberDay.local_date.between(bindparam("since"), bindparam("today")),
        MemberDay.count >= bindparam("goal"),
    )
    # The settings the runs follow beside every day someone met the goal lately, in one
    # statement: a row of settings and no days when nobody did, no rows without a team row.
    days = met.subquery("days")
    return select(*basis.c, *days.c).select_from(basis.outerjoin(days, true()))


#: Who met the goal on which of the last eight days (ix_member_days_team_day), and the
#: goal and work days the kept runs follow.
_KEPT_STREAKS = _kept_streaks_query()


def _kept_streaks(
    session: Session, *, team_id: str, today: date, goal: int, work_days: WorkDays
) -> dict[str, int] | None:
    """Streaks from the maintained goal runs: each member's latest goal day of the last eight
    days carries its run. None when the runs follow another goal or other work days."""
    since = today - timedelta(days=_KEPT_LOOKBACK_DAYS - 1)
    parameters = {"team_id": team_id, "since": since, "today": today, "goal": goal}
    rows = plain_rows(session, _KEPT_STREAKS, parameters).all()
    return _streaks_from(rows, today=today, goal=goal, work_days=work_days)


def _streaks_from(
    rows: Sequence[Sequence[Any]], *, today: date, goal: int, work_days: WorkDays
) -> dict[str, int] | None:
    """Each member's streak from (goal, mask, user, day, run, …) rows: the settings the runs
    follow beside the days members met the goal lately. None when they follow other settings
    (or there is no team row)."""
    basis = (rows[0][0], rows[0][1]) if rows else None
    if not _follows(basis, goal=goal, work_days=work_days):
        return None
    latest: dict[str, tuple[date, int]] = {}
    for row in rows:
        user_id, day = row[2], row[3]
        if user_id is not None and (user_id not in latest or day > latest[user_id][0]):
            latest[user_id] = (day, row[4])
    return {
        user_id: streak_as_of(day, run, today=today, work_days=work_days)
        for user_id, (day, run) in latest.items()
    }


def _walked_streaks(
    session: Session,
    *,
    team_id: str,
    today: date,
    goal: int,
    work_days: WorkDays,
    lookback_days: int,
) -> dict[str, int]:
    """Streaks from the member days themselves, walking back as far as the longest one goes."""
    found: dict[str, int] = {}
    # Only days that met the goal matter to a goal streak, so the database drops the rest: one
    # maintained row per member and day, read from the index alone.
    wider: list[str] | None = None  # None: everyone on the team
    days_back = lookback_days
    while wider is None or wider:
        since = today - timedelta(days=days_back - 1)
        query = select(MemberDay.user_id, MemberDay.local_date).where(
            MemberDay.team_id == team_id,
            MemberDay.local_date.between(since, today),
            MemberDay.count >= goal,
        )
        if wider is not None:
            query = query.where(MemberDay.user_id.in_(wider))
        goal_days: dict[str, list[date]] = {}
        for user_id, day in plain_rows(session, query):
            goal_days.setdefault(user_id, []).append(day)
        # A streak that fills the whole window may have begun before it: those few people are
        # read again over a longer window, so a long streak is never cut to a window's length.
        window_work_days = work_days_between(since, today - timedelta(days=1), work_days=work_days)
        wider = []
        for user_id, days in goal_days.items():
            streak = current_streak(days, today=today, work_days=work_days)
            found[user_id] = streak
            if streak >= window_work_days and days_back < _HISTORY_DAYS:
                wider.append(user_id)
        days_back *= STREAK_WIDENING
    return found
