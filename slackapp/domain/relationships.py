"""Relationships: people reached, and people come back to, as boards and digest lines.

A relationship is *deepened* when someone was touched at least RELATIONSHIP_TOUCHES times in
RELATIONSHIP_DAYS days. People are counted as the team knows them: merged handles are one.
Pure code: no Slack, no store.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from slackapp.domain.calendar import Period

__all__ = [
    "RELATIONSHIP_DAYS",
    "RELATIONSHIP_TOUCHES",
    "PeopleBoard",
    "PeopleBoardKind",
    "PeopleRow",
    "rank_people",
]

#: Touches within RELATIONSHIP_DAYS that make a relationship "deepened".
RELATIONSHIP_TOUCHES = 3
RELATIONSHIP_DAYS = 30


class PeopleBoardKind(StrEnum):
    """What a people board ranks by."""

    PEOPLE = "people"  # distinct people reached in the window
    RELATIONSHIPS = "relationships"  # people touched RELATIONSHIP_TOUCHES+ times in the window


@dataclass(frozen=True, slots=True)
class PeopleRow:
    """One ranked member."""

    rank: int
    user_id: str
    display_name: str | None
    total: int


@dataclass(frozen=True, slots=True)
class PeopleBoard:
    """A people or relationships board for one window, and the team's own figure."""

    kind: PeopleBoardKind
    period: Period
    rows: tuple[PeopleRow, ...]
    caller_row: PeopleRow | None
    #: Distinct people (or deepened relationships) across the whole team, not a sum of rows.
    team_total: int


def rank_people(
    totals: dict[str, int], names: dict[str, str | None], *, caller_id: str, limit: int
) -> tuple[tuple[PeopleRow, ...], PeopleRow | None]:
    """Competition ranking (1, 1, 3) of members by total, names breaking ties; the caller's row
    when it falls below the shown ones."""
    ordered = sorted(
        (user_id for user_id, total in totals.items() if total > 0),
        key=lambda u: (-totals[u], names.get(u) is None, (names.get(u) or "").casefold(), u),
    )
    rows: list[PeopleRow] = []
    for position, user_id in enumerate(ordered):
        total = totals[user_id]
        rank = rows[-1].rank if rows and rows[-1].total == total else position + 1
        rows.append(PeopleRow(rank, user_id, names.get(user_id), total))
    caller = next((row for row in rows[limit:] if row.user_id == caller_id), None)
    return tuple(rows[:limit]), caller
