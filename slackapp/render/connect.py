"""Renderers for logging: the connection form, its confirmations and refusals, and help."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Any

from slackapp.domain.calendar import day_label
from slackapp.domain.entries import (
    LINK_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    WHO_MAX_LENGTH,
    ChangeStatus,
    FormField,
    FormInput,
    LogResult,
    LogStatus,
    Prefill,
    SavedConnection,
)
from slackapp.domain.followups import FORM_CHOICES
from slackapp.domain.people import TeammateTouch
from slackapp.domain.vocabulary import (
    PLATFORM_LABELS,
    PRINCIPLE_ORDER,
    PRINCIPLES,
    Platform,
    Principle,
)
from slackapp.render import ids
from slackapp.render.kit import (
    Block,
    FormContext,
    Message,
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
    truncate,
)
from slackapp.render.people import teammate_line
from slackapp.render.widgets import notice, progress_bar, safe_url, who_text

#: The block id of each field in the connection form. Modals that are open right now carry these
#: ids and send them back on submit, so they must never change.
FORM_BLOCK_IDS: Mapping[FormField, str] = MappingProxyType(
    {
        FormField.PRINCIPLE: "principle",
        FormField.PLATFORM: "platform",
        FormField.WHO: "who",
        FormField.LINK: "link",
        FormField.NOTE: "note",
        FormField.DATE: "date",
        FormField.FOLLOW_UP: "follow_up",
    }
)


def _principle_option(principle: Principle) -> Block:
    info = PRINCIPLES[principle]
    return described_option(f"{info.emoji} {info.label}", principle.value, info.blurb)


def _text_input(
    initial: str | None, *, placeholder: str, max_length: int, multiline: bool = False
) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "placeholder": plain(placeholder),
        "max_length": max_length,
        "multiline": multiline,
    }
    if initial:
        element["initial_value"] = truncate(initial, max_length)
    return element


def connection_form(
    *, prefill: Prefill, today: date, form: FormContext, editing: bool = False
) -> dict[str, Any]:
    """The modal for logging (or editing) one connection."""
    principle_element: Block = {
        "type": "radio_buttons",
        "options": [_principle_option(p) for p in PRINCIPLE_ORDER],
    }
    if prefill.principle is not None:
        principle_element["initial_option"] = _principle_option(prefill.principle)
    platform_options = [option(PLATFORM_LABELS[p], p.value) for p in Platform]
    platform_element: Block = {
        "type": "static_select",
        "placeholder": plain("Where did it happen?"),
        "options": platform_options,
    }
    if prefill.platform is not None:
        platform_element["initial_option"] = option(
            PLATFORM_LABELS[prefill.platform], prefill.platform.value
        )
    date_element: Block = {
        "type": "datepicker",
        "initial_date": (prefill.local_date or today).isoformat(),
    }
    blocks: list[Block] = [
        input_block(
            FORM_BLOCK_IDS[FormField.PRINCIPLE],
            "What kind of value?",
            principle_element,
            optional=False,
        ),
        input_block(FORM_BLOCK_IDS[FormField.PLATFORM], "Platform", platform_element),
        input_block(
            FORM_BLOCK_IDS[FormField.WHO],
            "Who",
            _text_input(prefill.who, placeholder="@jane, or a name", max_length=WHO_MAX_LENGTH),
        ),
        input_block(
            FORM_BLOCK_IDS[FormField.LINK],
            "Link",
            _text_input(prefill.link, placeholder="https://…", max_length=LINK_MAX_LENGTH),
            hint="The post, reply or thread, so the team can see it.",
        ),
        input_block(
            FORM_BLOCK_IDS[FormField.NOTE],
            "What did you do?",
            _text_input(
                prefill.note,
                placeholder="Answered her question about webhook retries",
                max_length=NOTE_MAX_LENGTH,
                multiline=True,
            ),
        ),
        input_block(FORM_BLOCK_IDS[FormField.DATE], "When", date_element, optional=False),
    ]
    if not editing:
        none_label, _ = FORM_CHOICES["none"]
        blocks.append(
            input_block(
                FORM_BLOCK_IDS[FormField.FOLLOW_UP],
                "Follow up",
                {
                    "type": "static_select",
                    "options": [option(label, key) for key, (label, _) in FORM_CHOICES.items()],
                    "initial_option": option(none_label, "none"),
                },
                hint="I'll ask you that morning whether they replied.",
            )
        )
    return {
        "type": "modal",
        "callback_id": ids.EDIT_VIEW if editing else ids.CONNECT_VIEW,
        "title": plain("Edit connection" if editing else "Log a connection"),
        "submit": plain("Save" if editing else "Log it"),
        "close": plain("Cancel"),
        "private_metadata": form.dump(),
        "blocks": blocks,
    }


def form_errors(errors: dict[FormField, str]) -> dict[str, str]:
    """Inline errors for `ack(response_action="errors", errors=…)`, each on its field's block."""
    return {FORM_BLOCK_IDS[field]: message for field, message in errors.items()}


