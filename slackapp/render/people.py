"""People: a person's page, the teammate line under a confirmation, merges and the Home section."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slackapp.domain.calendar import day_label
from slackapp.domain.followups import FollowUpItem
from slackapp.domain.people import (
    Merge,
    PersonKey,
    PersonPage,
    RecentPerson,
    TeammateTouch,
    Touch,
    profile_urls,
)
from slackapp.domain.vocabulary import PLATFORM_LABELS, PRINCIPLES, Platform, Principle
from slackapp.render import ids
from slackapp.render.kit import (
    Block,
    Message,
    actions,
    button,
    context,
    escape,
    option,
    section,
    truncate,
)
from slackapp.render.widgets import notice, safe_url, who_text

__all__ = [
    "merged_message",
    "nobody_message",
    "people_blocks",
    "person_message",
    "person_name",
    "teammate_line",
    "unmerged_message",
]

#: How much of a note each touch on a person's page shows.
TOUCH_NOTE = 120
#: People the Home lists.
HOME_PEOPLE = 5

_VERBS: dict[Principle, str] = {
    Principle.SOLVE: "helped {}",
    Principle.CARE: "showed {} some care",
    Principle.LAUGH: "made {} laugh",
    Principle.OPPORTUNITY: "spotted an opportunity with {}",
}
_PLATFORMS = {p.value: p for p in Platform}


def _where(key: PersonKey) -> str:
    if key.platform == "slack":
        return "Slack"
    platform = _PLATFORMS.get(key.platform)
    return PLATFORM_LABELS[platform] if platform is not None else ""


def person_name(key: PersonKey) -> str:
    """A person as mrkdwn: `@jane on X / Twitter`, a live Slack mention, or the name as typed."""
    name = who_text(key.display, limit=80)
    where = _where(key)
    return f"{name} on {where}" if where and key.platform != "slack" else name


def _ago(day: date, today: date) -> str:
    days = (today - day).days
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days} days ago"


def teammate_line(hint: TeammateTouch, *, today: date) -> str:
    """One line: "<@U2> helped @jane 2 days ago", so teammates build on each other."""
    did = _VERBS[hint.principle].format(who_text(hint.person.display, limit=80))
    return (
        f":busts_in_silhouette: <@{hint.user_id}> {did} {_ago(hint.local_date, today)}: "
        "build on it rather than repeat it."
    )


def _touch_line(touch: Touch) -> str:
    info = PRINCIPLES[touch.principle]
    line = f"• {day_label(touch.local_date)} · <@{touch.user_id}> · {info.emoji} {info.label}"
    if touch.platform is not None:
        line += f" on {PLATFORM_LABELS[touch.platform]}"
    if touch.note:
        line += f": “{escape(truncate(' '.join(touch.note.split()), TOUCH_NOTE))}”"
    if touch.link:
        line += f" (<{safe_url(touch.link)}|link>)"
    return line


def _merge_menu(page: PersonPage) -> Block | None:
    if not page.candidates:
        return None
    menu: Block = {
        "type": "static_select",
        "action_id": ids.MERGE_PERSON_ACTION,
        "placeholder": {"type": "plain_text", "text": "Same person as…"},
        "options": [
            option(f"{c.key.display} {_where(c.key)}".strip(), f"{page.person.id}:{c.id}")
            for c in page.candidates[:100]
        ],
        "confirm": {
            "title": {"type": "plain_text", "text": "Merge these two?"},
            "text": {
                "type": "plain_text",
                "text": "Their touches will show on one page. You can undo this.",
            },
            "confirm": {"type": "plain_text", "text": "Merge"},
            "deny": {"type": "plain_text", "text": "Cancel"},
        },
    }
    return actions(menu, block_id=f"person_{page.person.id}")


def _page_blocks(page: PersonPage, *, today: date, elsewhere: Sequence[str] = ()) -> list[Block]:
    title = f":bust_in_silhouette: *{person_name(page.person.key)}*"
    if page.aliases:
        title += "\nAlso: " + ", ".join(person_name(a.key) for a in page.aliases)
    links = profile_urls(page)
    if links:
        title += "\n" + " · ".join(f"<{safe_url(url)}|profile>" for url in links)
    times = "1 touch" if page.total == 1 else f"{page.total:,} touches"
    facts = (
        f"{times} from the team · first {day_label(page.first_touch)} "
        f"({_ago(page.first_touch, today)}) · last {day_label(page.last_touch)} "
        f"({_ago(page.last_touch, today)})"
    )
    received = "  ·  ".join(
        f"{PRINCIPLES[p].emoji} {PRINCIPLES[p].label} {n:,}" for p, n in page.principles
    )
    lines = [_touch_line(t) for t in page.touches]
    if page.total > len(page.touches):
        lines.append(f"…and {page.total - len(page.touches):,} earlier")
    blocks: list[Block] = [
        section(title),
        context(facts, f"Received: {received}"),
        section("*Every touch, newest first*\n" + "\n".join(lines)),
    ]
    menu = _merge_menu(page)
    if menu is not None:
        blocks.append(menu)
    if elsewhere:
        blocks.append(
            context("The same handle elsewhere: " + ", ".join(escape(e) for e in elsewhere))
        )
    return blocks


def person_message(
    page: PersonPage,
    *,
    today: date,
    elsewhere: Sequence[str] = (),
    waiting: Sequence[FollowUpItem] = (),
) -> Message:
    """`/connect who @jane`: the person's page, only for the caller, with open follow-ups."""
    text = f"{page.person.key.display}: {page.total:,} touches from the team."
    blocks = _page_blocks(page, today=today, elsewhere=elsewhere)
    if waiting:
        asks = "; ".join(
            f"<@{item.user_id}> asks "
            + ("today" if item.due_date <= today else day_label(item.due_date))
            for item in waiting
        )
        blocks.append(context(f":hourglass_flowing_sand: Open follow-ups: {asks}"))
    return Message(text=text, blocks=blocks)


