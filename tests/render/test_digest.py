"""Block Kit shape and wording of the team digest, and its chart, checked with slack_sdk."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

import pytest

from slackapp.domain.digests import (
    Contributor,
    DayCounts,
    Digest,
    Highlight,
    StreakHolder,
)
from slackapp.domain.team_settings import DigestMode
from slackapp.domain.tips import tip_for
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, Principle
from slackapp.render.digest import HIGHLIGHT_NOTE_MAX, digest_chart, digest_message
from slackapp.render.kit import Message
from tests.support.blockkit import all_text, assert_valid_message

FRI = date(2026, 11, 27)
MON = date(2026, 11, 30)


def counts(*values: int) -> MappingProxyType[Principle, int]:
    return MappingProxyType(dict(zip(PRINCIPLE_ORDER, values, strict=True)))


# --- builders ---------------------------------------------------------------------------------


def digest(**changes: Any) -> Digest:
    start = FRI - timedelta(days=6)
    value = Digest(
        team_id="T1",
        kind=DigestMode.WEEKLY,
        start=start,
        end=FRI,
        total=23,
        goal=200,
        daily_goal=10,
        members=4,
        counts=counts(8, 6, 5, 4),
        top=(
            Contributor("U1", "Ana", 12, counts(6, 2, 2, 2), rank=1),
            Contributor("U2", None, 7, counts(1, 2, 3, 1), rank=2),
        ),
        streaks=(StreakHolder("U1", "Ana", 5),),
        highlights=(
            Highlight(1, "U2", "Ben", Principle.CARE, "Thanked <@U9> & friends", FRI),
            Highlight(2, "U1", "Ana", Principle.SOLVE, "x" * 1000, FRI),
        ),
        days=tuple(
            DayCounts(day=start + timedelta(days=i), counts=counts(i, 1, 0, 0)) for i in range(7)
        ),
        work_days=frozenset(range(5)),
        quiet_line=None,
        next_tip=tip_for(MON, principle=Principle.SOLVE, salt="T1"),
    )
    return replace(value, **changes)


QUIET = digest(
    total=0,
    counts=counts(0, 0, 0, 0),
    top=(),
    streaks=(),
    highlights=(),
    days=tuple(
        DayCounts(day=FRI - timedelta(days=6 - i), counts=counts(0, 0, 0, 0)) for i in range(7)
    ),
    quiet_line="A quiet stretch happens to everyone.",
)


# --- every payload is valid Block Kit ---------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        digest_message(digest()),
        digest_message(digest(kind=DigestMode.DAILY, start=FRI, goal=40, days=digest().days[-1:])),
        digest_message(digest(goal=0)),
        digest_message(QUIET),
        digest_message(replace(QUIET, streaks=(StreakHolder("U1", "Ana", 2),))),
    ],
)
def test_messages_are_valid_block_kit(message: Message) -> None:
    assert_valid_message(message)


# --- digest wording ---------------------------------------------------------------------------


def test_digest_text_fallback_and_header() -> None:
    message = digest_message(digest())
    assert message.blocks[0]["text"]["text"] == ":bar_chart: Weekly digest · Sat 21 – Fri 27 Nov"
    assert (
        message.text
        == "Weekly digest · Sat 21 – Fri 27 Nov: 23 real connections against a goal of 200."
    )


def test_digest_counts_each_principle_with_its_emoji() -> None:
    fields = next(b for b in digest_message(digest()).blocks if "fields" in b)["fields"]
    assert [f["text"] for f in fields] == [
        ":bulb: Solve a problem: *8*",
        ":heart: Show you care: *6*",
        ":joy: Make them laugh: *5*",
        ":dart: Embrace an opportunity: *4*",
    ]


def test_digest_names_unnamed_people_kindly_and_cuts_long_notes() -> None:
    blocks = digest_message(digest()).blocks
    text = str(blocks)
    assert ":second_place_medal: A teammate: 7" in text
    highlights = next(b for b in blocks if "Highlights" in str(b))["text"]["text"].splitlines()
    assert highlights[1] == ":heart: *Ben* (Show you care): “Thanked &lt;@U9&gt; &amp; friends”"
    quoted = highlights[2].split("“", 1)[1].rstrip("”")
    assert len(quoted) == HIGHLIGHT_NOTE_MAX and quoted.endswith("…")


def test_contributors_with_the_same_total_share_a_medal() -> None:
    tied = (
        Contributor("U1", "Ana", 5, counts(5, 0, 0, 0), rank=1),
        Contributor("U2", "Ben", 5, counts(0, 5, 0, 0), rank=1),
        Contributor("U3", "Cy", 2, counts(0, 0, 2, 0), rank=3),
    )
    text = all_text(digest_message(digest(top=tied)).blocks)
    assert ":first_place_medal: Ana: 5" in text
    assert ":first_place_medal: Ben: 5" in text
    assert ":third_place_medal: Cy: 2" in text
    assert ":second_place_medal:" not in text


def test_goal_reached_is_celebrated() -> None:
    total = next(b for b in digest_message(digest(total=200)).blocks if "goal of" in str(b))
    assert "Goal reached" in total["text"]["text"]
    assert "100%" in total["text"]["text"]


def test_quiet_digest_is_encouraging() -> None:
    message = digest_message(QUIET)
    text = str(message.blocks)
    assert "A quiet stretch happens to everyone." in text
    assert QUIET.next_tip.text in text
    assert message.text.startswith("Weekly digest · Sat 21 – Fri 27 Nov: a quiet one.")


def test_digest_chart_only_for_a_weekly_digest_with_something_to_draw() -> None:
    png = digest_chart(digest())
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n")
    assert digest_chart(digest(kind=DigestMode.DAILY)) is None
    assert digest_chart(QUIET) is None
