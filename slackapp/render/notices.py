"""What we tell a team's admin about its schedules, in words (plain text for a DM)."""

from __future__ import annotations

from slackapp.domain.deliveries import DeliveryKind

__all__ = ["pause_explanation"]


def _schedule_label(kind: DeliveryKind) -> str:
    return "daily nudge" if kind is DeliveryKind.NUDGE else "digest"


def pause_explanation(*, kind: DeliveryKind, channel: str, error: str, admin_id: str | None) -> str:
    """What we tell the admin when a schedule pauses because its channel refuses us."""
    label = _schedule_label(kind)
    hello = f"Hi <@{admin_id}>! " if admin_id else "Hi! "
    if "is_archived" in error:
        problem = f"<#{channel}> has been archived, so I can't post the team's {label} there."
        fixes = (
            f"• pick another channel for the {label} in `/connect settings`, or\n"
            "• unarchive the channel, then open `/connect settings` and save."
        )
    else:
        problem = (
            f"I couldn't post the team's {label} in <#{channel}>: it's a private channel I'm "
            "not a member of, or it no longer exists."
        )
        fixes = (
            "• invite me: type `/invite @Valueboard` in that channel, then open "
            "`/connect settings` and save, or\n"
            f"• pick another channel for the {label} in `/connect settings`."
        )
    return (
        f"{hello}{problem} I've paused the {label} so it doesn't keep failing quietly.\n\n"
        f"To switch it back on, either:\n{fixes}\n\n"
        "Saving the settings turns it back on from the next scheduled time."
    )
