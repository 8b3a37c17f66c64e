"""A member's own progress for /mystats: today, streaks, this week, and where to go next."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

from slackapp.domain.calendar import day_label
from slackapp.domain.followups import ReplyRates
from slackapp.domain.progress import MemberStats
from slackapp.domain.streaks import Streaks
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, PRINCIPLES, Principle
from slackapp.render.followups import best_principle_line, platforms_line, reply_rate_line
from slackapp.render.kit import Block, Message, context, escape, header, section
from slackapp.render.widgets import open_form_button, progress_bar

__all__ = [
    "BALANCED_NUDGE",
    "NUDGES",
    "first_steps_blocks",
    "mystats_message",
    "nudge_text",
    "streak_fields",
    "today_text",
]

#: What to try next, by the principle a member used least this week. Several per principle, so
#: the advice does not read the same every day.
NUDGES: Mapping[Principle, tuple[str, ...]] = MappingProxyType(
    {
        Principle.SOLVE: (
            "Find one person stuck on something you know well and walk them through it, "
            "start to finish, with nothing to sell.",
            "Somewhere today a question in your niche is sitting unanswered. Give it the full "
            "answer you'd have wanted yourself.",
            "Think of the fix your team explains most often, then go find someone who needs it "
            "right now.",
        ),
        Principle.CARE: (
            "Tell one person exactly what you liked about their work, in words that prove you "
            "read it.",
            "Someone shipped something this week. Thank them for one specific detail; it takes "
            "thirty seconds and they'll remember it.",
            "Reply to a post that helped you and say what it changed. Specific thanks is rare, "
            "which is why it lands.",
        ),
        Principle.LAUGH: (
            "Share something light your people would genuinely find funny. A good laugh is a "
            "gift too.",
            "Spot a post that deserves a playful reply and give it one: kind, on-topic, and short.",
            "Make someone's feed better today with a joke that fits the people you serve.",
        ),
        Principle.OPPORTUNITY: (
            "Watch for a question that's only just been asked and be first with the right "
            "resource.",
            "Keep one useful guide or link ready, then look for the person who needs it today. "
            "Early and helpful beats loud.",
            "Scan a community you belong to for a fresh question your team can answer, and "
            "answer it before it goes cold.",
        ),
    }
)

#: For a week where every principle has the same, non-zero count.
BALANCED_NUDGE = "A perfectly balanced week. Keep mixing it up, and keep it human."


def _days(count: int) -> str:
    return f"{count:,} work day" + ("" if count == 1 else "s")


def nudge_text(*, week_counts: Mapping[Principle, int], least_used: Principle, today: date) -> str:
    """Our suggestion for what to try next, toward the principle used least this week."""
    values = {week_counts.get(p, 0) for p in PRINCIPLE_ORDER}
    if len(values) == 1 and values != {0}:
        return BALANCED_NUDGE
    variants = NUDGES[least_used]
    # The day picks the variant, so the same member sees the same words all day long.
    tip = variants[today.toordinal() % len(variants)]
    info = PRINCIPLES[least_used]
    if values == {0}:
        return f"A fresh week. Why not start with {info.emoji} *{info.label}*? {tip}"
    return f"{info.emoji} *{info.label}* is your quietest this week. {tip}"


def today_text(*, today: date, count: int, goal: int) -> str:
    """ "*Today* · Fri 27 Nov" and the x/goal progress bar, with a cheer at the goal."""
    line = f"*Today* · {day_label(today)}\n*{count:,}/{goal:,}*  {progress_bar(count, goal)}"
    if count >= goal > 0:
        line += "  :tada: Goal reached."
    return line


def streak_fields(streaks: Streaks) -> list[Block]:
    """Four short mrkdwn fields: the goal and active streaks, and the best of each."""
    fire = " :fire:" if streaks.goal_streak >= 3 else ""
    return [
        {"type": "mrkdwn", "text": f"*Goal streak*\n{_days(streaks.goal_streak)}{fire}"},
        {"type": "mrkdwn", "text": f"*Active streak*\n{_days(streaks.active_streak)}"},
        {"type": "mrkdwn", "text": f"*Best goal streak*\n{_days(streaks.best_goal_streak)}"},
        {"type": "mrkdwn", "text": f"*Best active streak*\n{_days(streaks.best_active_streak)}"},
    ]


def _week_text(week_counts: Mapping[Principle, int]) -> str:
    lines = [
        f"{PRINCIPLES[p].emoji} {PRINCIPLES[p].label}: *{week_counts.get(p, 0):,}*"
        for p in PRINCIPLE_ORDER
    ]
    total = sum(week_counts.get(p, 0) for p in PRINCIPLE_ORDER)
    return f"*This week* · {total:,} in all\n" + "\n".join(lines)


def first_steps_blocks(*, daily_goal: int) -> list[Block]:
    """The welcome for someone who has logged nothing yet: the idea, the four ways, a first step."""
    principles = "\n".join(
        f"{PRINCIPLES[p].emoji} *{PRINCIPLES[p].label}*: {PRINCIPLES[p].blurb}"
        for p in PRINCIPLE_ORDER
    )
    return [
        section(
            "Followers and likes only stand in for what really counts: value you gave a real "
            f"person. Valueboard helps you notice it and make a habit of it, about {daily_goal} "
            "real connections a day."
        ),
        section(f"*Four ways to give value*\n{principles}"),
        section(
            "*Your first step*\nThink of one person you helped, thanked, made laugh or pointed "
            "to the right resource today, and log it. It takes ten seconds."
        ),
        open_form_button(),
        context(
            "Or type `/connect care thanked @sam for her launch post` in any channel. "
            "`/leaderboard` shows the team; `/mystats` shows you."
        ),
    ]


def _replies_section(replies: ReplyRates) -> Block | None:
    line = reply_rate_line(replies.overall, period="this month")
    if line is None:
        return None
    lines = [line]
    best = best_principle_line(replies)
    if best is not None:
        lines.append(best)
    platforms = platforms_line(replies)
    if platforms is not None:
        lines.append(platforms)
    return section(":speech_balloon: *Replies*\n" + "\n".join(lines))


def mystats_message(
    stats: MemberStats, *, timezone: str, replies: ReplyRates | None = None
) -> Message:
    """The ephemeral /mystats reply: today, streaks, this week, replies and a nudge."""
    zone_note = context(
        f"Your days follow your time zone, {escape(timezone)}. Streaks count work days, "
        "so a weekend never breaks one."
    )
    if stats.total_all_time == 0:
        text = "You haven't logged a connection yet. Here's how to start."
        blocks = [header("Your progress"), section(f":wave: {text}")]
        blocks += first_steps_blocks(daily_goal=stats.daily_goal)
        return Message(text=text, blocks=blocks)
    nudge = nudge_text(
        week_counts=stats.week_counts, least_used=stats.least_used, today=stats.today
    )
    blocks = [
        header("Your progress"),
        section(today_text(today=stats.today, count=stats.today_count, goal=stats.daily_goal)),
        {"type": "section", "fields": streak_fields(stats.streaks)},
        section(_week_text(stats.week_counts)),
    ]
    replied = _replies_section(replies) if replies is not None else None
    if replied is not None:
        blocks.append(replied)
    blocks += [section(f":seedling: *Try next*\n{nudge}"), zone_note]
    text = (
        f"Today {stats.today_count:,}/{stats.daily_goal:,}. "
        f"Goal streak {_days(stats.streaks.goal_streak)}, "
        f"active streak {_days(stats.streaks.active_streak)}."
    )
    return Message(text=text, blocks=blocks)
