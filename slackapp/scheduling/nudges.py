"""What the daily nudge says: the principle of the day, a tip, how the last work day went.

Reads over a session, for many teams and members at once: a tick sends thousands of nudges, so
each team's last work day is counted once and shared by its channel nudge and every DM, and the
counts for a batch of teams come back from a few grouped queries instead of a few per nudge.
`slackapp.render.nudge` turns these results into messages.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slackapp.domain.nudges import DayTally, MemberNudge, TeamNudge, previous_work_day
from slackapp.domain.streaks import compute_streaks, goal_for_period
from slackapp.domain.team_settings import TeamSettings
from slackapp.domain.tips import (
    daily_question,
    first_steps_line,
    principle_of_the_day,
    tip_for,
    why_it_matters,
)
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, Principle
from slackapp.store.models import Connection, Member
from slackapp.store.team_settings import get_settings

__all__ = [
    "DayTally",
    "MemberNudge",
    "MemberWant",
    "TeamNudge",
    "day_tallies",
    "member_nudge",
    "member_nudges",
    "previous_work_day",
    "team_nudge",
    "team_nudges",
]

TeamDay = tuple[str, date]


@dataclass(frozen=True, slots=True)
class MemberWant:
    """A DM nudge to compose: the member, their team's settings and their own local day."""

    settings: TeamSettings
    user_id: str
    day: date


def _in_chunks(items: Collection[str], size: int = 500) -> Iterable[list[str]]:
    ordered = sorted(items)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def day_tallies(
    session: Session, *, wants: Iterable[tuple[TeamSettings, date]]
) -> dict[TeamDay, DayTally]:
    """For each (team, nudge day): how the team did on its last work day before that day."""
    spans: dict[TeamDay, tuple[TeamSettings, date]] = {}
    for settings, day in wants:
        spans[(settings.team_id, day)] = (
            settings,
            previous_work_day(day, work_days=settings.work_days),
        )
    if not spans:
        return {}
    team_ids = {team_id for team_id, _ in spans}
    first = min(previous for _, previous in spans.values())
    last = max(day for _, day in spans) - timedelta(days=1)
    per_day: dict[TeamDay, dict[Principle, int]] = {}
    people: dict[TeamDay, int] = {}
    members: dict[str, int] = {}
    for chunk in _in_chunks(team_ids):
        in_window = (
            Connection.team_id.in_(chunk),
            Connection.local_date >= first,
            Connection.local_date <= last,
        )
        for team_id, day, principle, n in session.execute(
            select(Connection.team_id, Connection.local_date, Connection.principle, func.count())
            .where(*in_window)
            .group_by(Connection.team_id, Connection.local_date, Connection.principle)
        ):
            counts = per_day.setdefault((team_id, day), dict.fromkeys(PRINCIPLE_ORDER, 0))
            counts[Principle(principle)] += n
        for team_id, day, n in session.execute(
            select(
                Connection.team_id,
                Connection.local_date,
                func.count(func.distinct(Connection.user_id)),
            )
            .where(*in_window)
            .group_by(Connection.team_id, Connection.local_date)
        ):
            people[(team_id, day)] = n
        for team_id, n in session.execute(
            select(Member.team_id, func.count())
            .where(Member.team_id.in_(chunk))
            .group_by(Member.team_id)
        ):
            members[team_id] = n
    tallies: dict[TeamDay, DayTally] = {}
    for (team_id, day), (settings, previous) in spans.items():
        counts = per_day.get((team_id, previous), dict.fromkeys(PRINCIPLE_ORDER, 0))
        loggers = people.get((team_id, previous), 0)
        days_off = sum(
            sum(per_day.get((team_id, previous + timedelta(days=n)), {}).values())
            for n in range(1, (day - previous).days)
        )
        # As the board counts them: people can log before their profile is cached, so never
        # fewer members than people who logged.
        goal = goal_for_period(
            start=previous,
            end=previous,
            members=max(members.get(team_id, 0), loggers),
            daily_goal=settings.daily_goal,
            work_days=settings.work_days,
        )
        tallies[(team_id, day)] = DayTally(
            day=previous,
            total=sum(counts.values()),
            people=loggers,
            goal=goal,
            counts=MappingProxyType(counts),
            days_off_total=days_off,
        )
    return tallies


def team_nudges(
    session: Session,
    *,
    wants: Iterable[tuple[TeamSettings, date]],
    tallies: Mapping[TeamDay, DayTally] | None = None,
) -> dict[TeamDay, TeamNudge]:
    """Channel nudges for (team, day) pairs: the principle, its tip, and the last work day.

    `tallies` may bring the teams' last work days already counted (by `day_tallies`).
    """
    wanted = list(wants)
    if tallies is None:
        tallies = day_tallies(session, wants=wanted)
    nudges: dict[TeamDay, TeamNudge] = {}
    for settings, day in wanted:
        principle = principle_of_the_day(day, work_days=settings.work_days)
        nudges[(settings.team_id, day)] = TeamNudge(
            team_id=settings.team_id,
            day=day,
            principle=principle,
            tip=tip_for(day, principle=principle, salt=settings.team_id),
            why=why_it_matters(principle),
            question=daily_question(day),
            daily_goal=settings.daily_goal,
            team=tallies[(settings.team_id, day)],
        )
    return nudges


