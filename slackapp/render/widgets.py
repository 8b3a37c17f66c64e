"""Small pieces several renderers share: names, counts, progress bars, medals, the log button."""

from __future__ import annotations

import re
from collections.abc import Mapping

from slackapp.domain.vocabulary import PRINCIPLE_ORDER, PRINCIPLES, Principle
from slackapp.render import ids
from slackapp.render.kit import (
    SECTION_TEXT_MAX,
    Block,
    Message,
    actions,
    button,
    escape,
    section,
    truncate,
)

__all__ = [
    "NAME_MAX",
    "connections_phrase",
    "log_button",
    "medal",
    "member_name",
    "names_text",
    "notice",
    "open_form_button",
    "principle_counts_line",
    "progress_bar",
    "share_footer",
]

#: Display names are cut to this many characters so eleven rows always fit one glance.
NAME_MAX = 40

_MEDALS = (":first_place_medal:", ":second_place_medal:", ":third_place_medal:")


def member_name(display_name: str | None) -> str:
    """A teammate's display name, shortened and escaped for mrkdwn; never a mention."""
    name = " ".join((display_name or "").split())
    # Cut before escaping, so an entity like &amp; is never split in half.
    return escape(truncate(name, NAME_MAX)) if name else "A teammate"


_USER_MENTION = re.compile(r"<@[UW][A-Z0-9]+(\|[^<>|]*)?>")


def who_text(who: str, *, limit: int = 60) -> str:
    """Who a connection was with, as mrkdwn: a Slack user mention stays live, nothing else.

    Only a whole, well-formed `<@U…>` renders as a name; anything else (`<!channel>`, links,
    several mentions with text around them) is escaped so it shows as typed.
    """
    return who if _USER_MENTION.fullmatch(who) else escape(truncate(who, limit))


def safe_url(link: str) -> str:
    """A stored link made safe inside `<url|label>`: nothing in it can end the link early."""
    return link.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def names_text(text: str) -> Block:
    """A mrkdwn text object marked verbatim, so Slack never turns names into links or mentions."""
    return {"type": "mrkdwn", "text": truncate(text, SECTION_TEXT_MAX), "verbatim": True}


def medal(rank: int) -> str | None:
    """The medal emoji for ranks 1 to 3; None below the podium."""
    return _MEDALS[rank - 1] if 1 <= rank <= len(_MEDALS) else None


def connections_phrase(count: int) -> str:
    """ "1 real connection", "12 real connections"."""
    return f"{count:,} real connection" + ("" if count == 1 else "s")


def principle_counts_line(counts: Mapping[Principle, int]) -> str:
    """Each principle's emoji and count on one line, in the usual order."""
    return "   ".join(f"{PRINCIPLES[p].emoji} {counts.get(p, 0):,}" for p in PRINCIPLE_ORDER)


def progress_bar(count: int, goal: int, *, width: int = 10) -> str:
    """A text bar like ▰▰▰▱▱▱▱▱▱▱ for `count` out of `goal`."""
    filled = width if goal <= 0 else min(width, round(width * count / goal))
    return "▰" * filled + "▱" * (width - filled)


def notice(text: str, *, emoji: str = ":information_source:") -> Message:
    """A one-line ephemeral answer."""
    return Message(text=text, blocks=[section(f"{emoji} {escape(text)}")])


def log_button() -> Block:
    """The "Log a connection" button that opens the connection form."""
    return button("Log a connection", action_id=ids.OPEN_FORM_ACTION, style="primary")


def open_form_button() -> Block:
    """An actions block holding just the log button, to close a message or welcome."""
    return actions(log_button())


def share_footer(*, value: str, shared: bool, sharer_name: str | None) -> Block:
    """A board's last block: Share in channel (carrying the board's arguments, as /leaderboard
    takes them) on the viewer's own copy, who shared it on the channel's."""
    if shared:
        return {
            "type": "context",
            "elements": [names_text(f":mega: Shared by {member_name(sharer_name)}")],
        }
    return actions(button("Share in channel", action_id=ids.SHARE_BOARD_ACTION, value=value))
