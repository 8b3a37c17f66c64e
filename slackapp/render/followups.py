"""Follow-ups in Slack: the morning DM and its answers, the on/off reply, reply-rate lines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slackapp.domain.calendar import day_label
from slackapp.domain.followups import (
    ASK_AGAIN_DAYS,
    Answer,
    AnswerStatus,
    FollowUpItem,
    FollowUpState,
    ReplyRate,
    ReplyRates,
)
from slackapp.domain.vocabulary import PLATFORM_LABELS, PRINCIPLES, Platform, Principle
from slackapp.render import ids
from slackapp.render.kit import Block, Message, actions, button, context, escape, section, truncate
from slackapp.render.widgets import notice, safe_url, who_text

__all__ = [
    "answer_refused",
    "answer_value",
    "best_principle_line",
    "followup_message",
    "followups_preference_message",
    "platforms_line",
    "read_answer_value",
    "reply_rate_line",
    "waiting_blocks",
]

#: What the member gave, as the question names it.
_GIFT: dict[Principle, str] = {
    Principle.SOLVE: "your answer",
    Principle.CARE: "your note",
    Principle.LAUGH: "your post",
    Principle.OPPORTUNITY: "your tip",
}
#: Each answer's action id and button label.
ANSWER_ACTIONS: dict[Answer, str] = {
    Answer.REPLIED: ids.FOLLOWUP_REPLIED_ACTION,
    Answer.NO_REPLY: ids.FOLLOWUP_NO_REPLY_ACTION,
    Answer.WAITING: ids.FOLLOWUP_WAITING_ACTION,
}


def answer_value(item: FollowUpItem) -> str:
    """The buttons' value: the follow-up and the day this message asks about."""
    asked = item.asked_for.isoformat() if item.asked_for else ""
    return f"{item.id}:{asked}"


def read_answer_value(value: str | None) -> tuple[int, date | None] | None:
    """The follow-up id and day a button's value names; None when it is not ours."""
    head, _, tail = (value or "").partition(":")
    try:
        follow_up_id = int(head)
        asked = date.fromisoformat(tail) if tail else None
    except ValueError:
        return None
    return follow_up_id, asked


def _whom(item: FollowUpItem) -> str:
    return who_text(item.who, limit=60) if item.who else "they"


def question(item: FollowUpItem) -> str:
    """ "Did @jane reply to your answer on X / Twitter?" """
    where = ""
    if item.platform:
        try:
            where = f" on {PLATFORM_LABELS[Platform(item.platform)]}"
        except ValueError:
            where = ""
    return f"Did {_whom(item)} reply to {_GIFT[item.principle]}{where}?"


def _details(item: FollowUpItem) -> str:
    parts = [f"{PRINCIPLES[item.principle].emoji} logged {day_label(item.logged_on)}"]
    if item.note:
        parts.insert(0, f"“{escape(truncate(item.note, 200))}”")
    if item.link:
        parts.append(f"<{safe_url(item.link)}|the post>")
    return " · ".join(parts)


def _item_blocks(item: FollowUpItem) -> list[Block]:
    if item.state is FollowUpState.REPLIED:
        return [section(f":white_check_mark: {_whom(item)} replied. Nice: that's a conversation.")]
    if item.state is FollowUpState.NO_REPLY:
        return [
            section(f":zipper_mouth_face: No reply from {_whom(item)}. Noted; it still counts.")
        ]
    if item.asked_for is not None and item.due_date > item.asked_for:
        return [
            section(
                f":hourglass_flowing_sand: Still waiting on {_whom(item)}. "
                f"I'll ask again on {day_label(item.due_date)}."
            )
        ]
    value = answer_value(item)
    return [
        section(question(item)),
        context(_details(item)),
        actions(
            button(
                "Replied",
                action_id=ANSWER_ACTIONS[Answer.REPLIED],
                value=value,
                style="primary",
            ),
            button("No reply", action_id=ANSWER_ACTIONS[Answer.NO_REPLY], value=value),
            button(
                f"Still waiting (ask again in {ASK_AGAIN_DAYS} days)",
                action_id=ANSWER_ACTIONS[Answer.WAITING],
                value=value,
            ),
            block_id=f"followup_{item.id}",
        ),
    ]


