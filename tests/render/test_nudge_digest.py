"""Block Kit shape of the nudge, the digest and the settings surfaces, checked with slack_sdk."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta
from types import MappingProxyType
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from slackapp.domain.digests import (
    Contributor,
    DayCounts,
    Digest,
    DigestKind,
    Highlight,
    StreakHolder,
)
from slackapp.domain.nudges import DayTally, MemberNudge, TeamNudge
from slackapp.domain.team_settings import (
    DigestMode,
    NudgeMode,
    NudgePreference,
    SettingsField,
    SettingsInput,
    TeamSettings,
)
from slackapp.domain.tips import tip_for
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, Principle
from slackapp.render import ids
from slackapp.render.digest import HIGHLIGHT_NOTE_MAX, digest_chart, digest_message, period_label
from slackapp.render.kit import FormContext, Message
from slackapp.render.nudge import day_phrase, nudge_message, person_name
from slackapp.render.settings import (
    nudges_preference_message,
    read_settings_form,
    refusal_errors,
    settings_button,
    settings_errors,
    settings_modal,
    settings_refused,
    settings_refused_view,
    settings_saved,
    work_days_text,
)
from tests.support.blockkit import all_text, assert_valid_message, assert_valid_view

FRI = date(2026, 11, 27)
MON = date(2026, 11, 30)
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100


def counts(*values: int) -> MappingProxyType[Principle, int]:
    return MappingProxyType(dict(zip(PRINCIPLE_ORDER, values, strict=True)))


# --- builders ---------------------------------------------------------------------------------

TALLY = DayTally(day=FRI, total=23, people=4, goal=40, counts=counts(8, 6, 5, 4), days_off_total=3)


def team_nudge(**changes: Any) -> TeamNudge:
    principle = changes.pop("principle", Principle.OPPORTUNITY)
    nudge = TeamNudge(
        team_id="T1",
        day=MON,
        principle=principle,
        tip=tip_for(MON, principle=principle, salt="T1"),
        why="Being early means your help lands when it is needed.",
        question="How many real connections will you make today?",
        daily_goal=10,
        team=TALLY,
    )
    return replace(nudge, **changes)


def member_nudge(**changes: Any) -> MemberNudge:
    base = team_nudge()
    nudge = MemberNudge(
        team_id="T1",
        user_id="U1",
        display_name="Ana",
        day=MON,
        principle=base.principle,
        tip=base.tip,
        why=base.why,
        question=base.question,
        daily_goal=10,
        team=TALLY,
        own_count=6,
        own_days_off=0,
        goal_streak=0,
        active_streak=4,
        first_steps=None,
    )
    return replace(nudge, **changes)


def digest(**changes: Any) -> Digest:
    start = FRI - timedelta(days=6)
    value = Digest(
        team_id="T1",
        kind=DigestKind.WEEKLY,
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

SETTINGS = TeamSettings(
    team_id="T1",
    timezone="America/New_York",
    work_days=frozenset(range(5)),
    daily_goal=10,
    nudge_mode=NudgeMode.CHANNEL,
    nudge_channel="C100",
    nudge_time=time(9, 0),
    digest_mode=DigestMode.WEEKLY,
    digest_channel="C200",
    digest_time=time(16, 0),
    digest_weekday=4,
)


# --- every payload is valid Block Kit ---------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        nudge_message(team_nudge()),
        nudge_message(team_nudge(team=replace(TALLY, total=0, people=0, days_off_total=0))),
        nudge_message(team_nudge(team=replace(TALLY, total=50))),
        nudge_message(member_nudge()),
        nudge_message(member_nudge(goal_streak=3, own_count=12, own_days_off=2)),
        nudge_message(member_nudge(first_steps="Start small.", display_name=None)),
        *(nudge_message(team_nudge(principle=p)) for p in Principle),
        digest_message(digest()),
        digest_message(digest(kind=DigestKind.DAILY, start=FRI, goal=40, days=digest().days[-1:])),
        digest_message(digest(goal=0)),
        digest_message(QUIET),
        digest_message(replace(QUIET, streaks=(StreakHolder("U1", "Ana", 2),))),
        settings_saved(SETTINGS),
        settings_saved(replace(SETTINGS, nudge_mode=NudgeMode.DM, digest_mode=DigestMode.OFF)),
        settings_refused(),
        *(
            nudges_preference_message(NudgePreference(enabled, mode, "C100", time(9, 0)))
            for enabled in (True, False)
            for mode in NudgeMode
        ),
    ],
)
def test_messages_are_valid_block_kit(message: Message) -> None:
    assert_valid_message(message)


@pytest.mark.parametrize(
    "view",
    [
        settings_modal(SETTINGS, channel_id="C1"),
        settings_modal(
            replace(
                SETTINGS,
                nudge_mode=NudgeMode.OFF,
                nudge_channel=None,
                digest_mode=DigestMode.OFF,
                digest_channel=None,
                updated_by="U1",
                nudge_paused_reason="I'm not in that <private> channel",
                digest_paused_reason="the channel was archived.",
            )
        ),
        settings_refused_view(),
    ],
)
def test_views_are_valid_block_kit(view: dict[str, Any]) -> None:
    assert_valid_view(view)


def test_settings_button_is_valid_and_opens_settings() -> None:
    block = settings_button()
    parsed = Block.parse(block)
    assert parsed is not None
    parsed.validate_json()
    assert [e["action_id"] for e in block["elements"]] == [ids.OPEN_SETTINGS_ACTION]


# --- nudge wording ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "today", "phrase"),
    [
        (date(2026, 11, 26), FRI, "yesterday"),
        (FRI, MON, "on Friday"),
        (date(2026, 11, 25), FRI, "on Wednesday"),
        (date(2026, 11, 23), MON, "last Monday"),
        (date(2026, 11, 2), MON, "on Monday 2 Nov"),
    ],
)
def test_day_phrase(day: date, today: date, phrase: str) -> None:
    assert day_phrase(day, today=today) == phrase


@pytest.mark.parametrize(
    ("name", "shown"),
    [("Ana", "Ana"), (None, "A teammate"), ("  ", "A teammate"), ("<@U1>", "&lt;@U1&gt;")],
)
def test_person_name_never_mentions(name: str | None, shown: str) -> None:
    assert person_name(name) == shown


def test_nudge_layout() -> None:
    message = nudge_message(team_nudge())
    kinds = [b["type"] for b in message.blocks]
    assert kinds == ["header", "section", "context", "divider", "section", "section", "actions"]
    assert message.blocks[0]["text"]["text"] == ":dart: Today's principle: Embrace an opportunity"
    assert message.text.startswith("Today's principle: Embrace an opportunity.")
    tally = message.blocks[4]["text"]["text"]
    assert tally.startswith("On Friday the team made *23 real connections* from 4 people")
    assert ":bulb: 8   :heart: 6   :joy: 5   :dart: 4" in tally


def test_member_nudge_adds_their_own_line() -> None:
    message = nudge_message(member_nudge())
    assert len(message.blocks) == 8
    own = message.blocks[4]["text"]["text"]
    assert own.startswith("Hi Ana! *You* made 6 of your 10 on Friday.  ▰▰▰▰▰▰▱▱▱▱")
    assert "4-day run with at least one connection" in own


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


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        (FRI, FRI, "Fri 27 Nov"),
        (date(2026, 11, 21), FRI, "Sat 21 – Fri 27 Nov"),
        (date(2026, 11, 28), date(2026, 12, 4), "Sat 28 Nov – Fri 4 Dec"),
        (date(2026, 12, 28), date(2027, 1, 3), "Mon 28 Dec 2026 – Sun 3 Jan 2027"),
    ],
)
def test_period_label(start: date, end: date, label: str) -> None:
    assert period_label(start, end) == label


def test_digest_chart_only_for_a_weekly_digest_with_something_to_draw() -> None:
    png = digest_chart(digest())
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n")
    assert digest_chart(digest(kind=DigestKind.DAILY)) is None
    assert digest_chart(QUIET) is None


# --- settings ---------------------------------------------------------------------------------


def _state(view: dict[str, Any]) -> dict[str, Any]:
    """What Slack would send back if the admin submitted the modal untouched."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        kind = element["type"]
        if kind in {"plain_text_input", "number_input"}:
            state = {"value": element.get("initial_value")}
        elif kind == "checkboxes":
            state = {"selected_options": element.get("initial_options", [])}
        elif kind in {"radio_buttons", "static_select"}:
            state = {"selected_option": element.get("initial_option")}
        elif kind == "conversations_select":
            state = {"selected_conversation": element.get("initial_conversation")}
        elif kind == "timepicker":
            state = {"selected_time": element.get("initial_time")}
        else:
            raise AssertionError(kind)
        values[block["block_id"]] = {element["action_id"]: {"type": kind, **state}}
    return {"state": {"values": values}}


