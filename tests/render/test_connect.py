"""The connection form: its block ids, reading a submission back, and inline errors."""

from __future__ import annotations

from datetime import date
from typing import Any

from slackapp.domain.entries import FormField, FormInput, Prefill
from slackapp.domain.vocabulary import Platform, Principle
from slackapp.render import ids
from slackapp.render.connect import FORM_BLOCK_IDS, connection_form, form_errors, read_form
from slackapp.render.kit import FormContext
from tests.support.blockkit import assert_valid_view

TODAY = date(2026, 11, 27)
PREFILL = Prefill(
    principle=Principle.CARE,
    platform=Platform.LINKEDIN,
    who="@kim",
    link="https://www.linkedin.com/posts/kim-2",
    note="thanked her for the launch post",
    local_date=date(2026, 11, 26),
)


def _untouched(view: dict[str, Any]) -> dict[str, Any]:
    """What Slack would send back if the member submitted the form as it opened."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block["element"]
        kind = element["type"]
        if kind in {"radio_buttons", "static_select"}:
            state = {"selected_option": element.get("initial_option")}
        elif kind == "datepicker":
            state = {"selected_date": element["initial_date"]}
        else:
            state = {"value": element.get("initial_value")}
        values[block["block_id"]] = {element["action_id"]: {"type": kind, **state}}
    return {"state": {"values": values}}


def test_every_field_has_its_own_unchanging_block_id() -> None:
    # Modals open in Slack right now send these ids back, so they are spelled out here.
    assert dict(FORM_BLOCK_IDS) == {
        FormField.PRINCIPLE: "principle",
        FormField.PLATFORM: "platform",
        FormField.WHO: "who",
        FormField.LINK: "link",
        FormField.NOTE: "note",
        FormField.DATE: "date",
        FormField.FOLLOW_UP: "follow_up",
    }


def test_the_form_is_valid_block_kit_with_one_block_per_field() -> None:
    for editing in (False, True):
        view = connection_form(
            prefill=PREFILL, today=TODAY, form=FormContext(channel_id="C1"), editing=editing
        )
        assert_valid_view(view)
        # Only a new entry can ask for a follow-up; the edit form leaves that field out.
        fields = [f for f in FormField if not (editing and f is FormField.FOLLOW_UP)]
        assert [b["block_id"] for b in view["blocks"]] == [FORM_BLOCK_IDS[f] for f in fields]
        assert view["callback_id"] == (ids.EDIT_VIEW if editing else ids.CONNECT_VIEW)


def test_an_untouched_form_reads_back_as_its_prefill() -> None:
    view = connection_form(prefill=PREFILL, today=TODAY, form=FormContext())
    assert read_form(_untouched(view)) == FormInput(
        principle="care",
        platform="linkedin",
        who="@kim",
        link="https://www.linkedin.com/posts/kim-2",
        note="thanked her for the launch post",
        local_date="2026-11-26",
        follow_up="none",
    )


def test_inline_errors_land_on_the_fields_blocks() -> None:
    errors = form_errors({FormField.LINK: "Not a link.", FormField.DATE: "Too early."})
    assert errors == {"link": "Not a link.", "date": "Too early."}
