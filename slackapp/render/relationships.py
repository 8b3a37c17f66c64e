"""The people boards: `/leaderboard people` and `/leaderboard relationships`."""

from __future__ import annotations

from slackapp.domain.relationships import (
    RELATIONSHIP_TOUCHES,
    PeopleBoard,
    PeopleBoardKind,
    PeopleRow,
)
from slackapp.render.kit import Block, Message, context, header
from slackapp.render.widgets import medal, member_name, names_text

__all__ = ["people_board_message", "reach_line"]

_TITLES = {
    PeopleBoardKind.PEOPLE: ":busts_in_silhouette: People reached",
    PeopleBoardKind.RELATIONSHIPS: ":handshake: Relationships deepened",
}


def _unit(kind: PeopleBoardKind, n: int) -> str:
    if kind is PeopleBoardKind.PEOPLE:
        return f"{n:,} {'person' if n == 1 else 'people'}"
    return f"{n:,} {'relationship' if n == 1 else 'relationships'}"


def _line(row: PeopleRow, kind: PeopleBoardKind, *, viewer_id: str) -> str:
    badge = medal(row.rank) or f"{row.rank}."
    you = " (you)" if row.user_id == viewer_id else ""
    name = f"<@{row.user_id}>" if row.display_name is None else member_name(row.display_name)
    return f"{badge} {name}{you}: *{_unit(kind, row.total)}*"


def people_board_message(board: PeopleBoard, *, viewer_id: str) -> Message:
    """The people board for the viewer alone."""
    kind = board.kind
    blocks: list[Block] = [header(_TITLES[kind]), context(board.period.label)]
    lines = [_line(row, kind, viewer_id=viewer_id) for row in board.rows]
    if board.caller_row is not None:
        lines.append("⋯\n" + _line(board.caller_row, kind, viewer_id=viewer_id))
    if lines:
        blocks.append({"type": "section", "text": names_text("\n".join(lines))})
    elif kind is PeopleBoardKind.PEOPLE:
        blocks.append({"type": "section", "text": names_text("Nobody has logged anyone here yet.")})
    else:
        blocks.append(
            {
                "type": "section",
                "text": names_text(
                    f"No relationship has {RELATIONSHIP_TOUCHES} touches in this window yet. "
                    "Coming back to the same people is how trust grows."
                ),
            }
        )
    if kind is PeopleBoardKind.PEOPLE:
        rule = (
            f"The team reached {_unit(kind, board.team_total)} in all. Each person counts "
            "once, whatever the platform or spelling."
        )
    else:
        rule = (
            f"The team has {_unit(kind, board.team_total)} in all: people touched "
            f"{RELATIONSHIP_TOUCHES} or more times in the window. `/leaderboard` counts actions."
        )
    blocks.append(context(rule))
    text = f"{_TITLES[kind].split(' ', 1)[1]}: {board.period.label}"
    return Message(text=text, blocks=blocks)


def reach_line(*, first_time: int, deepened: int) -> str:
    """ "4 people reached for the first time · 2 relationships deepened" """
    people = "person" if first_time == 1 else "people"
    relationships = "relationship" if deepened == 1 else "relationships"
    return (
        f":busts_in_silhouette: {first_time:,} {people} reached for the first time · "
        f":handshake: {deepened:,} {relationships} deepened (touched {RELATIONSHIP_TOUCHES}+ "
        "times in 30 days)"
    )