def describe(connection: SavedConnection) -> str:
    """One mrkdwn line saying what a stored connection is."""
    parts = [f"*{PRINCIPLES[connection.principle].label}*"]
    if connection.who:
        parts.append(f"with {who_text(connection.who, limit=200)}")
    if connection.platform is not None:
        parts.append(f"on {PLATFORM_LABELS[connection.platform]}")
    line = f"{PRINCIPLES[connection.principle].emoji} " + " ".join(parts)
    if connection.note:
        line += f": “{escape(truncate(connection.note, 300))}”"
    if connection.link:
        line += f" (<{safe_url(connection.link)}|link>)"
    return line


def _day_phrase(day: date, today: date) -> str:
    if day == today:
        return "today"
    return f"on {day_label(day)}"


def log_confirmation(
    result: LogResult,
    *,
    today: date,
    hint: TeammateTouch | None = None,
    follow_up: date | None = None,
) -> Message:
    """The ephemeral reply to a log request: what was saved (or why not) and the day's progress.

    A teammate's recent touch of the same person adds one line under it; a follow-up asked
    for, one more.
    """
    saved = result.connection
    day = saved.local_date if saved is not None else today
    progress = f"{result.day_count}/{result.daily_goal} {_day_phrase(day, today)}"
    bar = progress_bar(result.day_count, result.daily_goal)
    if result.status is LogStatus.CAP_REACHED:
        text = (
            f"You've already logged {result.daily_cap} connections for that day, our daily cap, "
            "so this one wasn't saved. That's a remarkable day; the rest can wait for tomorrow."
        )
        return Message(text=text, blocks=[section(f":raised_hands: {text}")])
    assert saved is not None
    if result.status is LogStatus.DUPLICATE_LINK:
        text = (
            f"Already logged: you saved this link {_day_phrase(day, today)}. Nothing new was saved."
        )
        return Message(
            text=text, blocks=[section(f":information_source: {text}\n{describe(saved)}")]
        )
    if result.status is LogStatus.ALREADY_SAVED:
        text = f"Already saved. {progress}."
        return Message(text=text, blocks=[section(f":white_check_mark: {text}\n{describe(saved)}")])
    cheer = ""
    if result.day_count == result.daily_goal:
        cheer = (
            "\n:tada: That's your goal for the day. Ten real people got something real from you."
        )
    elif result.day_count > result.daily_goal:
        cheer = "\n:star2: Past the goal. Keep it human; the number follows."
    text = f"Saved: {PRINCIPLES[saved.principle].label}. {progress}."
    blocks: list[Block] = [
        section(
            f":white_check_mark: Saved {describe(saved)}\n*{progress}*  {bar}{cheer}",
            accessory=button("Undo", action_id=ids.UNDO_ACTION, value=str(saved.id)),
        )
    ]
    if hint is not None:
        blocks.append(context(teammate_line(hint, today=today)))
    if follow_up is not None:
        whom = who_text(saved.who, limit=60) if saved.who else "they"
        blocks.append(
            context(
                f":hourglass_flowing_sand: I'll ask you on {day_label(follow_up)} "
                f"whether {whom} replied."
            )
        )
    return Message(text=text, blocks=blocks)


