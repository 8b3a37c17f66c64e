"""A view's `state.values` as Slack builds it from what the member entered.

The page sends plain values per block and action ("a text", "2026-11-27", ["1", "2"]); Slack's
payload carries typed objects (`selected_option` with its text, `selected_date`, …). The element
definitions in the view say which is which.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Element = dict[str, Any]

_TEXT_VALUE = {"plain_text_input", "number_input", "email_text_input", "url_text_input"}
_SINGLE_OPTION = {"static_select", "radio_buttons", "external_select"}
_MULTI_OPTION = {"checkboxes", "multi_static_select", "multi_external_select"}
_SINGLE_PICK = {
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "users_select": "selected_user",
}
_MULTI_PICK = {
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
    "multi_users_select": "selected_users",
}
STATEFUL = _TEXT_VALUE | _SINGLE_OPTION | _MULTI_OPTION | set(_SINGLE_PICK) | set(_MULTI_PICK)


def stateful_elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[str, str, Element]]:
    """(block_id, action_id, element) for every element that keeps a value, in order."""
    for index, block in enumerate(blocks):
        block_id = str(block.get("block_id") or f"b{index}")
        kind = block.get("type")
        if kind == "input":
            element = block.get("element")
            if isinstance(element, dict) and element.get("type") in STATEFUL:
                yield block_id, str(element.get("action_id") or ""), element
        elif kind == "actions":
            for element in block.get("elements") or []:
                if isinstance(element, dict) and element.get("type") in STATEFUL:
                    yield block_id, str(element.get("action_id") or ""), element
        elif kind == "section":
            accessory = block.get("accessory")
            if isinstance(accessory, dict) and accessory.get("type") in STATEFUL:
                yield block_id, str(accessory.get("action_id") or ""), accessory


def options_of(element: Element) -> list[dict[str, Any]]:
    """Every option of a select, radio group or checkbox group (option groups flattened)."""
    found = [o for o in element.get("options") or [] if isinstance(o, dict)]
    for group in element.get("option_groups") or []:
        if isinstance(group, dict):
            found.extend(o for o in group.get("options") or [] if isinstance(o, dict))
    return found


def _option(element: Element, value: Any) -> dict[str, Any] | None:
    return next((o for o in options_of(element) if o.get("value") == value), None)


def initial_value(element: Element) -> Any:
    """What the element shows before the member touches it, as the page sends values."""
    kind = element.get("type")
    if kind in _TEXT_VALUE:
        return element.get("initial_value")
    if kind in _SINGLE_OPTION:
        chosen = element.get("initial_option")
        return chosen.get("value") if isinstance(chosen, dict) else None
    if kind in _MULTI_OPTION:
        return [o.get("value") for o in element.get("initial_options") or [] if isinstance(o, dict)]
    initial_keys = {
        "datepicker": "initial_date",
        "timepicker": "initial_time",
        "conversations_select": "initial_conversation",
        "channels_select": "initial_channel",
        "users_select": "initial_user",
        "multi_conversations_select": "initial_conversations",
        "multi_channels_select": "initial_channels",
        "multi_users_select": "initial_users",
    }
    key = initial_keys.get(str(kind))
    return element.get(key) if key else None


def element_state(element: Element, value: Any) -> dict[str, Any]:
    """One element's entry in state.values."""
    kind = str(element.get("type"))
    state: dict[str, Any] = {"type": kind}
    if kind in _TEXT_VALUE:
        state["value"] = value if isinstance(value, str) and value != "" else None
    elif kind in _SINGLE_OPTION:
        state["selected_option"] = _option(element, value)
    elif kind in _MULTI_OPTION:
        values = value if isinstance(value, list) else []
        state["selected_options"] = [o for o in options_of(element) if o.get("value") in values]
    elif kind in _SINGLE_PICK:
        state[_SINGLE_PICK[kind]] = value if isinstance(value, str) and value else None
    elif kind in _MULTI_PICK:
        state[_MULTI_PICK[kind]] = [v for v in value if isinstance(v, str)] if value else []
    return state


def state_values(
    blocks: list[dict[str, Any]], entered: dict[str, dict[str, Any]] | None
) -> dict[str, dict[str, Any]]:
    """state.values for `blocks`, from the member's entries (initial values where untouched)."""
    entered = entered or {}
    values: dict[str, dict[str, Any]] = {}
    for block_id, action_id, element in stateful_elements(blocks):
        by_action = entered.get(block_id) or {}
        value = by_action[action_id] if action_id in by_action else initial_value(element)
        values.setdefault(block_id, {})[action_id] = element_state(element, value)
    return values


def find_element(blocks: list[dict[str, Any]], *, block_id: str, action_id: str) -> Element | None:
    """The interactive element a member used, by block and action id."""
    for index, block in enumerate(blocks):
        if str(block.get("block_id") or f"b{index}") != block_id:
            continue
        candidates: list[Any] = []
        if block.get("type") == "actions":
            candidates = list(block.get("elements") or [])
        elif block.get("type") == "section":
            candidates = [block.get("accessory")]
        elif block.get("type") == "input":
            candidates = [block.get("element")]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    return None