def nobody_message(display: str) -> Message:
    """`/connect who` for someone nobody logged."""
    return notice(
        f"Nobody has logged {who_text(display, limit=80)} yet. "
        "Be the first: `/connect solve @name …`",
        emoji=":mag:",
    )


def merged_message(merge: Merge, page: PersonPage, *, today: date) -> Message:
    """After "same person as…": what was merged, with Undo, above the merged page."""
    moved = ",".join(str(m) for m in merge.moved[:200])
    line = (
        f":link: Merged: {person_name(merge.source.key)} is the same person as "
        f"{person_name(merge.target.key)}."
    )
    undo = button("Undo", action_id=ids.UNMERGE_PERSON_ACTION, value=f"{merge.source.id}:{moved}")
    blocks = [section(line, accessory=undo), *_page_blocks(page, today=today)]
    return Message(
        text=f"Merged {merge.source.key.display} into {merge.target.key.display}.", blocks=blocks
    )


def unmerged_message(page: PersonPage, *, today: date) -> Message:
    """After Undo: the person stands alone again."""
    key = page.person.key
    line = f":leftwards_arrow_with_hook: Undone: {person_name(key)} stands alone again."
    return Message(
        text=f"Undone: {key.display} stands alone again.",
        blocks=[section(line), *_page_blocks(page, today=today)],
    )


def people_blocks(people: Sequence[RecentPerson], *, today: date) -> list[Block]:
    """The Home's People section: the member's recent people."""
    if not people:
        return []
    lines = [
        f"• {person_name(p.person.key)} · {_ago(p.last_touch, today)}"
        + (f" · {p.touches} touches lately" if p.touches > 1 else "")
        for p in people[:HOME_PEOPLE]
    ]
    return [
        section("*Your people*\n" + "\n".join(lines)),
        context("`/connect who @name` shows everything the team did for someone."),
    ]
