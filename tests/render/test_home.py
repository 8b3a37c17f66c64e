"""The App Home view: Block Kit shape, the 100-block limit, entries, chart and empty state."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Any

import pytest

from slackapp.domain.board import BoardRow, Leaderboard
from slackapp.domain.calendar import Window, window_period
from slackapp.domain.entries import ChangeStatus, SavedConnection
from slackapp.domain.progress import MemberStats
from slackapp.domain.streaks import Streaks
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, PRINCIPLES, Platform, Principle
from slackapp.render import ids
from slackapp.render.connect import change_refused
from slackapp.render.home import (
    CHART_WIDTH,
    HOME_ENTRIES,
    NOTE_PREVIEW,
    entry_line,
    home_view,
    last_days_chart,
    notice_modal,
)
from tests.support.blockkit import MAX_VIEW_BLOCKS, all_text, assert_valid_view, elements

TODAY = date(2026, 11, 27)


def counts(*values: int) -> MappingProxyType[Principle, int]:
    return MappingProxyType(dict(zip(PRINCIPLE_ORDER, values, strict=True)))


def entry(n: int, **changes: Any) -> SavedConnection:
    value = SavedConnection(
        id=n,
        team_id="T1",
        user_id="U1",
        principle=PRINCIPLE_ORDER[n % 4],
        platform=Platform.LINKEDIN,
        who="@jane",
        note=f"answered question {n}",
        link=f"https://example.com/post/{n}",
        local_date=TODAY - timedelta(days=n % 3),
        created_at=datetime(2026, 11, 27, 12, 0, tzinfo=UTC) - timedelta(hours=n),
    )
    return replace(value, **changes)


def make_stats(**changes: Any) -> MemberStats:
    stats = MemberStats(
        user_id="U1",
        today=TODAY,
        today_count=4,
        daily_goal=10,
        streaks=Streaks(3, 5, 8, 12),
        week_counts=counts(6, 3, 0, 2),
        least_used=Principle.LAUGH,
        last_7_days=tuple((TODAY - timedelta(days=b), 12 - b) for b in range(6, -1, -1)),
        recent=tuple(entry(n) for n in range(1, 11)),
        total_all_time=40,
    )
    return replace(stats, **changes)


def make_board(size: int = 5, *, name: str = "Person", caller: bool = False) -> Leaderboard:
    rows = tuple(
        BoardRow(
            rank=i + 1,
            user_id=f"U{i + 2}",
            display_name=f"{name} {i}",
            total=9 - i,
            counts=counts(9 - i, 0, 0, 0),
        )
        for i in range(size)
    )
    caller_row = (
        BoardRow(rank=9, user_id="U1", display_name="Ana", total=1, counts=counts(1, 0, 0, 0))
        if caller
        else None
    )
    return Leaderboard(
        team_id="T1",
        period=window_period(Window.WEEK, today=TODAY),
        principle=None,
        rows=rows,
        caller_row=caller_row,
        team_total=sum(r.total for r in rows),
        team_counts=counts(sum(r.total for r in rows), 0, 0, 0),
        team_goal=250,
        members=5,
    )


def view(
    stats: MemberStats | None = None,
    board: Leaderboard | None = None,
    *,
    show_settings: bool = True,
) -> dict[str, Any]:
    return home_view(
        stats=stats or make_stats(),
        board=board or make_board(),
        display_name="Ana",
        timezone="America/New_York",
        show_settings=show_settings,
    )


def test_home_is_a_valid_home_view_with_every_part() -> None:
    home = view(board=make_board(caller=True))
    assert home["type"] == "home"
    assert_valid_view(home)
    text = all_text(home["blocks"])
    assert "Hi Ana :wave:" in text
    assert "*4/10*" in text and "*Goal streak*\n3 work days :fire:" in text
    assert "*Last 7 days*\n```" in text
    assert "*Your latest entries*" in text
    assert "*Team board* · This week (Mon 23 – Fri 27 Nov)" in text and "Person 4" in text
    assert "⋯\n*9.*  Ana _(you)_" in text
    assert "America/New_York" in text
    (log_button,) = elements(home["blocks"], action_id=ids.OPEN_FORM_ACTION)
    assert log_button["style"] == "primary"
    assert elements(home["blocks"], action_id=ids.OPEN_SETTINGS_ACTION)


def test_only_those_who_may_change_settings_see_the_settings_button() -> None:
    home = view(show_settings=False)
    assert_valid_view(home)
    assert elements(home["blocks"], action_id=ids.OPEN_SETTINGS_ACTION) == []


def test_each_entry_has_edit_and_a_confirmed_delete_carrying_its_id() -> None:
    home = view()
    edits = elements(home["blocks"], action_id=ids.EDIT_ACTION)
    deletes = elements(home["blocks"], action_id=ids.DELETE_ACTION)
    assert [e["value"] for e in edits] == [str(n) for n in range(1, 11)]
    assert [d["value"] for d in deletes] == [str(n) for n in range(1, 11)]
    for delete in deletes:
        assert delete["style"] == "danger"
        assert delete["confirm"]["confirm"]["text"] == "Delete"
        assert "can't be undone" in delete["confirm"]["text"]["text"]


@pytest.mark.parametrize("entries", [0, 1, HOME_ENTRIES, 500])
def test_home_stays_within_100_blocks_however_many_entries(entries: int) -> None:
    long_note = "a long note with <!channel> & <@U9> " * 40
    stats = make_stats(
        recent=tuple(entry(n, note=long_note[:1000], who="w" * 200) for n in range(entries)),
        total_all_time=max(entries, 1) * 1000,
        today_count=10**9,
        last_7_days=tuple((TODAY - timedelta(days=b), 10**9) for b in range(7)),
    )
    home = home_view(
        stats=stats,
        board=make_board(name="&" * 200, caller=True),
        display_name="ű" * 200,
        timezone="UTC",
    )
    assert_valid_view(home)
    assert len(home["blocks"]) <= MAX_VIEW_BLOCKS
    assert len(elements(home["blocks"], action_id=ids.EDIT_ACTION)) == min(entries, HOME_ENTRIES)
    assert "<!channel>" not in all_text(home["blocks"])


def test_more_entries_than_shown_are_counted() -> None:
    text = all_text(view(make_stats(total_all_time=1234))["blocks"])
    assert "Showing your 10 most recent of 1,234." in text


def test_a_member_with_no_entries_sees_a_welcome_not_empty_tables() -> None:
    stats = make_stats(
        today_count=0,
        recent=(),
        total_all_time=0,
        week_counts=counts(0, 0, 0, 0),
        streaks=Streaks(0, 0, 0, 0),
        last_7_days=tuple((TODAY, 0) for _ in range(7)),
    )
    home = view(stats, board=make_board(0))
    assert_valid_view(home)
    text = all_text(home["blocks"])
    assert "Welcome to Valueboard" in text and "*Four ways to give value*" in text
    for principle in PRINCIPLE_ORDER:
        info = PRINCIPLES[principle]
        assert f"{info.emoji} *{info.label}*: {info.blurb}" in text
    assert "*Your first step*" in text
    assert "Last 7 days" not in text and "latest entries" not in text
    assert elements(home["blocks"], action_id=ids.OPEN_FORM_ACTION)
    assert not elements(home["blocks"], action_id=ids.EDIT_ACTION)
    assert "Nobody has logged a connection this week yet" in text


@pytest.mark.parametrize(
    ("changes", "expected", "absent"),
    [
        ({}, ":heart: *Show you care* with @jane on LinkedIn  ·  Thu 26 Nov", None),
        ({"local_date": TODAY}, "·  today", None),
        ({"who": "<@U123|jane>"}, "with <@U123|jane>", None),
        ({"who": "<!channel>"}, "with &lt;!channel&gt;", "<!channel>"),
        ({"who": "<@U1> <!here>"}, "&lt;@U1&gt; &lt;!here&gt;", "<!here>"),
        ({"note": "fixed <b> & more"}, "“fixed &lt;b&gt; &amp; more”", None),
        ({"note": "x" * 1000}, "x" * (NOTE_PREVIEW - 1) + "…", "x" * NOTE_PREVIEW),
        ({"link": "https://e.com/a|b>c"}, "<https://e.com/a%7Cb%3Ec|link>", "a|b"),
        ({"who": None, "platform": None, "note": "", "link": None}, "*Show you care*  ·", "with"),
    ],
)
def test_entry_line(changes: dict[str, Any], expected: str, absent: str | None) -> None:
    line = entry_line(entry(1, **changes), today=TODAY)
    assert expected in line
    if absent is not None:
        assert absent not in line


@pytest.mark.parametrize(
    ("count", "goal", "bar", "mark"),
    [
        (0, 10, "░" * CHART_WIDTH, ""),
        (5, 10, "█" * 6 + "░" * 6, ""),
        (10, 10, "█" * CHART_WIDTH, " ✓"),
        (1, 100, "█" + "░" * (CHART_WIDTH - 1), ""),
    ],
)
def test_chart_bars_fill_toward_the_goal(count: int, goal: int, bar: str, mark: str) -> None:
    chart = last_days_chart([(TODAY, count)], goal=goal, today=TODAY)
    assert chart == f"```Fri 27 {bar} {count:>4,}{mark}  today```"


def test_chart_scales_to_the_busiest_day_and_marks_the_goal() -> None:
    days = [(TODAY - timedelta(days=1), 20), (TODAY, 5)]
    lines = last_days_chart(days, goal=10, today=TODAY).strip("`").splitlines()
    assert lines[0] == f"Thu 26 {'█' * CHART_WIDTH}   20 ✓"
    # Half the goal on a chart scaled to 20: a quarter filled, shaded up to the goal's half.
    assert lines[1] == f"Fri 27 {'███░░░':<{CHART_WIDTH}}    5  today"


def test_chart_with_huge_counts_keeps_its_width() -> None:
    days = [(TODAY - timedelta(days=b), 10**9 * b) for b in range(7)]
    for line in last_days_chart(days, goal=10, today=TODAY).strip("`").splitlines():
        bar = line[7 : 7 + CHART_WIDTH]
        assert set(bar) <= {"█", "░", " "}
        assert line[7 + CHART_WIDTH] == " "


@pytest.mark.parametrize("status", [ChangeStatus.NOT_YOURS, ChangeStatus.NOT_FOUND])
def test_refusals_on_the_home_tab_show_in_a_valid_modal(status: ChangeStatus) -> None:
    modal = notice_modal(change_refused(status))
    assert modal["type"] == "modal"
    assert_valid_view(modal)