def test_an_untouched_modal_reads_back_as_the_current_settings() -> None:
    view = settings_modal(replace(SETTINGS, work_days=frozenset({0, 2, 4}), daily_goal=7))
    assert read_settings_form(_state(view)) == SettingsInput(
        timezone="America/New_York",
        work_days=("0", "2", "4"),
        daily_goal="7",
        nudge_mode="channel",
        nudge_channel="C100",
        nudge_time="09:00",
        digest_mode="weekly",
        digest_channel="C200",
        digest_time="16:00",
        digest_weekday="4",
    )


def test_modal_block_ids_are_the_settings_fields() -> None:
    view = settings_modal(SETTINGS, channel_id="C1")
    input_ids = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert input_ids == [field.value for field in SettingsField]
    assert view["callback_id"] == ids.SETTINGS_VIEW
    assert FormContext.load(view["private_metadata"]) == FormContext(channel_id="C1")


def test_paused_schedules_are_explained_in_the_modal() -> None:
    view = settings_modal(replace(SETTINGS, nudge_paused_reason="I'm not in <#C100>."))
    notes = [str(b) for b in view["blocks"] if b["type"] == "context"]
    assert any("The nudge is paused (I'm not in &lt;#C100&gt;)" in note for note in notes)


@pytest.mark.parametrize("raw", [None, "", "not json", "[1]", '{"c": 5}'])
def test_settings_context_survives_odd_metadata(raw: str | None) -> None:
    assert FormContext.load(raw) == FormContext()