def followup_message(items: Sequence[FollowUpItem]) -> Message:
    """The morning DM: one question per follow-up due, each with its three buttons."""
    if not items:
        return notice("Nothing left to follow up here.")
    first = items[0]
    text = question(first) if len(items) == 1 else f"{len(items)} follow-ups: did they reply?"
    blocks: list[Block] = [section(":wave: *Time to follow up*")]
    for item in items:
        blocks.extend(_item_blocks(item))
    blocks.append(context("Your answers build your reply rate in `/mystats`."))
    return Message(text=text, blocks=blocks)


def answer_refused(status: AnswerStatus, item: FollowUpItem | None) -> Message:
    """Why a click changed nothing."""
    if status is AnswerStatus.NOT_YOURS:
        return notice(
            "That follow-up belongs to someone else, so it stays as it is.", emoji=":lock:"
        )
    if status is AnswerStatus.GONE or item is None:
        return notice("That entry was deleted, so there is nothing to follow up.")
    if status is AnswerStatus.ALREADY_MOVED:
        return notice(
            f"Already noted: I'll ask about {_whom(item)} again on {day_label(item.due_date)}."
        )
    said = "replied" if item.state is FollowUpState.REPLIED else "no reply"
    return notice(f"You already answered this one ({said}). Nothing changed.")


def followups_preference_message(*, enabled: bool, waiting: int) -> Message:
    """The confirmation for `/connect followups off|on`."""
    if not enabled:
        text = (
            "Done: no more follow-up questions in your DMs. Whenever you want them back, type "
            "`/connect followups on`. Your daily nudge is a separate choice "
            "(`/connect nudges off`)."
        )
        return Message(text=text, blocks=[section(f":mute: {text}")])
    text = "You're back on follow-ups: I'll ask at 9:00 your time on the day you chose."
    if waiting:
        text += f" {waiting} {'is' if waiting == 1 else 'are'} waiting."
    return Message(text=text, blocks=[section(f":bell: {text}")])


def waiting_blocks(items: Sequence[FollowUpItem], *, today: date) -> list[Block]:
    """The Home's follow-ups waiting on the member, soonest first."""
    if not items:
        return []
    lines = []
    for item in items:
        when = "today" if item.due_date <= today else day_label(item.due_date)
        lines.append(f"• {_whom(item)} · {PRINCIPLES[item.principle].emoji} · ask {when}")
    return [section("*Follow-ups waiting on you*\n" + "\n".join(lines))]


def reply_rate_line(rate: ReplyRate, *, period: str) -> str | None:
    """ "7 of 12 people replied this month (58%)", or None with nothing answered."""
    if rate.percent is None:
        return None
    people = "person" if rate.answered == 1 else "people"
    return f"{rate.replied} of {rate.answered} {people} replied {period} ({rate.percent}%)"


def best_principle_line(rates: ReplyRates) -> str | None:
    """Which principle gets the most replies, or None."""
    best = rates.best_principle
    if best is None:
        return None
    rate = rates.by_principle[best]
    return (
        f"{PRINCIPLES[best].emoji} *{PRINCIPLES[best].label}* gets the most replies "
        f"({rate.replied} of {rate.answered})"
    )


def platforms_line(rates: ReplyRates) -> str | None:
    """Reply rates per platform, busiest first: "X / Twitter 3 of 4 · LinkedIn 1 of 3"."""
    shown = []
    for key, rate in sorted(
        rates.by_platform.items(), key=lambda item: (-item[1].answered, item[0])
    ):
        try:
            name = PLATFORM_LABELS[Platform(key)] if key else "no platform"
        except ValueError:
            name = key
        shown.append(f"{name} {rate.replied} of {rate.answered}")
    if len(shown) < 2:
        return None  # one platform says nothing the overall line did not
    return "By platform: " + " · ".join(shown[:5])