def undo_done(connection: SavedConnection) -> Message:
    text = "Removed. That entry is gone from your log."
    return Message(text=text, blocks=[section(f":wastebasket: {text}\n~{describe(connection)}~")])


def help_message(*, daily_goal: int) -> Message:
    """What /connect help shows: the four principles and how to log."""
    principle_lines = "\n".join(
        f"{PRINCIPLES[p].emoji} *{p.value}*: {PRINCIPLES[p].blurb}" for p in PRINCIPLE_ORDER
    )
    examples = "\n".join(
        [
            "`/connect solve @jane on twitter answered her question about webhook retries "
            "https://x.com/jane/status/1`",
            "`/connect care commented on @sam's launch post on linkedin`",
            "`/connect laugh shared a meme with @dev_folks on instagram`",
            "`/connect opportunity spotted @newbie asking for a podcast host on reddit, "
            "sent our guide`",
            "Add `follow up in 3 days` (or `friday`, `1w`, `tomorrow`) and I'll ask you that "
            "morning whether they replied.",
            "`/connect` on its own opens a form.",
        ]
    )
    commands = "\n".join(
        [
            "`/leaderboard [today|week|month|all|7d|30d] [solve|care|laugh|opportunity]`: "
            "where the team stands",
            "`/leaderboard people [window]` and `/leaderboard relationships`: who reached the "
            "most people, and who keeps coming back to them",
            "`/mystats`: your day, your streaks and your week",
            "`/connect who @name [platform]`: everyone on the team who gave them value, and when",
            "`/connect export`: your own entries as a spreadsheet, in your DM",
            "`/connect forget-me`: delete all your data (it asks first)",
            "`/connect nudges off|on` and `/connect followups off|on`: the daily nudge and the "
            "follow-up questions in your DMs, each your own choice",
            "`/connect help`: this message",
        ]
    )
    intro = (
        "Valueboard counts what followers and likes only stand for: value you gave a real "
        f"person. Your team aims for about {daily_goal} real connections a day."
    )
    blocks: list[Block] = [
        section(f"*Four ways to give value*\n{intro}"),
        section(principle_lines),
        section(f"*Log one in a few seconds*\n{examples}"),
        section(f"*See the habit*\n{commands}"),
        context(
            "Start a line with the kind of value, or just describe what you did: "
            "words like _answered_, _thanked_, _meme_ or _spotted_ work too."
        ),
    ]
    return Message(text=f"Valueboard help: {intro}", blocks=blocks)


def read_form(view: dict[str, Any]) -> FormInput:
    """The plain values a member submitted in the connection form."""

    def element(field: FormField) -> dict[str, Any]:
        return submitted(view, FORM_BLOCK_IDS[field])

    return FormInput(
        principle=submitted_choice(element(FormField.PRINCIPLE)),
        platform=submitted_choice(element(FormField.PLATFORM)),
        who=submitted_text(element(FormField.WHO)),
        link=submitted_text(element(FormField.LINK)),
        note=submitted_text(element(FormField.NOTE)),
        local_date=submitted_text(element(FormField.DATE), "selected_date"),
        follow_up=submitted_choice(element(FormField.FOLLOW_UP)),
    )


def change_refused(status: ChangeStatus) -> Message:
    """Why an undo, edit or delete did nothing."""
    if status is ChangeStatus.NOT_YOURS:
        return notice(
            "That entry belongs to someone else, so it stays as it is. "
            "You can change or delete only your own entries.",
            emoji=":lock:",
        )
    if status is ChangeStatus.DUPLICATE_LINK:
        return notice("You already logged that link for that day, so nothing was changed.")
    return notice("That entry is already gone. Nothing to change.")


def updated(connection: SavedConnection) -> Message:
    text = "Updated. Your entry now reads as below."
    return Message(text=text, blocks=[section(f":pencil2: {text}\n{describe(connection)}")])
