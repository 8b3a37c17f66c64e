"""The App Home tab: a member's day, streaks, week, latest entries, people and the top five."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from slackapp.domain.board import Leaderboard
from slackapp.domain.calendar import day_label
from slackapp.domain.entries import SavedConnection
from slackapp.domain.followups import FollowUpItem
from slackapp.domain.people import RecentPerson
from slackapp.domain.progress import MemberStats
from slackapp.domain.vocabulary import PLATFORM_LABELS, PRINCIPLES
from slackapp.render import ids
from slackapp.render.board import board_lines
from slackapp.render.followups import waiting_blocks
from slackapp.render.kit import (
    Block,
    Message,
    actions,
    button,
    confirm_dialog,
    context,
    divider,
    escape,
    header,
    plain,
    section,
    truncate,
)
from slackapp.render.people import people_blocks
from slackapp.render.settings import settings_button
from slackapp.render.stats import first_steps_blocks, streak_fields, today_text
from slackapp.render.widgets import (
    log_button,
    names_text,
    principle_counts_line,
    progress_bar,
    safe_url,
    who_text,
)

__all__ = [
    "CHART_WIDTH",
    "HOME_ENTRIES",
    "NOTE_PREVIEW",
    "entry_line",
    "home_view",
    "last_days_chart",
    "notice_modal",
]

#: The Home tab lists at most this many entries, whatever it is given: two blocks each keeps
#: the view far below Slack's 100-block limit.
HOME_ENTRIES = 10
#: How much of a note an entry shows; the edit form has the rest.
NOTE_PREVIEW = 150
#: Characters in the longest bar of the 7-day chart.
CHART_WIDTH = 12


# A lone Slack user reference, as Slack rewrites "@jane" typed in a command.
def entry_line(entry: SavedConnection, *, today: date) -> str:
    """One entry as mrkdwn: kind, who, where, when, and the start of the note."""
    info = PRINCIPLES[entry.principle]
    parts = [f"{info.emoji} *{info.label}*"]
    if entry.who:
        parts.append(f"with {who_text(entry.who)}")
    if entry.platform is not None:
        parts.append(f"on {PLATFORM_LABELS[entry.platform]}")
    when = "today" if entry.local_date == today else day_label(entry.local_date)
    line = " ".join(parts) + f"  ·  {when}"
    if entry.note:
        line += f"\n“{escape(truncate(' '.join(entry.note.split()), NOTE_PREVIEW))}”"
    if entry.link:
        line += f"  <{safe_url(entry.link)}|link>"
    return line


def last_days_chart(days: Sequence[tuple[date, int]], *, goal: int, today: date) -> str:
    """A small text bar chart of connections per day, one line per day, in a code block."""
    scale = max([goal, 1, *(count for _, count in days)])
    goal_mark = round(CHART_WIDTH * goal / scale)
    lines = []
    for day, count in days:
        filled = round(CHART_WIDTH * count / scale)
        if count and not filled:
            filled = 1  # one connection still deserves a visible sliver
        # Light shade shows how far the goal still is; a full bar has none.
        room = max(goal_mark - filled, 0) if count < goal else 0
        bar = ("█" * filled + "░" * room).ljust(CHART_WIDTH)
        mark = " ✓" if count >= goal > 0 else ""
        label = day_label(day)[:6].ljust(6)
        suffix = "  today" if day == today else ""
        lines.append(f"{label} {bar} {count:>4,}{mark}{suffix}")
    return "```" + "\n".join(lines) + "```"


def _entry_blocks(entry: SavedConnection, *, today: date) -> list[Block]:
    info = PRINCIPLES[entry.principle]
    confirm = confirm_dialog(
        title="Delete this entry?",
        text=f"{info.label} from {day_label(entry.local_date)} will be gone from your log "
        "and the boards. This can't be undone.",
        confirm="Delete",
    )
    return [
        section(entry_line(entry, today=today)),
        actions(
            button("Edit", action_id=ids.EDIT_ACTION, value=str(entry.id)),
            button(
                "Delete",
                action_id=ids.DELETE_ACTION,
                value=str(entry.id),
                style="danger",
                confirm=confirm,
            ),
            block_id=f"entry_{entry.id}",
        ),
    ]


def _team_blocks(board: Leaderboard, *, viewer_id: str) -> list[Block]:
    title = f"*Team board* · {escape(board.period.label)}"
    lines = board_lines(board, viewer_id=viewer_id)
    if not lines:
        lines = ["Nobody has logged a connection this week yet. The first one could be yours."]
    blocks: list[Block] = [{"type": "section", "text": names_text("\n".join([title, *lines]))}]
    if board.team_goal > 0:
        blocks.append(
            context(
                f"Team: {board.team_total:,} of {board.team_goal:,} "
                f"{progress_bar(board.team_total, board.team_goal)}  ·  "
                "`/leaderboard` for the full board"
            )
        )
    return blocks


def _progress_blocks(stats: MemberStats) -> list[Block]:
    week = principle_counts_line(stats.week_counts)
    return [
        section(
            today_text(today=stats.today, count=stats.today_count, goal=stats.daily_goal),
            accessory=log_button(),
        ),
        {"type": "section", "fields": streak_fields(stats.streaks)},
        context(f"This week: {week}"),
        divider(),
        section(
            "*Last 7 days*\n"
            + last_days_chart(stats.last_7_days, goal=stats.daily_goal, today=stats.today)
        ),
    ]


def _entries_blocks(stats: MemberStats) -> list[Block]:
    shown = stats.recent[:HOME_ENTRIES]
    blocks: list[Block] = [section("*Your latest entries*")]
    for entry in shown:
        blocks.extend(_entry_blocks(entry, today=stats.today))
    if stats.total_all_time > len(shown):
        blocks.append(
            context(
                f"Showing your {len(shown)} most recent of {stats.total_all_time:,}. "
                "`/mystats` has your streaks and week."
            )
        )
    return blocks


def home_view(
    *,
    stats: MemberStats,
    board: Leaderboard,
    display_name: str | None,
    timezone: str,
    show_settings: bool = False,
    people: Sequence[RecentPerson] = (),
    waiting: Sequence[FollowUpItem] = (),
) -> dict[str, Any]:
    """The Home tab for one member; a welcome instead of empty tables if they never logged."""
    name = " ".join((display_name or "").split())
    greeting = f"Hi {truncate(name, 60)}" if name else "Hi there"
    blocks: list[Block] = [header(f"{greeting} :wave:")]
    if stats.total_all_time == 0:
        blocks.append(section("*Welcome to Valueboard.*"))
        blocks.extend(first_steps_blocks(daily_goal=stats.daily_goal))
    else:
        blocks.extend(_progress_blocks(stats))
        blocks.append(divider())
        blocks.extend(_entries_blocks(stats))
        if people or waiting:
            blocks.append(divider())
            blocks.extend(people_blocks(people, today=stats.today))
            blocks.extend(waiting_blocks(waiting, today=stats.today))
    blocks.append(divider())
    blocks.extend(_team_blocks(board, viewer_id=stats.user_id))
    blocks.append(divider())
    blocks.append(
        context(
            f"Your days follow your time zone, {escape(timezone)}. "
            "Streaks count work days, so weekends never break them."
        )
    )
    if show_settings:
        blocks.append(settings_button())
    return {"type": "home", "blocks": blocks}


def notice_modal(message: Message, *, title: str = "Valueboard") -> dict[str, Any]:
    """A small modal showing `message`: how the Home tab answers, having no channel to reply in."""
    return {
        "type": "modal",
        "title": plain(truncate(title, 24)),
        "close": plain("OK"),
        "blocks": message.blocks[:100],
    }
