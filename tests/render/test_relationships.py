"""The people boards as messages: private with a Share button, or shared in a channel."""

from __future__ import annotations

from datetime import date

import pytest

from slackapp.domain.calendar import Window, window_period
from slackapp.domain.intents import PeopleBoardRequest, parse_people_board_args
from slackapp.domain.relationships import PeopleBoard, PeopleBoardKind, PeopleRow
from slackapp.render import ids
from slackapp.render.relationships import people_board_message, people_board_value
from tests.support.blockkit import all_text, assert_valid_message, elements


def board(kind: PeopleBoardKind, window: Window) -> PeopleBoard:
    return PeopleBoard(
        kind=kind,
        period=window_period(window, today=date(2026, 12, 2)),
        rows=(
            PeopleRow(rank=1, user_id="U1", display_name="Ana", total=4),
            PeopleRow(rank=2, user_id="U2", display_name=None, total=2),
        ),
        caller_row=PeopleRow(rank=14, user_id="U9", display_name="Cy", total=1),
        team_total=9,
    )


@pytest.mark.parametrize("kind", list(PeopleBoardKind))
@pytest.mark.parametrize("window", list(Window))
def test_the_share_value_reads_back_as_the_same_board(
    kind: PeopleBoardKind, window: Window
) -> None:
    value = people_board_value(board(kind, window))
    assert parse_people_board_args(value) == PeopleBoardRequest(kind, window)


def test_the_private_board_has_a_share_button_and_the_viewers_row() -> None:
    message = people_board_message(board(PeopleBoardKind.PEOPLE, Window.WEEK), viewer_id="U9")
    assert_valid_message(message)
    [button] = elements(message.blocks, action_id=ids.SHARE_BOARD_ACTION)
    assert button["value"] == "people week"
    text = all_text(message.blocks)
    assert "Cy (you): *1 person*" in text and "<@U2>" in text


def test_the_shared_board_names_the_sharer_and_pings_nobody() -> None:
    message = people_board_message(
        board(PeopleBoardKind.RELATIONSHIPS, Window.MONTH),
        viewer_id="U9",
        shared=True,
        sharer_name="Cy",
    )
    assert_valid_message(message)
    text = all_text(message.blocks)
    assert ":mega: Shared by Cy" in text
    assert "(you)" not in text and "<@" not in text and "A teammate: *2 relationships*" in text
    assert "Cy: *1" not in text  # the sharer's own row below the top stays private
    assert not elements(message.blocks, action_id=ids.SHARE_BOARD_ACTION)
