"""Team settings: the modal, its inline errors, the summary after saving, and the nudge opt-out."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from slackapp.domain.calendar import WorkDays, weekday_name
from slackapp.domain.team_settings import (
    MAX_DAILY_GOAL,
    MIN_DAILY_GOAL,
    DigestMode,
    NudgeMode,
    NudgePreference,
    SettingsField,
    SettingsInput,
    TeamSettings,
    format_time,
)
from slackapp.render import ids
from slackapp.render.kit import (
    Block,
    FormContext,
    Message,
    actions,
    button,
    context,
    described_option,
    escape,
    input_block,
    option,
    plain,
    section,
    submitted,
    submitted_choice,
    submitted_text,
)

__all__ = [
    "SETTINGS_BLOCK_IDS",
    "nudges_preference_message",
    "read_settings_form",
    "refusal_errors",
    "settings_button",
    "settings_errors",
    "settings_modal",
    "settings_refused",
    "settings_refused_view",
    "settings_saved",
    "work_days_text",
]

#: The block id of each field in the settings modal, so inline errors land beside the field.
#: Modals that are open right now carry these ids and send them back, so they must never change.
SETTINGS_BLOCK_IDS: Mapping[SettingsField, str] = MappingProxyType(
    {
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
)

_NUDGE_CHOICES: dict[NudgeMode, tuple[str, str]] = {
    NudgeMode.OFF: ("Off", "No daily nudge."),
    NudgeMode.CHANNEL: (
        "Post in a channel",
        "One message for the whole team, in the channel below.",
    ),
    NudgeMode.DM: ("DM each member", "At the time below in each person's own time zone."),
}
_DIGEST_CHOICES: dict[DigestMode, tuple[str, str]] = {
    DigestMode.OFF: ("Off", "No digest."),
    DigestMode.DAILY: ("Daily", "Every work day, covering that day."),
    DigestMode.WEEKLY: ("Weekly", "Once a week, covering the last seven days, with a chart."),
}

REFUSAL = (
    "Team settings are for workspace admins and owners, and for the people your admin "
    "listed for Valueboard. If something should change, ask one of them; they can open "
    "it with `/connect settings`."
)


def settings_button() -> Block:
    """An actions block with the "Team settings" button (for the App Home)."""
    return actions(button("Team settings", action_id=ids.OPEN_SETTINGS_ACTION))


# --------------------------------------------------------------------------------------------
# The modal
# --------------------------------------------------------------------------------------------


def _radio(choices: dict[Any, tuple[str, str]], current: Any) -> Block:
    options = [described_option(text, mode.value, desc) for mode, (text, desc) in choices.items()]
    text, desc = choices[current]
    return {
        "type": "radio_buttons",
        "options": options,
        "initial_option": described_option(text, current.value, desc),
    }


def _channel_select(current: str | None, *, placeholder: str) -> Block:
    element: Block = {
        "type": "conversations_select",
        "placeholder": plain(placeholder),
        "filter": {
            "include": ["public", "private"],
            "exclude_bot_users": True,
            "exclude_external_shared_channels": True,
        },
    }
    if current:
        element["initial_conversation"] = current
    return element


def _time_picker(value: str) -> Block:
    return {"type": "timepicker", "initial_time": value, "placeholder": plain("Pick a time")}


def _day_option(day: int) -> Block:
    return option(weekday_name(day, style="long"), str(day))


def _paused_note(reason: str | None, what: str) -> list[Block]:
    if not reason:
        return []
    reason = escape(reason.strip().rstrip("."))
    return [context(f":pause_button: The {what} is paused ({reason}). Saving here resumes it.")]


def settings_modal(settings: TeamSettings, *, channel_id: str | None = None) -> dict[str, Any]:
    """The team settings modal, filled in with the team's current settings."""
    work_days: Block = {
        "type": "checkboxes",
        "options": [_day_option(day) for day in range(7)],
    }
    if settings.work_days:
        work_days["initial_options"] = [_day_option(day) for day in sorted(settings.work_days)]
    goal: Block = {
        "type": "number_input",
        "is_decimal_allowed": False,
        "initial_value": str(settings.daily_goal),
    }
    weekday: Block = {
        "type": "static_select",
        "options": [_day_option(day) for day in range(7)],
        "initial_option": _day_option(settings.digest_weekday % 7),
    }
    blocks: list[Block] = [
        section("*Your team*"),
        input_block(
            SETTINGS_BLOCK_IDS[SettingsField.TIMEZONE],
            "Time zone",
            {
                "type": "plain_text_input",
                "initial_value": settings.timezone,
                "placeholder": plain("America/New_York"),
                "max_length": 64,
            },
            hint="The team's home zone, as an IANA name like Europe/Berlin or Asia/Tokyo.",
            optional=False,
        ),
        input_block(
            SETTINGS_BLOCK_IDS[SettingsField.WORK_DAYS], "Work days", work_days, optional=False
        ),
        input_block(
            SETTINGS_BLOCK_IDS[SettingsField.DAILY_GOAL],
            "Daily goal per person",
            goal,
            hint=f"Real connections a day, from {MIN_DAILY_GOAL} to {MAX_DAILY_GOAL}. "
            "Ten is a good habit.",
            optional=False,
        ),
        section("*Daily nudge*\nA short morning message with a principle to practise and a tip."),
        *_paused_note(settings.nudge_paused_reason, "nudge"),
        input_block(
            SETTINGS_BLOCK_IDS[SettingsField.NUDGE_MODE],
            "Nudge",
            _radio(_NUDGE_CHOICES, settings.nudge_mode),
            optional=False,
        ),
        input_block(
            SETTINGS_BLOCK_IDS[SettingsField.NUDGE_CHANNEL],
            "Nudge channel",
            _channel_select(settings.nudge_channel, placeholder="Pick a channel"),
            optional=True,
            hint="Needed when the nudge posts in a channel. For a private one, invite me first.",
        ),
        input_block(
            SETTINGS_BLOCK_IDS[SettingsField.NUDGE_TIME],
            "Nudge time",
            _time_picker(format_time(settings.nudge_time)),
            hint="Local time, on work days.",
            optional=False,
        ),
        section("*Digest*\nThe team's numbers, top contributors, streaks and highlights."),
        *_paused_note(settings.digest_paused_reason, "digest"),
        input_block(
            SETTINGS_BLOCK_IDS[SettingsField.DIGEST_MODE],
            "Digest",
            _radio(_DIGEST_CHOICES, settings.digest_mode),
            optional=False,
        ),
        input_block(
            SETTINGS_BLOCK_IDS[SettingsField.DIGEST_CHANNEL],
            "Digest channel",
            _channel_select(settings.digest_channel, placeholder="Pick a channel"),
            optional=True,
            hint="Needed when the digest is on. For a private channel, invite me first.",
        ),
        input_block(
            SETTINGS_BLOCK_IDS[SettingsField.DIGEST_TIME],
            "Digest time",
            _time_picker(format_time(settings.digest_time)),
            hint="In the team's time zone.",
            optional=False,
        ),
        input_block(
            SETTINGS_BLOCK_IDS[SettingsField.DIGEST_WEEKDAY],
            "Weekly digest day",
            weekday,
            hint="Used by the weekly digest only.",
            optional=False,
        ),
    ]
    if settings.updated_by:
        blocks.append(context(f"Last saved by <@{settings.updated_by}>."))
    return {
        "type": "modal",
        "callback_id": ids.SETTINGS_VIEW,
        "title": plain("Team settings"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "private_metadata": FormContext(channel_id=channel_id).dump(),
        "blocks": blocks,
    }


def settings_refused_view() -> dict[str, Any]:
    """A small modal that says, kindly, why these settings are not open to this member."""
    return {
        "type": "modal",
        "title": plain("Team settings"),
        "close": plain("OK"),
        "blocks": [section(f":lock: {REFUSAL}")],
    }


def settings_refused() -> Message:
    """The ephemeral answer to `/connect settings` from someone who may not change them."""
    return Message(text=REFUSAL, blocks=[section(f":lock: {REFUSAL}")])


# --------------------------------------------------------------------------------------------
# Reading a submission
# --------------------------------------------------------------------------------------------


def read_settings_form(view: dict[str, Any]) -> SettingsInput:
    """The plain values an admin submitted in the settings modal."""

    def element(field: SettingsField) -> dict[str, Any]:
        return submitted(view, SETTINGS_BLOCK_IDS[field])

    def text(field: SettingsField, key: str = "value") -> str | None:
        return submitted_text(element(field), key)

    checked = element(SettingsField.WORK_DAYS).get("selected_options") or []
    work_days = tuple(
        str(item["value"]) for item in checked if isinstance(item, dict) and "value" in item
    )
    return SettingsInput(
        timezone=text(SettingsField.TIMEZONE),
        work_days=work_days,
        daily_goal=text(SettingsField.DAILY_GOAL),
        nudge_mode=submitted_choice(element(SettingsField.NUDGE_MODE)),
        nudge_channel=text(SettingsField.NUDGE_CHANNEL, "selected_conversation"),
        nudge_time=text(SettingsField.NUDGE_TIME, "selected_time"),
        digest_mode=submitted_choice(element(SettingsField.DIGEST_MODE)),
        digest_channel=text(SettingsField.DIGEST_CHANNEL, "selected_conversation"),
        digest_time=text(SettingsField.DIGEST_TIME, "selected_time"),
        digest_weekday=submitted_choice(element(SettingsField.DIGEST_WEEKDAY)),
    )


def settings_errors(errors: dict[SettingsField, str]) -> dict[str, str]:
    """Inline errors for `ack(response_action="errors", errors=…)`, each on its field's block."""
    return {SETTINGS_BLOCK_IDS[field]: message for field, message in errors.items()}


def refusal_errors() -> dict[str, str]:
    """Inline errors for a submission from someone who may no longer change settings."""
    return settings_errors(
        {
            SettingsField.TIMEZONE: "Only workspace admins and the people listed for Valueboard "
            "can change team settings, so nothing was saved."
        }
    )


# --------------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------------


def work_days_text(work_days: WorkDays) -> str:
    """Work days in words: "Mon–Fri", "Mon, Wed, Fri", "Every day"."""
    days = sorted(work_days)
    if len(days) == 7:
        return "Every day"
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{weekday_name(run[0])}–{weekday_name(run[-1])}")
        else:
            parts.extend(weekday_name(day) for day in run)
    return ", ".join(parts)


def _nudge_text(settings: TeamSettings) -> str:
    at = format_time(settings.nudge_time)
    if settings.nudge_mode is NudgeMode.CHANNEL:
        return f"posted in <#{settings.nudge_channel}> at {at} on work days"
    if settings.nudge_mode is NudgeMode.DM:
        return f"a DM to each member at {at} their own time, on work days"
    return "off"


def _digest_text(settings: TeamSettings) -> str:
    at = format_time(settings.digest_time)
    if settings.digest_mode is DigestMode.DAILY:
        return f"daily in <#{settings.digest_channel}> at {at} on work days"
    if settings.digest_mode is DigestMode.WEEKLY:
        day = weekday_name(settings.digest_weekday % 7, style="long")
        return f"weekly on {day}s in <#{settings.digest_channel}> at {at}"
    return "off"


def settings_saved(settings: TeamSettings) -> Message:
    """The summary shown to the admin once settings are saved."""
    lines = [
        f"*Time zone:* {settings.timezone}",
        f"*Work days:* {work_days_text(settings.work_days)}",
        f"*Daily goal:* {settings.daily_goal} real connections per person",
        f"*Nudge:* {_nudge_text(settings)}",
        f"*Digest:* {_digest_text(settings)}",
    ]
    blocks: list[Block] = [section(":white_check_mark: Team settings saved.\n" + "\n".join(lines))]
    uses_channel = (
        settings.nudge_mode is NudgeMode.CHANNEL or settings.digest_mode is not DigestMode.OFF
    )
    if uses_channel:
        blocks.append(
            context(
                "Posting in a private channel? Invite me there first with `/invite @Valueboard`."
            )
        )
    text = f"Team settings saved. Nudge: {_nudge_text(settings)}. Digest: {_digest_text(settings)}."
    return Message(text=text, blocks=blocks)


def nudges_preference_message(preference: NudgePreference) -> Message:
    """The friendly confirmation for `/connect nudges off` and `/connect nudges on`."""
    at = format_time(preference.nudge_time)
    if not preference.enabled:
        text = (
            "Done: no more daily nudges in your DMs. "
            "Whenever you want them back, type `/connect nudges on`."
        )
        if preference.team_mode is NudgeMode.CHANNEL and preference.team_channel:
            text += (
                f" The team's nudge in <#{preference.team_channel}> stays, "
                "since it's one post for everyone."
            )
        return Message(text=text, blocks=[section(f":mute: {text}")])
    text = "You're back on the daily nudge."
    if preference.team_mode is NudgeMode.DM:
        text += f" It arrives as a DM at {at} your time on work days."
    elif preference.team_mode is NudgeMode.CHANNEL and preference.team_channel:
        text += f" Right now the team gets it in <#{preference.team_channel}> at {at}."
    else:
        text += " Your team hasn't switched the nudge on yet; once an admin does, it'll reach you."
    return Message(text=text, blocks=[section(f":bell: {text}")])
