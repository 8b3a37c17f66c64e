"""What a digest counts, for a batch of teams over the same dates, in one statement.

A digest shows its team's board over the period, the team's counts day by day, and two people
lines: people new to the team in the period, and people touched three times in the last 30
days. Each is a range on an index of its own (the member days by team and day, the people by
their groups' dates); read apart they were four statements, and on PostgreSQL a statement's
round trip costs about as much as the work of the smaller ones. Here they are the parts of one
UNION ALL, every row of one shape: (part, team, member, name, day, a count per principle).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Date,
    Integer,
    Select,
    String,
    bindparam,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import QueryableAttribute, Session

from slackapp.domain.vocabulary import Principle
from slackapp.store.db import plain_rows
from slackapp.store.models import MEMBER_DAY_PRINCIPLES, Member, MemberDay, Person
from slackapp.store.relationships import deepened_after, deepened_counts, first_time_where
from slackapp.store.stats import principle_counts, zero_days

__all__ = ["DigestCounts", "digest_counts_of"]

#: The parts of the statement, by the number each row starts with.
_MEMBER, _MEMBER_COUNTS, _DAY, _FIRST_TIME, _DEEPENED = range(5)
_COUNTS = len(MEMBER_DAY_PRINCIPLES)


@dataclass(slots=True)
class DigestCounts:
    """One team's counts for its digest, as read."""

    #: Every member's cached display name (None while unknown), by user id.
    names: dict[str, str | None] = field(default_factory=dict)
    #: Each member's counts over the period, in PRINCIPLE_ORDER (members who logged).
    member_counts: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)
    #: The team's counts on each day of the period, quiet days as zeros.
    per_day: dict[date, dict[Principle, int]] = field(default_factory=dict)
    #: People (as merged) first touched in the period.
    first_time_people: int = 0
    #: People (as merged) touched three times in the last 30 days.
    relationships_deepened: int = 0


def _kind(n: int) -> ColumnElement[int]:
    return literal_column(str(n), Integer)


def _no_counts(n: int = _COUNTS) -> list[ColumnElement[Any]]:
    return [null().cast(Integer) for _ in range(n)]


def _teams(column: QueryableAttribute[str]) -> ColumnElement[bool]:
    return column.in_(bindparam("team_ids", expanding=True))


def _counted(
    kind: int,
    counts: Sequence[ColumnElement[int]],
    where: Sequence[ColumnElement[bool]],
) -> Select[*tuple[Any, ...]]:
    """A part of one row a team over people: (kind, team, -, -, -, counts…)."""
    return (
        select(
            _kind(kind),
            Person.team_id,
            null().cast(String),
            null().cast(String),
            null().cast(Date),
            *counts,
            *_no_counts(_COUNTS - len(counts)),
        )
        .where(_teams(Person.team_id), *where)
        .group_by(Person.team_id)
    )


def _statement() -> CompoundSelect[*tuple[Any, ...]]:
    sums = [func.sum(column) for column in MEMBER_DAY_PRINCIPLES]
    in_period = MemberDay.local_date.between(bindparam("start"), bindparam("end"))
    end = bindparam("end", type_=Date)
    return union_all(
        # The first part gives every column its type, for both databases.
        select(
            _kind(_MEMBER),
            Member.team_id,
            Member.user_id,
            Member.display_name,
            null().cast(Date),
            *_no_counts(),
        ).where(_teams(Member.team_id)),
        select(
            _kind(_MEMBER_COUNTS),
            MemberDay.team_id,
            MemberDay.user_id,
            null().cast(String),
            null().cast(Date),
            *sums,
        )
        .where(_teams(MemberDay.team_id), in_period)
        .group_by(MemberDay.team_id, MemberDay.user_id),
        select(
            _kind(_DAY),
            MemberDay.team_id,
            null().cast(String),
            null().cast(String),
            MemberDay.local_date,
            *sums,
        )
        .where(_teams(MemberDay.team_id), in_period)
        .group_by(MemberDay.team_id, MemberDay.local_date),
        _counted(_FIRST_TIME, [func.count()], first_time_where(bindparam("start"), end)),
        _counted(_DEEPENED, *deepened_counts(bindparam("deepened_start", type_=Date), end)),
    )


#: Built once: every digest runs it.
_DIGEST_COUNTS = _statement()


def digest_counts_of(
    session: Session,
    *,
    team_ids: Sequence[str],
    start: date,
    end: date,
    deepened_start: date,
) -> dict[str, DigestCounts]:
    """Each team's counts for a digest of `start`..`end`, whose "relationships deepened" line
    counts from `deepened_start` (to `end`). One statement, and a few more for a team with
    someone touched lately and after `end` (their groups are counted from their entries).

    Every part is a range on an index that its columns name alone, so PostgreSQL can keep
    one plan for it whatever the dates, instead of planning it afresh each time."""
    found = {team_id: DigestCounts(per_day=zero_days(start, end)) for team_id in team_ids}
    later: list[str] = []
    parameters = {
        "team_ids": list(team_ids),
        "start": start,
        "end": end,
        "deepened_start": deepened_start,
    }
    for kind, team_id, user_id, name, day, *counts in plain_rows(
        session, _DIGEST_COUNTS, parameters
    ):
        team = found[team_id]
        if kind == _MEMBER:
            team.names[user_id] = name
        elif kind == _MEMBER_COUNTS:
            team.member_counts.append((user_id, tuple(int(n or 0) for n in counts)))
        elif kind == _DAY:
            team.per_day[day] = principle_counts([counts])
        elif kind == _FIRST_TIME:
            team.first_time_people = int(counts[0] or 0)
        elif kind == _DEEPENED:
            team.relationships_deepened = int(counts[0] or 0)
            if counts[1]:
                later.append(team_id)
    if later:
        more = deepened_after(session, team_ids=later, start=deepened_start, end=end)
        for team_id, n in more.items():
            found[team_id].relationships_deepened += n
    return found
