"""The small pieces renderers share: names, counts, progress bars, medals, the log button."""

from __future__ import annotations

import pytest

from slackapp.domain.vocabulary import Principle
from slackapp.render import ids
from slackapp.render.widgets import (
    NAME_MAX,
    connections_phrase,
    medal,
    member_name,
    notice,
    open_form_button,
    principle_counts_line,
    progress_bar,
)
from tests.support.blockkit import assert_valid_blocks, assert_valid_message


@pytest.mark.parametrize(
    ("display_name", "expected"),
    [
        (None, "A teammate"),
        ("   ", "A teammate"),
        ("Ana", "Ana"),
        ("  Ana \n Lopez ", "Ana Lopez"),
        ("Tom & Jerry", "Tom &amp; Jerry"),
        ("x" * 200, "x" * (NAME_MAX - 1) + "…"),
        ("&" * 100, "&amp;" * (NAME_MAX - 1) + "…"),
    ],
)
def test_member_name(display_name: str | None, expected: str) -> None:
    assert member_name(display_name) == expected


@pytest.mark.parametrize(
    ("name", "shown"),
    [("Ana", "Ana"), (None, "A teammate"), ("  ", "A teammate"), ("<@U1>", "&lt;@U1&gt;")],
)
def test_member_name_never_mentions(name: str | None, shown: str) -> None:
    assert member_name(name) == shown


@pytest.mark.parametrize(
    ("count", "goal", "bar"),
    [
        (0, 10, "▱▱▱▱▱▱▱▱▱▱"),
        (3, 10, "▰▰▰▱▱▱▱▱▱▱"),
        (25, 10, "▰▰▰▰▰▰▰▰▰▰"),
        (0, 0, "▰▰▰▰▰▰▰▰▰▰"),
    ],
)
def test_progress_bar(count: int, goal: int, bar: str) -> None:
    assert progress_bar(count, goal) == bar


def test_medals_stop_at_the_podium() -> None:
    assert [medal(rank) for rank in (1, 2, 3, 4, 0)] == [
        ":first_place_medal:",
        ":second_place_medal:",
        ":third_place_medal:",
        None,
        None,
    ]


def test_counts_and_phrases() -> None:
    counts = {Principle.CARE: 2, Principle.SOLVE: 1200}
    assert principle_counts_line(counts) == ":bulb: 1,200   :heart: 2   :joy: 0   :dart: 0"
    assert connections_phrase(1) == "1 real connection"
    assert connections_phrase(1200) == "1,200 real connections"


def test_notice_and_log_button_are_valid_block_kit() -> None:
    message = notice("Nothing to change <here>.", emoji=":lock:")
    assert_valid_message(message)
    assert message.blocks[0]["text"]["text"] == ":lock: Nothing to change &lt;here&gt;."
    block = open_form_button()
    assert_valid_blocks([block], limit=1)
    assert [e["action_id"] for e in block["elements"]] == [ids.OPEN_FORM_ACTION]
