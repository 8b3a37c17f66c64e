"""The team digest as a Slack message, and its weekly chart."""

from __future__ import annotations

from dataclasses import dataclass

from slackapp.domain.calendar import span_label, weekday_name
from slackapp.domain.digests import Digest
from slackapp.domain.team_settings import DigestMode
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, PRINCIPLES
from slackapp.render.chart import weekly_chart_png
from slackapp.render.followups import reply_rate_line
from slackapp.render.kit import Block, Message, context, divider, escape, header, section, truncate
from slackapp.render.relationships import reach_line
from slackapp.render.widgets import (
    connections_phrase,
    medal,
    member_name,
    open_form_button,
    progress_bar,
)

__all__ = ["HIGHLIGHT_NOTE_MAX", "ChartUpload", "chart_upload", "digest_chart", "digest_message"]

#: Highlights quote at most this much of a note, so three of them stay a glance.
HIGHLIGHT_NOTE_MAX = 200


def _title(digest: Digest) -> str:
    kind = "Daily digest" if digest.kind is DigestMode.DAILY else "Weekly digest"
    return f"{kind} · {span_label(digest.start, digest.end)}"


def _total_text(digest: Digest) -> str:
    period = "today" if digest.kind is DigestMode.DAILY else "this week"
    line = f"The team made *{connections_phrase(digest.total)}* {period}"
    if digest.goal <= 0:
        return line + ". Every one of them a bonus."
    percent = round(100 * digest.total / digest.goal)
    bar = progress_bar(digest.total, digest.goal)
    line += f", against a goal of {digest.goal:,}.\n{bar}  {percent}%"
    if digest.total >= digest.goal:
        line += "\n:tada: Goal reached. Real people got real help from this team."
    elif percent >= 50:
        line += "\n:muscle: More than halfway there."
    return line


def _principles_block(digest: Digest) -> Block:
    fields = [
        {
            "type": "mrkdwn",
            "text": f"{PRINCIPLES[p].emoji} {PRINCIPLES[p].label}: *{digest.counts.get(p, 0):,}*",
        }
        for p in PRINCIPLE_ORDER
    ]
    return {"type": "section", "fields": fields}


def _top_text(digest: Digest) -> str:
    lines = ["*Leading the way*"]
    for row in digest.top:
        mark = medal(row.rank) or "•"
        lines.append(f"{mark} {member_name(row.display_name)}: {row.total:,}")
    return "\n".join(lines)


def _streaks_text(digest: Digest) -> str:
    lines = ["*On a streak*"]
    for holder in digest.streaks:
        lines.append(f":fire: {member_name(holder.display_name)}: {holder.days:,}-day run at goal")
    return "\n".join(lines)


def _highlights_text(digest: Digest) -> str:
    lines = ["*Highlights*"]
    for highlight in digest.highlights:
        info = PRINCIPLES[highlight.principle]
        note = escape(truncate(" ".join(highlight.note.split()), HIGHLIGHT_NOTE_MAX))
        lines.append(
            f"{info.emoji} *{member_name(highlight.display_name)}* ({info.label}): “{note}”"
        )
    return "\n".join(lines)


def _day_by_day_text(digest: Digest) -> str:
    busiest = max((sum(d.counts.values()) for d in digest.days), default=0)
    lines = ["*Day by day*"]
    for entry in digest.days:
        total = sum(entry.counts.values())
        bar = progress_bar(total, busiest) if busiest else progress_bar(0, 1)
        off = "  _day off_" if entry.day.weekday() not in digest.work_days else ""
        weekday = weekday_name(entry.day.weekday())
        lines.append(f"`{weekday} {entry.day.day:>2}`  {bar}  {total:,}{off}")
    return "\n".join(lines)


def _relationships_text(digest: Digest) -> str:
    lines = [
        "*Relationships*",
        reach_line(first_time=digest.first_time_people, deepened=digest.relationships_deepened),
    ]
    replied = reply_rate_line(digest.replies, period="this week")
    lines.append(
        f":speech_balloon: {replied}"
        if replied
        else ":speech_balloon: No follow-ups answered this week. Add `follow up in 3 days` "
        "when you log, and I'll ask whether they replied."
    )
    return "\n".join(lines)


def _next_step_text(digest: Digest) -> str:
    tip = digest.next_tip
    info = PRINCIPLES[tip.principle]
    return f"*A place to start:* {info.emoji} {info.label}. {escape(tip.text)}"


def digest_message(digest: Digest) -> Message:
    """The digest as a channel message; a quiet period gets encouragement instead of zeros."""
    blocks: list[Block] = [header(f":bar_chart: {_title(digest)}")]
    if digest.is_quiet:
        quiet = digest.quiet_line or "A quiet stretch. The next connection starts it again."
        blocks.append(section(f":seedling: {escape(quiet)}"))
        if digest.streaks:
            blocks.append(section(_streaks_text(digest)))
        blocks.append(section(_next_step_text(digest)))
        blocks.append(open_form_button())
        text = f"{_title(digest)}: a quiet one. {quiet}"
        return Message(text=text, blocks=blocks)

    blocks.append(section(_total_text(digest)))
    blocks.append(_principles_block(digest))
    blocks.append(divider())
    if digest.top:
        blocks.append(section(_top_text(digest)))
    if digest.streaks:
        blocks.append(section(_streaks_text(digest)))
    if digest.highlights:
        blocks.append(section(_highlights_text(digest)))
    if digest.kind is DigestMode.WEEKLY:
        blocks.append(section(_day_by_day_text(digest)))
        blocks.append(section(_relationships_text(digest)))
    blocks.append(context(_next_step_text(digest)))
    blocks.append(open_form_button())
    goal = f" against a goal of {digest.goal:,}" if digest.goal > 0 else ""
    text = f"{_title(digest)}: {connections_phrase(digest.total)}{goal}."
    return Message(text=text, blocks=blocks)


@dataclass(frozen=True, slots=True)
class ChartUpload:
    """The weekly chart as a file for Slack, with the words around it."""

    png: bytes
    filename: str
    title: str
    comment: str


def chart_upload(digest: Digest) -> ChartUpload | None:
    """The digest's chart ready to upload; None when the digest has no chart."""
    png = digest_chart(digest)
    if png is None:
        return None
    label = span_label(digest.start, digest.end)
    return ChartUpload(
        png=png,
        filename=f"valueboard-week-{digest.end.isoformat()}.png",
        title=f"Real connections, {label}",
        comment=f"Day by day, by principle: {label}.",
    )


def digest_chart(digest: Digest) -> bytes | None:
    """The weekly chart as PNG bytes; None for a daily digest or a week with nothing to draw."""
    if digest.kind is not DigestMode.WEEKLY or digest.is_quiet or not digest.days:
        return None
    title = f"Real connections, {span_label(digest.start, digest.end)}"
    return weekly_chart_png(digest.days, title=title)
