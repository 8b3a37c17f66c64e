"""The leaderboard message: ranked members, their counts per principle, the team's progress."""

from __future__ import annotations

from collections.abc import Sequence

from slackapp.domain.board import BoardRow, Leaderboard
from slackapp.domain.calendar import Window
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, PRINCIPLES, Principle
from slackapp.domain.windows import RULE
from slackapp.render.kit import (
    SECTION_TEXT_MAX,
    Block,
    Message,
    context,
    escape,
    header,
    truncate,
)
from slackapp.render.widgets import (
    medal,
    member_name,
    names_text,
    principle_counts_line,
    progress_bar,
    share_footer,
)

__all__ = [
    "board_lines",
    "board_message",
    "board_usage",
    "board_value",
    "share_refused",
]

_EMPTY_WHEN = {
    Window.TODAY: "today",
    Window.WEEK: "this week",
    Window.MONTH: "this month",
    Window.ALL: "so far",
    Window.LAST_7_DAYS: "in the last 7 days",
    Window.LAST_30_DAYS: "in the last 30 days",
}

_OPTIONS = (
    "*Period* (pick one; `week` if you leave it out): `today` · `week` · `month` · `all` · "
    "`7d` · `30d`\n"
    "*Kind of value* (optional): "
    + " · ".join(f"{PRINCIPLES[p].emoji} `{p.value}`" for p in PRINCIPLE_ORDER)
    + "\nIn any order: `/leaderboard today care`, `/leaderboard laugh 30d`, `/leaderboard all`."
    + f"\n{RULE} `today`, `7d` and `30d` are each person's own; `week` and `month` are the "
    "team's, start to end."
    + "\n*People*: `/leaderboard people [period]` ranks by different people reached; "
    "`/leaderboard relationships [period]` by people met again and again (3+ times; `30d` "
    "if you leave the period out)."
)


def _names_section(text: str) -> Block:
    return {"type": "section", "text": names_text(text)}


def board_value(board: Leaderboard) -> str:
    """What the Share button carries: the board's arguments, as /leaderboard would take them."""
    parts = [board.period.window.value]
    if board.principle is not None:
        parts.append(board.principle.value)
    return " ".join(parts)


def _rank_mark(rank: int) -> str:
    return medal(rank) or f"*{rank}.*"


def _row_line(row: BoardRow, *, principle: Principle | None, viewer_id: str | None) -> str:
    you = " _(you)_" if row.user_id == viewer_id else ""
    line = f"{_rank_mark(row.rank)}  {member_name(row.display_name)}{you}  ·  "
    if principle is not None:
        everything = sum(row.counts.values())
        return line + f"*{row.total:,}* {PRINCIPLES[principle].emoji}  _({everything:,} in all)_"
    counts = "  ".join(f"{PRINCIPLES[p].emoji} {row.counts.get(p, 0):,}" for p in PRINCIPLE_ORDER)
    return line + f"*{row.total:,}*    {counts}"


def board_lines(board: Leaderboard, *, viewer_id: str | None) -> list[str]:
    """One mrkdwn line per ranked member, then the viewer's own row when they sit lower."""
    lines = [_row_line(row, principle=board.principle, viewer_id=viewer_id) for row in board.rows]
    if board.caller_row is not None:
        own = _row_line(board.caller_row, principle=board.principle, viewer_id=viewer_id)
        lines.append(f"⋯\n{own}")
    return lines


def _packed_sections(lines: Sequence[str]) -> list[Block]:
    # As few sections as fit (tight rows read as one table), each under Slack's text limit.
    sections: list[Block] = []
    chunk = ""
    for line in lines:
        candidate = f"{chunk}\n{line}" if chunk else line
        if chunk and len(candidate) > SECTION_TEXT_MAX:
            sections.append(_names_section(chunk))
            candidate = line
        chunk = candidate
    if chunk:
        sections.append(_names_section(chunk))
    return sections


