"""A member's own data: the export's answers, and forget-me's question, refusal and result."""

from __future__ import annotations

from slackapp.domain.rights import MemberData
from slackapp.render import ids
from slackapp.render.kit import Message, actions, button, context, section
from slackapp.render.widgets import notice

__all__ = [
    "export_failed",
    "export_nothing",
    "export_started",
    "forget_cancelled",
    "forget_nothing",
    "forget_question",
    "forget_refused",
    "forgotten",
]


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def export_started() -> Message:
    """The ack of /connect export."""
    return notice("I'm sending your export to our DM.", emoji=":outbox_tray:")


def export_nothing() -> Message:
    """/connect export from someone who has logged nothing yet."""
    return notice(
        "You haven't logged any connections yet, so there's nothing to export. "
        "Once you have, /connect export sends them to you as a spreadsheet.",
        emoji=":seedling:",
    )


def export_failed(reason: str) -> Message:
    """Slack would not take the file or open the DM."""
    return notice(
        f"I couldn't send your export ({reason}). Nothing was changed; please try "
        "/connect export again in a minute, and tell whoever set up Valueboard "
        "if it keeps failing.",
        emoji=":warning:",
    )


def _lines(data: MemberData) -> list[str]:
    lines = [
        f"• {_plural(data.entries, 'entry', 'entries')} you logged (with who, notes and links)"
    ]
    if data.follow_ups:
        lines.append(f"• {_plural(data.follow_ups, 'follow-up', 'follow-ups')}")
    if data.settings:
        lines.append("• your settings: name, time zone and nudge choice")
    if data.scheduled_messages:
        lines.append(
            f"• the record of {_plural(data.scheduled_messages, 'nudge', 'nudges')} sent to you"
        )
    if data.other:
        lines.append(f"• {_plural(data.other, 'other record', 'other records')} of yours")
    return lines


def forget_question(data: MemberData, *, user_id: str) -> Message:
    """What forget-me would delete, with the red button and a way out."""
    text = "*This deletes your Valueboard data for good:*\n" + "\n".join(_lines(data))
    blocks = [
        section(text),
        context(
            "People your entries named go too, unless a teammate's entry names them. "
            "Your teammates' own entries stay. Nothing is deleted until you press the button."
        ),
        actions(
            button(
                "Delete my data",
                action_id=ids.FORGET_ME_ACTION,
                value=user_id,
                style="danger",
            ),
            button("Cancel", action_id=ids.FORGET_ME_CANCEL_ACTION, value=user_id),
        ),
    ]
    return Message(
        text="Delete your Valueboard data? Nothing is deleted until you confirm.", blocks=blocks
    )


def forget_nothing() -> Message:
    """forget-me from someone Valueboard holds nothing about."""
    return notice(
        "Valueboard holds no data of yours in this workspace: there is nothing to delete."
    )


def forgotten(data: MemberData) -> Message:
    """What forget-me deleted."""
    lines = _lines(data)
    if data.people:
        lines.append(f"• {_plural(data.people, 'person', 'people')} only your entries named")
    text = ":wastebasket: *Done: your Valueboard data is deleted.*\n" + "\n".join(lines)
    return Message(text="Your Valueboard data is deleted.", blocks=[section(text)])


def forget_cancelled() -> Message:
    """Cancel on the forget-me question."""
    return notice("Nothing was deleted. Your data stays as it was.", emoji=":ok_hand:")


def forget_refused() -> Message:
    """Someone pressed a forget-me button meant for another member."""
    return notice(
        "That button belongs to someone else's request, so nothing was deleted. "
        "To delete your own data, type /connect forget-me.",
        emoji=":no_entry:",
    )
