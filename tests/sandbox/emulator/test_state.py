"""state.values built from plain entries, element by element, as Slack builds it."""

from __future__ import annotations

from typing import Any

import pytest

from slackapp.sandbox.emulator.state import find_element, state_values


def option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value.title()}, "value": value}


def input_block(block_id: str, element: dict[str, Any]) -> dict[str, Any]:
    return {"type": "input", "block_id": block_id, "element": {**element, "action_id": "v"}}


@pytest.mark.parametrize(
    ("element", "entered", "expected"),
    [
        ({"type": "plain_text_input"}, "hi", {"value": "hi"}),
        ({"type": "plain_text_input"}, "", {"value": None}),
        ({"type": "number_input", "is_decimal_allowed": False}, "12", {"value": "12"}),
        (
            {"type": "static_select", "options": [option("a"), option("b")]},
            "b",
            {"selected_option": option("b")},
        ),
        (
            {"type": "radio_buttons", "options": [option("a")]},
            None,
            {"selected_option": None},
        ),
        (
            {"type": "checkboxes", "options": [option("1"), option("2"), option("3")]},
            ["3", "1"],
            {"selected_options": [option("1"), option("3")]},
        ),
        ({"type": "datepicker"}, "2026-11-27", {"selected_date": "2026-11-27"}),
        ({"type": "timepicker"}, "09:30", {"selected_time": "09:30"}),
        ({"type": "conversations_select"}, "C1", {"selected_conversation": "C1"}),
        ({"type": "users_select"}, "U1", {"selected_user": "U1"}),
        ({"type": "multi_users_select"}, ["U1", "U2"], {"selected_users": ["U1", "U2"]}),
    ],
)
def test_each_element_reports_its_value_in_slacks_shape(
    element: dict[str, Any], entered: Any, expected: dict[str, Any]
) -> None:
    values = state_values([input_block("b", element)], {"b": {"v": entered}})

    assert values == {"b": {"v": {"type": element["type"], **expected}}}


def test_untouched_elements_report_their_initial_values() -> None:
    blocks = [
        input_block("t", {"type": "plain_text_input", "initial_value": "kept"}),
        input_block("d", {"type": "datepicker", "initial_date": "2026-01-02"}),
        input_block(
            "r",
            {"type": "radio_buttons", "options": [option("x")], "initial_option": option("x")},
        ),
        input_block(
            "c",
            {"type": "checkboxes", "options": [option("x")], "initial_options": [option("x")]},
        ),
        {"type": "section", "text": {"type": "mrkdwn", "text": "no state"}},
    ]

    values = state_values(blocks, None)

    assert values["t"]["v"]["value"] == "kept"
    assert values["d"]["v"]["selected_date"] == "2026-01-02"
    assert values["r"]["v"]["selected_option"] == option("x")
    assert values["c"]["v"]["selected_options"] == [option("x")]
    assert "b4" not in values


def test_elements_are_found_by_block_and_action_including_unnamed_blocks() -> None:
    button = {"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}}
    blocks: list[dict[str, Any]] = [{"type": "divider"}, {"type": "actions", "elements": [button]}]

    assert find_element(blocks, block_id="b1", action_id="go") == button
    assert find_element(blocks, block_id="b0", action_id="go") is None
