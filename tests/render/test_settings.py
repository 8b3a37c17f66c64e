"""Block Kit shape and wording of the team settings surfaces, checked with slack_sdk."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from slackapp.domain.team_settings import (
    DigestMode,
    NudgeMode,
    NudgePreference,
    SettingsField,
    SettingsInput,
    TeamSettings,
)
from slackapp.render import ids
from slackapp.render.kit import FormContext, Message
from slackapp.render.settings import (
    SETTINGS_BLOCK_IDS,
    nudges_preference_message,
    read_settings_form,
    refusal_errors,
    settings_button,
    settings_errors,
    settings_modal,
    settings_refused,
    settings_refused_view,
    settings_saved,
    work_days_text,
)
from tests.support.blockkit import assert_valid_message, assert_valid_view

SETTINGS = TeamSettings(
    team_id="T1",
    timezone="America/New_York",
    work_days=frozenset(range(5)),
    daily_goal=10,
    nudge_mode=NudgeMode.CHANNEL,
    nudge_channel="C100",
    nudge_time=time(9, 0),
    digest_mode=DigestMode.WEEKLY,
    digest_channel="C200",
    digest_time=time(16, 0),
    digest_weekday=4,
)


# --- every payload is valid Block Kit ---------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        settings_saved(SETTINGS),
        settings_saved(replace(SETTINGS, nudge_mode=NudgeMode.DM, digest_mode=DigestMode.OFF)),
        settings_refused(),
        *(
            nudges_preference_message(NudgePreference(enabled, mode, "C100", time(9, 0)))
            for enabled in (True, False)
            for mode in NudgeMode
        ),
    ],
)
def test_messages_are_valid_block_kit(message: Message) -> None:
    assert_valid_message(message)


@pytest.mark.parametrize(
    "view",
    [
        settings_modal(SETTINGS, channel_id="C1"),
        settings_modal(
            replace(
                SETTINGS,
                nudge_mode=NudgeMode.OFF,
                nudge_channel=None,
                digest_mode=DigestMode.OFF,
                digest_channel=None,
                updated_by="U1",
                nudge_paused_reason="I'm not in that <private> channel",
                digest_paused_reason="the channel was archived.",
            )
        ),
        settings_refused_view(),
    ],
)
def test_views_are_valid_block_kit(view: dict[str, Any]) -> None:
    assert_valid_view(view)


def test_settings_button_is_valid_and_opens_settings() -> None:
    block = settings_button()
    parsed = Block.parse(block)
    assert parsed is not None
    parsed.validate_json()
    assert [e["action_id"] for e in block["elements"]] == [ids.OPEN_SETTINGS_ACTION]


# --- settings ---------------------------------------------------------------------------------


def _state(view: dict[str, Any]) -> dict[str, Any]:
    """What Slack would send back if the admin submitted the modal untouched."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        kind = element["type"]
        if kind in {"plain_text_input", "number_input"}:
            state = {"value": element.get("initial_value")}
        elif kind == "checkboxes":
            state = {"selected_options": element.get("initial_options", [])}
        elif kind in {"radio_buttons", "static_select"}:
            state = {"selected_option": element.get("initial_option")}
        elif kind == "conversations_select":
            state = {"selected_conversation": element.get("initial_conversation")}
        elif kind == "timepicker":
            state = {"selected_time": element.get("initial_time")}
        else:
            raise AssertionError(kind)
        values[block["block_id"]] = {element["action_id"]: {"type": kind, **state}}
    return {"state": {"values": values}}


def test_an_untouched_modal_reads_back_as_the_current_settings() -> None:
    view = settings_modal(replace(SETTINGS, work_days=frozenset({0, 2, 4}), daily_goal=7))
    assert read_settings_form(_state(view)) == SettingsInput(
        timezone="America/New_York",
        work_days=("0", "2", "4"),
        daily_goal="7",
        nudge_mode="channel",
        nudge_channel="C100",
        nudge_time="09:00",
        digest_mode="weekly",
        digest_channel="C200",
        digest_time="16:00",
        digest_weekday="4",
    )


