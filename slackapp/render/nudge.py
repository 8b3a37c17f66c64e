"""The daily nudge as a Slack message: today's principle, a tip, the last work day, a button."""

from __future__ import annotations

from datetime import date

from slackapp.domain.calendar import day_label, weekday_name
from slackapp.domain.nudges import DayTally, MemberNudge, TeamNudge
from slackapp.domain.vocabulary import PRINCIPLES
from slackapp.render.kit import Block, Message, context, divider, escape, header, section
from slackapp.render.widgets import (
    connections_phrase,
    member_name,
    open_form_button,
    principle_counts_line,
    progress_bar,
)

__all__ = ["day_phrase", "nudge_message"]


def day_phrase(day: date, *, today: date) -> str:
    """How to name a recent `day` seen from `today`: "yesterday", "on Friday", "last Monday"."""
    gap = (today - day).days
    if gap == 1:
        return "yesterday"
    if 1 < gap < 7:
        return f"on {weekday_name(day.weekday(), style='long')}"
    if gap == 7:
        return f"last {weekday_name(day.weekday(), style='long')}"
    return f"on {day_label(day, style='long')}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _team_line(tally: DayTally, *, today: date) -> str:
    when = day_phrase(tally.day, today=today)
    if tally.total == 0:
        line = f"{_capitalised(when)} the board stayed quiet. Today is a clean slate."
    else:
        people = "1 person" if tally.people == 1 else f"{tally.people:,} people"
        line = (
            f"{_capitalised(when)} the team made *{connections_phrase(tally.total)}* from {people}"
        )
        if tally.goal > 0:
            line += f", against a goal of {tally.goal:,}.  {progress_bar(tally.total, tally.goal)}"
            if tally.total >= tally.goal:
                line += "\n:tada: Goal reached. That's a lot of real people helped."
        else:
            line += "."
        line += f"\n{principle_counts_line(tally.counts)}"
    if tally.days_off_total:
        extra = connections_phrase(tally.days_off_total)
        line += f"\n:sparkles: Plus {extra} logged on days off since."
    return line


def _own_line(nudge: MemberNudge) -> str:
    if nudge.first_steps is not None:
        return f":seedling: {escape(nudge.first_steps)}"
    when = day_phrase(nudge.team.day, today=nudge.day)
    if nudge.own_count:
        bar = progress_bar(nudge.own_count, nudge.daily_goal)
        lines = [f"*You* made {nudge.own_count:,} of your {nudge.daily_goal:,} {when}.  {bar}"]
    else:
        lines = [f"Nothing logged from you {when}. One real connection today restarts the run."]
    if nudge.own_days_off:
        lines.append(f"Plus {nudge.own_days_off:,} on your days off. Nice.")
    # Streaks skip days off and count days-off wins as a bonus, so "a run of n days" is the
    # honest phrase rather than "n days in a row".
    if nudge.goal_streak > 0:
        lines.append(
            f":fire: You're on a {nudge.goal_streak:,}-day run at your goal. Keep it going."
        )
    elif nudge.active_streak > 0:
        lines.append(
            f":seedling: You're on a {nudge.active_streak:,}-day run with at least one connection."
        )
    return "\n".join(lines)


def nudge_message(nudge: TeamNudge | MemberNudge) -> Message:
    """The nudge as a message: works for the channel post and for a member's DM."""
    info = PRINCIPLES[nudge.principle]
    blocks: list[Block] = [
        header(f"{info.emoji} Today's principle: {info.label}"),
        section(f"_{escape(info.blurb)}_\n\n*Try this:* {escape(nudge.tip.text)}"),
        context(f":bulb: *Why it matters:* {escape(nudge.why)}"),
        divider(),
    ]
    if isinstance(nudge, MemberNudge):
        greeting = f"Hi {member_name(nudge.display_name)}! " if nudge.display_name else ""
        blocks.append(section(f"{greeting}{_own_line(nudge)}"))
    blocks.append(section(_team_line(nudge.team, today=nudge.day)))
    blocks.append(section(f"*{escape(nudge.question)}*"))
    blocks.append(open_form_button())
    text = f"Today's principle: {info.label}. {nudge.question}"
    return Message(text=text, blocks=blocks)