def _empty_text(board: Leaderboard) -> str:
    when = _EMPTY_WHEN[board.period.window]
    if board.principle is None:
        return (
            f"Nobody has logged a connection {when} yet. Be the first: "
            "`/connect care thanked @sam for her launch post`"
        )
    info = PRINCIPLES[board.principle]
    return (
        f"No {info.emoji} *{info.label.lower()}* connections {when} yet. "
        f"Be the first: `/connect {board.principle.value} …`"
    )


def _team_text(board: Leaderboard) -> str:
    total = f"*Team total:* {board.team_total:,}"
    kinds = principle_counts_line(board.team_counts)
    if board.team_goal <= 0:
        return f"{total}\n{kinds}\nNo goal for this period: it has no work days yet."
    percent = round(100 * board.team_total / board.team_goal)
    bar = progress_bar(board.team_total, board.team_goal)
    cheer = "  :tada:" if board.team_total >= board.team_goal else ""
    return f"{total} of {board.team_goal:,}  {bar}  {percent}%{cheer}\n{kinds}"


def _fallback(board: Leaderboard) -> str:
    top = ", ".join(
        f"{row.rank}. {member_name(row.display_name)} ({row.total:,})" for row in board.rows[:3]
    )
    return f"Team leaderboard, {board.period.label}: " + (top or "nobody has logged yet")


def _title_context(board: Leaderboard) -> str:
    label = escape(board.period.label)
    if board.principle is None:
        return f":calendar: {label}"
    info = PRINCIPLES[board.principle]
    return f":calendar: {label}  ·  only {info.emoji} {info.label}"


def board_message(
    board: Leaderboard, *, viewer_id: str, shared: bool = False, sharer_name: str | None = None
) -> Message:
    """The board as a message: for the viewer with a Share button, or as shared in a channel."""
    blocks: list[Block] = [
        header(":trophy: Team leaderboard"),
        context(_title_context(board)),
    ]
    lines = board_lines(board, viewer_id=None if shared else viewer_id)
    if lines:
        blocks.extend(_packed_sections(lines))
    else:
        blocks.append(_names_section(_empty_text(board)))
    blocks.append({"type": "divider"})
    blocks.append(_names_section(_team_text(board)))
    blocks.append(share_footer(value=board_value(board), shared=shared, sharer_name=sharer_name))
    if not shared:
        blocks.append(
            context(
                "The goal counts everyone's daily goal on each work day so far. "
                f"{RULE} "
                "Try `/leaderboard today`, `/leaderboard month care` or `/leaderboard all`."
            )
        )
    return Message(text=_fallback(board), blocks=blocks)


def board_usage(*, unknown: Sequence[str] = (), clashes: Sequence[str] = ()) -> Message:
    """A friendly explanation of /leaderboard's options, naming what we could not use."""
    problems: list[str] = []
    if unknown:
        shown = ", ".join(f"`{escape(truncate(word, 30))}`" for word in unknown[:3])
        more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
        problems.append(f"I didn't recognise {shown}{more}.")
    if clashes:
        shown = " and ".join(f"`{escape(truncate(word, 30))}`" for word in clashes[:2])
        problems.append(f"A board covers one period and one kind at a time; you gave {shown}.")
    if problems:
        text = " ".join(problems) + " Here's what works:"
    else:
        text = "Here's what `/leaderboard` understands:"
    blocks: list[Block] = [
        {"type": "section", "text": names_text(f":thinking_face: {text}")},
        {"type": "section", "text": names_text(_OPTIONS)},
    ]
    return Message(text=text, blocks=blocks)


def share_refused(error: str | None) -> Message:
    """Why the board could not be posted to the channel, and what the member can do."""
    if error == "not_in_channel":
        text = (
            "I'm not a member of this channel yet, so I couldn't post the board. "
            "Invite me with `/invite @Valueboard`, then press Share again."
        )
    elif error == "is_archived":
        text = "This channel is archived, so the board can't be posted here."
    else:
        text = (
            "I can't post in this conversation. Share the board from a channel I've been "
            "invited to, or copy the numbers over by hand."
        )
    return Message(text=text, blocks=[{"type": "section", "text": names_text(f":wave: {text}")}])
