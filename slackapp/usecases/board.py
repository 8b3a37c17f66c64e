"""The team leaderboard: `/leaderboard`, its Share button, and the App Home's top five."""

from __future__ import annotations

from dataclasses import dataclass, replace

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from slackapp.domain.board import BoardRow, Leaderboard
from slackapp.domain.calendar import local_date, window_period, zone
from slackapp.domain.intents import (
    BoardRequest,
    BoardUsage,
    PeopleBoardRequest,
    parse_board_args,
    parse_people_board_args,
)
from slackapp.domain.relationships import PeopleBoard, PeopleBoardKind, rank_people
from slackapp.domain.team_settings import work_days_from_mask
from slackapp.domain.windows import member_span
from slackapp.slack.profiles import Profile, fetch_user, profile_of, remember
from slackapp.store.leaderboard import team_leaderboard
from slackapp.store.models import Team
from slackapp.store.relationships import (
    member_names,
    member_zones,
    people_reached,
    relationships_deepened,
)
from slackapp.usecases.deps import Deps
from slackapp.usecases.members import member_session

#: The full board's length; the caller's own row is added below it when they rank lower.
BOARD_SIZE = 10


@dataclass(frozen=True, slots=True)
class TeamBoard:
    """A leaderboard with names filled in, and who is looking at it."""

    board: Leaderboard
    viewer: Profile


def team_board(
    deps: Deps, session: Session, *, team: Team, caller_id: str, request: BoardRequest, limit: int
) -> Leaderboard:
    """The board for a window: the team's week or month, each member's own days within it."""
    team_zone = zone(team.timezone, fallback=deps.settings.default_timezone)
    today = local_date(deps.now(), team_zone)
    return team_leaderboard(
        session,
        team_id=team.team_id,
        period=window_period(request.window, today=today),
        caller_id=caller_id,
        principle=request.principle,
        limit=limit,
        daily_goal=team.daily_goal,
        work_days=work_days_from_mask(team.work_days_mask),
        now=deps.now(),
        team_zone=team_zone.key,
    )


def named_board(deps: Deps, client: WebClient, *, team_id: str, board: Leaderboard) -> Leaderboard:
    """The board with display names looked up for people we have not cached yet."""
    if all(row.display_name for row in board.rows) and (
        board.caller_row is None or board.caller_row.display_name
    ):
        return board

    def named(row: BoardRow) -> BoardRow:
        if row.display_name:
            return row
        # At most one users.info per unnamed row shown (11), and then cached for a day.
        user = fetch_user(client, user_id=row.user_id)
        if user is None:
            return row
        with deps.db.session_scope() as session:
            remember(session, team_id=team_id, user_id=row.user_id, user=user, now=deps.now())
        return replace(row, display_name=user.display_name)

    caller_row = named(board.caller_row) if board.caller_row is not None else None
    return replace(board, rows=tuple(named(row) for row in board.rows), caller_row=caller_row)


@dataclass(frozen=True, slots=True)
class TeamPeopleBoard:
    """A people or relationships board, and who is looking at it."""

    board: PeopleBoard
    viewer: Profile


def people_board(
    deps: Deps,
    session: Session,
    *,
    team: Team,
    caller_id: str,
    request: PeopleBoardRequest,
    limit: int,
) -> PeopleBoard:
    """Members ranked by people reached (or relationships deepened) in the window, each on
    their own days as the count board counts them (see domain.windows)."""
    team_zone = zone(team.timezone, fallback=deps.settings.default_timezone)
    today = local_date(deps.now(), team_zone)
    period = window_period(request.window, today=today)
    spans = {
        user_id: member_span(
            request.window,
            team_today=today,
            member_today=local_date(deps.now(), zone(timezone, fallback=team_zone.key)),
        )
        for user_id, timezone in member_zones(session, team_id=team.team_id).items()
    }
    default = member_span(request.window, team_today=today, member_today=today)
    count = people_reached if request.kind is PeopleBoardKind.PEOPLE else relationships_deepened
    totals, team_total = count(
        session,
        team_id=team.team_id,
        start=default.start,
        end=default.end if default.end is not None else today,
        by_member=spans,
    )
    names = member_names(session, team_id=team.team_id, user_ids=totals)
    rows, caller_row = rank_people(totals, names, caller_id=caller_id, limit=limit)
    return PeopleBoard(
        kind=request.kind,
        period=period,
        rows=rows,
        caller_row=caller_row,
        team_total=team_total,
    )


def leaderboard(
    deps: Deps, client: WebClient, *, team_id: str, user_id: str, text: str
) -> TeamBoard | TeamPeopleBoard | BoardUsage:
    """The board `/leaderboard <text>` asks for (top 10 plus the caller), or what to type."""
    people = parse_people_board_args(text)
    if isinstance(people, BoardUsage):
        return people
    if people is not None:
        with member_session(deps, client, team_id=team_id, user_id=user_id) as (
            session,
            team,
            member,
        ):
            viewer = profile_of(user_id, member, team)
            found = people_board(
                deps, session, team=team, caller_id=user_id, request=people, limit=BOARD_SIZE
            )
        return TeamPeopleBoard(board=found, viewer=viewer)
    request = parse_board_args(text)
    if isinstance(request, BoardUsage):
        return request
    with member_session(deps, client, team_id=team_id, user_id=user_id) as (session, team, member):
        viewer = profile_of(user_id, member, team)
        board = team_board(
            deps, session, team=team, caller_id=user_id, request=request, limit=BOARD_SIZE
        )
    return TeamBoard(board=named_board(deps, client, team_id=team_id, board=board), viewer=viewer)
