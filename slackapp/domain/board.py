"""The team leaderboard as the rest of the app sees it: ranked rows and the team's progress."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from slackapp.domain.calendar import Period
from slackapp.domain.vocabulary import Principle


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One ranked person. `counts` always has all four principles."""

    rank: int
    user_id: str
    display_name: str | None
    # What the board ranks by: every connection, or only the filtered principle's ones.
    total: int
    counts: Mapping[Principle, int]


@dataclass(frozen=True, slots=True)
class Leaderboard:
    """A ranked board for one period, plus the whole team's progress toward its goal.

    With a principle filter, people are ranked by that principle alone: `total` is that
    principle's count and people with none of it are left out, while `counts` still shows all
    four. `team_total`, `team_counts` and `team_goal` always cover every principle, because
    they describe the team's progress rather than the board's view.
    """

    team_id: str
    period: Period
    principle: Principle | None
    rows: tuple[BoardRow, ...]
    caller_row: BoardRow | None
    team_total: int
    team_counts: Mapping[Principle, int]
    team_goal: int
    members: int