def test_inline_errors_use_block_ids() -> None:
    errors = settings_errors({SettingsField.DAILY_GOAL: "Pick 1 to 100."})
    assert errors == {"settings_daily_goal": "Pick 1 to 100."}
    assert list(refusal_errors()) == [SettingsField.TIMEZONE.value]


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ({0, 1, 2, 3, 4}, "Mon–Fri"),
        (set(range(7)), "Every day"),
        ({0, 2, 4}, "Mon, Wed, Fri"),
        ({5, 6}, "Sat, Sun"),
        ({0, 1, 2, 3, 5}, "Mon–Thu, Sat"),
        ({6}, "Sun"),
    ],
)
def test_work_days_text(days: set[int], text: str) -> None:
    assert work_days_text(frozenset(days)) == text


def test_saved_summary_shows_everything_back() -> None:
    lines = settings_saved(SETTINGS).blocks[0]["text"]["text"].splitlines()
    assert lines == [
        ":white_check_mark: Team settings saved.",
        "*Time zone:* America/New_York",
        "*Work days:* Mon–Fri",
        "*Daily goal:* 10 real connections per person",
        "*Nudge:* posted in <#C100> at 09:00 on work days",
        "*Digest:* weekly on Fridays in <#C200> at 16:00",
    ]


@pytest.mark.parametrize(
    ("enabled", "mode", "expected"),
    [
        (False, NudgeMode.DM, "`/connect nudges on`"),
        (False, NudgeMode.CHANNEL, "The team's nudge in <#C100> stays"),
        (True, NudgeMode.DM, "DM at 09:00 your time"),
        (True, NudgeMode.CHANNEL, "in <#C100> at 09:00"),
        (True, NudgeMode.OFF, "hasn't switched the nudge on yet"),
    ],
)
def test_nudge_preference_wording(enabled: bool, mode: NudgeMode, expected: str) -> None:
    message = nudges_preference_message(NudgePreference(enabled, mode, "C100", time(9, 0)))
    assert expected in message.text