MemberKey = tuple[str, str]


def _logged_per_day(
    session: Session, *, members: Collection[MemberKey], until: date
) -> dict[MemberKey, dict[date, int]]:
    logged: dict[MemberKey, dict[date, int]] = {}
    for team_ids, user_ids in _member_chunks(members):
        for team_id, user_id, day, n in session.execute(
            select(Connection.team_id, Connection.user_id, Connection.local_date, func.count())
            .where(
                Connection.team_id.in_(team_ids),
                Connection.user_id.in_(user_ids),
                Connection.local_date <= until,
            )
            .group_by(Connection.team_id, Connection.user_id, Connection.local_date)
        ):
            logged.setdefault((team_id, user_id), {})[day] = n
    return logged


def _names(session: Session, *, members: Collection[MemberKey]) -> dict[MemberKey, str | None]:
    names: dict[MemberKey, str | None] = {}
    for team_ids, user_ids in _member_chunks(members):
        for team_id, user_id, name in session.execute(
            select(Member.team_id, Member.user_id, Member.display_name).where(
                Member.team_id.in_(team_ids), Member.user_id.in_(user_ids)
            )
        ):
            names[(team_id, user_id)] = name
    return names


def _member_chunks(members: Collection[MemberKey]) -> Iterable[tuple[list[str], list[str]]]:
    # Teams IN (...) AND users IN (...): a few more rows than asked for at most (the same user
    # id in two teams of one chunk), which the callers ignore; indexes serve both columns.
    ordered = sorted(members)
    for start in range(0, len(ordered), 250):
        chunk = ordered[start : start + 250]
        yield sorted({t for t, _ in chunk}), sorted({u for _, u in chunk})


def member_nudges(
    session: Session,
    *,
    wants: Iterable[MemberWant],
    tallies: Mapping[TeamDay, DayTally] | None = None,
) -> dict[tuple[str, str, date], MemberNudge]:
    """The DM nudges for members on their own days, with their counts and streaks.

    `tallies` may bring the teams' last work days already counted (by `day_tallies`).
    """
    wanted = list(wants)
    if not wanted:
        return {}
    if tallies is None:
        tallies = day_tallies(session, wants=[(want.settings, want.day) for want in wanted])
    members = {(want.settings.team_id, want.user_id) for want in wanted}
    history = _logged_per_day(session, members=members, until=max(w.day for w in wanted))
    names = _names(session, members=members)
    nudges: dict[tuple[str, str, date], MemberNudge] = {}
    for want in wanted:
        settings, day, team_id = want.settings, want.day, want.settings.team_id
        member = (team_id, want.user_id)
        logged = {d: n for d, n in history.get(member, {}).items() if d <= day}
        # Only days before `day` count: what they log this morning must not change the nudge.
        per_day = {d: n for d, n in logged.items() if d < day}
        streaks = compute_streaks(
            per_day, today=day, daily_goal=settings.daily_goal, work_days=settings.work_days
        )
        team = tallies[(team_id, day)]
        principle = principle_of_the_day(day, work_days=settings.work_days)
        nudges[(team_id, want.user_id, day)] = MemberNudge(
            team_id=team_id,
            user_id=want.user_id,
            display_name=names.get(member),
            day=day,
            principle=principle,
            # Salted by the member, so teammates in DM mode do not all get the same tip.
            tip=tip_for(day, principle=principle, salt=want.user_id),
            why=why_it_matters(principle),
            question=daily_question(day),
            daily_goal=settings.daily_goal,
            team=team,
            own_count=per_day.get(team.day, 0),
            own_days_off=sum(n for d, n in per_day.items() if team.day < d < day),
            goal_streak=streaks.goal_streak,
            active_streak=streaks.active_streak,
            first_steps=None if logged else first_steps_line(day),
        )
    return nudges


def team_nudge(session: Session, *, team_id: str, day: date) -> TeamNudge:
    """The channel nudge for `day`: today's principle and tip, and the team's last work day."""
    settings = get_settings(session, team_id=team_id)
    return team_nudges(session, wants=[(settings, day)])[(team_id, day)]


def member_nudge(session: Session, *, team_id: str, user_id: str, day: date) -> MemberNudge:
    """The DM nudge for one member on their own `day`, with their count and streak."""
    settings = get_settings(session, team_id=team_id)
    want = MemberWant(settings=settings, user_id=user_id, day=day)
    return member_nudges(session, wants=[want])[(team_id, user_id, day)]
