"""The leaderboard message: Block Kit shape, names that never ping, ranks, goals, Share."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from types import MappingProxyType

import pytest

from slackapp.domain.board import BoardRow, Leaderboard
from slackapp.domain.calendar import Window, window_period
from slackapp.domain.intents import BoardRequest, parse_board_args
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, PRINCIPLES, Principle
from slackapp.render import ids
from slackapp.render.board import (
    board_message,
    board_usage,
    board_value,
    share_refused,
)
from tests.support.blockkit import all_text, assert_valid_message, elements

TODAY = date(2026, 11, 27)


def counts(*values: int) -> MappingProxyType[Principle, int]:
    return MappingProxyType(dict(zip(PRINCIPLE_ORDER, values, strict=True)))


def row(rank: int, user_id: str, name: str | None, *values: int) -> BoardRow:
    return BoardRow(
        rank=rank, user_id=user_id, display_name=name, total=sum(values), counts=counts(*values)
    )


def make_board(
    rows: tuple[BoardRow, ...] = (),
    *,
    window: Window = Window.WEEK,
    principle: Principle | None = None,
    caller_row: BoardRow | None = None,
    team_goal: int = 200,
) -> Leaderboard:
    team = counts(*(sum(r.counts[p] for r in rows) for p in PRINCIPLE_ORDER))
    return Leaderboard(
        team_id="T1",
        period=window_period(window, today=TODAY),
        principle=principle,
        rows=rows,
        caller_row=caller_row,
        team_total=sum(team.values()),
        team_counts=team,
        team_goal=team_goal,
        members=4,
    )


THREE = (
    row(1, "U2", "Ben", 0, 5, 0, 0),
    row(2, "U1", "Ana", 3, 1, 0, 0),
    row(3, "U3", "Cy", 0, 0, 2, 0),
)


def board_sections_text(message_blocks: list[dict[str, object]]) -> str:
    return all_text([b for b in message_blocks if b["type"] == "section"])


@pytest.mark.parametrize("window", list(Window))
@pytest.mark.parametrize("principle", [None, *PRINCIPLE_ORDER])
@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("size", [0, 3, 10])
def test_every_board_is_valid_block_kit(
    window: Window, principle: Principle | None, shared: bool, size: int
) -> None:
    rows = tuple(row(i + 1, f"U{i}", f"Person {i}", 9 - i, 1, 0, 2) for i in range(size))
    caller = row(14, "U99", "Zed", 1, 0, 0, 0) if size == 10 else None
    board = make_board(rows, window=window, principle=principle, caller_row=caller)
    message = board_message(board, viewer_id="U99", shared=shared, sharer_name="Ana")
    assert_valid_message(message)


def test_rows_are_ranked_with_each_principle_count_and_emoji() -> None:
    message = board_message(make_board(THREE), viewer_id="U1")
    text = board_sections_text(message.blocks)
    lines = [line for line in text.splitlines() if "·  *" in line]
    assert [line.split("  ")[1] for line in lines[:3]] == ["Ben", "Ana _(you)_", "Cy"]
    assert lines[0].startswith(":first_place_medal:")
    assert ":bulb: 3  :heart: 1  :joy: 0  :dart: 0" in lines[1]
    assert "*4*" in lines[1]


def test_ties_share_a_rank_and_its_medal() -> None:
    rows = (row(1, "U1", "Ana", 2, 0, 0, 0), row(1, "U2", "Ben", 0, 2, 0, 0))
    text = board_sections_text(board_message(make_board(rows), viewer_id="U9").blocks)
    assert text.count(":first_place_medal:") == 2
    assert ":second_place_medal:" not in text


@pytest.mark.parametrize(
    "display_name",
    ["<@U123>", "<!channel>", "<!here|here> & friends", "<https://evil.example|click>"],
)
def test_names_are_escaped_and_never_become_mentions_or_links(display_name: str) -> None:
    rows = (row(1, "U5", display_name, 1, 0, 0, 0),)
    for message in (
        board_message(make_board(rows), viewer_id="U1"),
        board_message(make_board(rows), viewer_id="U1", shared=True, sharer_name=display_name),
    ):
        raw = all_text(message.blocks) + message.text
        assert "<@" not in raw and "<!" not in raw and "<http" not in raw
        assert "&lt;" in raw
        name_blocks = [b for b in message.blocks if "U5" in str(b) or "&lt;" in all_text(b)]
        for block in name_blocks:
            for obj in [block.get("text"), *block.get("elements", [])]:
                if isinstance(obj, dict) and obj.get("type") == "mrkdwn":
                    assert obj.get("verbatim") is True


def test_a_name_nobody_set_reads_as_a_teammate() -> None:
    rows = (row(1, "U5", None, 1, 0, 0, 0),)
    text = all_text(board_message(make_board(rows), viewer_id="U1").blocks)
    assert "A teammate" in text
    assert "U5" not in text


def test_the_callers_own_row_follows_the_top_ten_when_lower() -> None:
    rows = tuple(row(i + 1, f"U{i}", f"P{i}", 20 - i, 0, 0, 0) for i in range(10))
    board = make_board(rows, caller_row=row(13, "U1", "Ana", 2, 0, 0, 0))
    text = board_sections_text(board_message(board, viewer_id="U1").blocks)
    assert "⋯\n*13.*  Ana _(you)_" in text
    assert text.index("P9") < text.index("Ana")


def test_a_principle_board_ranks_by_that_principle_and_shows_the_rest_as_context() -> None:
    # Ranked by care alone, so the row's total is its care count.
    rows = (replace(row(1, "U2", "Ben", 1, 5, 0, 0), total=5),)
    board = make_board(rows, principle=Principle.CARE)
    message = board_message(board, viewer_id="U1")
    text = all_text(message.blocks)
    assert "*5* :heart:  _(6 in all)_" in text
    assert "only :heart: Show you care" in text


@pytest.mark.parametrize(
    ("total", "goal", "expected"),
    [
        (60, 200, "*Team total:* 60 of 200  ▰▰▰▱▱▱▱▱▱▱  30%"),
        (200, 200, "100%  :tada:"),
        (1_234_567, 10, "*Team total:* 1,234,567 of 10  ▰▰▰▰▰▰▰▰▰▰"),
        (5, 0, "No goal for this period"),
    ],
)
def test_team_total_against_the_goal(total: int, goal: int, expected: str) -> None:
    board = replace(make_board(THREE, team_goal=goal), team_total=total)
    assert expected in all_text(board_message(board, viewer_id="U1").blocks)


def test_the_private_board_has_a_share_button_carrying_its_arguments() -> None:
    board = make_board(THREE, window=Window.TODAY, principle=Principle.CARE)
    message = board_message(board, viewer_id="U1")
    (share,) = elements(message.blocks, action_id=ids.SHARE_BOARD_ACTION)
    assert share["value"] == "today care"
    assert "Shared by" not in all_text(message.blocks)


def test_the_shared_board_names_the_sharer_and_nobody_as_you() -> None:
    message = board_message(make_board(THREE), viewer_id="U1", shared=True, sharer_name="Ana")
    text = all_text(message.blocks)
    assert ":mega: Shared by Ana" in text
    assert "(you)" not in text
    assert not elements(message.blocks, action_id=ids.SHARE_BOARD_ACTION)


@pytest.mark.parametrize("window", list(Window))
@pytest.mark.parametrize("principle", [None, *PRINCIPLE_ORDER])
def test_share_value_reads_back_as_the_same_request(
    window: Window, principle: Principle | None
) -> None:
    board = make_board(window=window, principle=principle)
    assert parse_board_args(board_value(board)) == BoardRequest(window=window, principle=principle)


@pytest.mark.parametrize(
    ("principle", "expected"),
    [
        (None, "Nobody has logged a connection this week yet"),
        (Principle.LAUGH, "No :joy: *make them laugh* connections this week yet"),
    ],
)
def test_an_empty_board_invites_the_first_entry(principle: Principle | None, expected: str) -> None:
    message = board_message(make_board(principle=principle), viewer_id="U1")
    assert_valid_message(message)
    assert expected in all_text(message.blocks)


def test_huge_counts_and_long_names_stay_within_slacks_limits() -> None:
    rows = tuple(row(i + 1, f"U{i}", "&<>" * 70, 10**9, 10**9, 10**9, 10**9) for i in range(10))
    board = make_board(rows, caller_row=row(11, "U1", "ű" * 200, 1, 1, 1, 1), team_goal=10**12)
    message = board_message(board, viewer_id="U1")
    assert_valid_message(message)
    assert "4,000,000,000" in all_text(message.blocks)


def test_usage_names_what_was_not_understood_and_lists_the_options() -> None:
    message = board_usage(unknown=("bogus", "<!here>"), clashes=())
    assert_valid_message(message)
    text = all_text(message.blocks)
    assert "`bogus`" in text and "`&lt;!here&gt;`" in text and "<!" not in text
    for token in ["today", "week", "month", "all", "7d", "30d"]:
        assert f"`{token}`" in text
    for principle in PRINCIPLE_ORDER:
        assert f"{PRINCIPLES[principle].emoji} `{principle.value}`" in text


def test_usage_explains_a_clash() -> None:
    text = all_text(board_usage(clashes=("today", "week")).blocks)
    assert "one period and one kind at a time" in text and "`today` and `week`" in text


def test_usage_for_help_has_no_complaint() -> None:
    text = all_text(board_usage().blocks)
    assert "didn't recognise" not in text and "Here's what `/leaderboard` understands" in text


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("not_in_channel", "/invite @Valueboard"),
        ("is_archived", "archived"),
        ("channel_not_found", "from a channel I've been invited to"),
    ],
)
def test_share_refusals_say_what_to_do(error: str, expected: str) -> None:
    message = share_refused(error)
    assert_valid_message(message)
    assert expected in message.text