def test_modal_block_ids_are_the_settings_fields() -> None:
    view = settings_modal(SETTINGS, channel_id="C1")
    input_ids = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert input_ids == [field.value for field in SettingsField]
    assert view["callback_id"] == ids.SETTINGS_VIEW
    assert FormContext.load(view["private_metadata"]) == FormContext(channel_id="C1")


def test_paused_schedules_are_explained_in_the_modal() -> None:
    view = settings_modal(replace(SETTINGS, nudge_paused_reason="I'm not in <#C100>."))
    notes = [str(b) for b in view["blocks"] if b["type"] == "context"]
    assert any("The nudge is paused (I'm not in &lt;#C100&gt;)" in note for note in notes)


@pytest.mark.parametrize("raw", [None, "", "not json", "[1]", '{"c": 5}'])
def test_settings_context_survives_odd_metadata(raw: str | None) -> None:
    assert FormContext.load(raw) == FormContext()


def test_inline_errors_use_block_ids() -> None:
    errors = settings_errors({SettingsField.DAILY_GOAL: "Pick 1 to 100."})
    assert errors == {"settings_daily_goal": "Pick 1 to 100."}
    assert list(refusal_errors()) == [SettingsField.TIMEZONE.value]


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ({0, 1, 2, 3, 4}, "Mon–Fri"),
        (set(range(7)), "Every day"),
        ({0, 2, 4}, "Mon, Wed, Fri"),
        ({5, 6}, "Sat, Sun"),
        ({0, 1, 2, 3, 5}, "Mon–Thu, Sat"),
        ({6}, "Sun"),
    ],
)
def test_work_days_text(days: set[int], text: str) -> None:
    assert work_days_text(frozenset(days)) == text


def test_saved_summary_shows_everything_back() -> None:
    lines = settings_saved(SETTINGS).blocks[0]["text"]["text"].splitlines()
    assert lines == [
        ":white_check_mark: Team settings saved.",
        "*Time zone:* America/New_York",
        "*Work days:* Mon–Fri",
        "*Daily goal:* 10 real connections per person",
        "*Nudge:* posted in <#C100> at 09:00 on work days",
        "*Digest:* weekly on Fridays in <#C200> at 16:00",
    ]


@pytest.mark.parametrize(
    ("enabled", "mode", "expected"),
    [
        (False, NudgeMode.DM, "`/connect nudges on`"),
        (False, NudgeMode.CHANNEL, "The team's nudge in <#C100> stays"),
        (True, NudgeMode.DM, "DM at 09:00 your time"),
        (True, NudgeMode.CHANNEL, "in <#C100> at 09:00"),
        (True, NudgeMode.OFF, "hasn't switched the nudge on yet"),
    ],
)
def test_nudge_preference_wording(enabled: bool, mode: NudgeMode, expected: str) -> None:
    message = nudges_preference_message(NudgePreference(enabled, mode, "C100", time(9, 0)))
    assert expected in message.text


def test_every_field_has_its_own_unchanging_block_id() -> None:
    # Modals open in Slack right now send these ids back, so they are spelled out here.
    assert dict(SETTINGS_BLOCK_IDS) == {
        SettingsField.TIMEZONE: "settings_timezone",
        SettingsField.WORK_DAYS: "settings_work_days",
        SettingsField.DAILY_GOAL: "settings_daily_goal",
        SettingsField.NUDGE_MODE: "settings_nudge_mode",
        SettingsField.NUDGE_CHANNEL: "settings_nudge_channel",
        SettingsField.NUDGE_TIME: "settings_nudge_time",
        SettingsField.DIGEST_MODE: "settings_digest_mode",
        SettingsField.DIGEST_CHANNEL: "settings_digest_channel",
        SettingsField.DIGEST_TIME: "settings_digest_time",
        SettingsField.DIGEST_WEEKDAY: "settings_digest_weekday",
    }
