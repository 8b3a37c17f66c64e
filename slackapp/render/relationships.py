"""The people boards: `/leaderboard people` and `/leaderboard relationships`."""

from __future__ import annotations

from slackapp.domain.relationships import (
    RELATIONSHIP_TOUCHES,
    PeopleBoard,
    PeopleBoardKind,
    PeopleRow,
)
from slackapp.render.kit import Block, Message, context, header
from slackapp.render.widgets import medal, member_name, names_text, share_footer

__all__ = ["people_board_message", "people_board_value", "reach_line"]

_TITLES = {
    PeopleBoardKind.PEOPLE: ":busts_in_silhouette: People reached",
    PeopleBoardKind.RELATIONSHIPS: ":handshake: Relationships deepened",
}


def _unit(kind: PeopleBoardKind, n: int) -> str:
    if kind is PeopleBoardKind.PEOPLE:
        return f"{n:,} {'person' if n == 1 else 'people'}"
    return f"{n:,} {'relationship' if n == 1 else 'relationships'}"


def people_board_value(board: PeopleBoard) -> str:
    """What the Share button carries: the board's arguments, as /leaderboard would take them."""
    return f"{board.kind.value} {board.period.window.value}"


def _line(row: PeopleRow, kind: PeopleBoardKind, *, viewer_id: str | None) -> str:
    badge = medal(row.rank) or f"{row.rank}."
    you = " (you)" if row.user_id == viewer_id else ""
    # Only the viewer sees a mention of someone whose name we lack; a channel is never pinged.
    mention = row.display_name is None and viewer_id is not None
    name = f"<@{row.user_id}>" if mention else member_name(row.display_name)
    return f"{badge} {name}{you}: *{_unit(kind, row.total)}*"


def people_board_message(
    board: PeopleBoard, *, viewer_id: str, shared: bool = False, sharer_name: str | None = None
) -> Message:
    """The people board: for the viewer alone with a Share button, or as shared in a channel
    (nobody marked as "you", no row below the top for whoever shared it)."""
    kind = board.kind
    blocks: list[Block] = [header(_TITLES[kind]), context(board.period.label)]
    mine = None if shared else viewer_id
    lines = [_line(row, kind, viewer_id=mine) for row in board.rows]
    if board.caller_row is not None and not shared:
        lines.append("⋯\n" + _line(board.caller_row, kind, viewer_id=mine))
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
    blocks.append(
        share_footer(value=people_board_value(board), shared=shared, sharer_name=sharer_name)
    )
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
