"""Team settings and the nudge opt-out, end to end: signed requests in, Slack calls and rows out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from slackapp.config import Settings
from slackapp.domain.team_settings import SettingsField
from slackapp.render import ids
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.store.db import Database
from slackapp.store.models import Member, Team
from tests.support.driver import FakeClock, SlackDriver, serve_app

ADMIN = "U3"


@pytest.fixture
def admin(standin: SlackEmulator) -> str:
    """A workspace admin in the stand-in (Ana and Ben, from conftest, are not admins)."""
    standin.add_user(ADMIN, display_name="Cleo", tz="Europe/London", is_admin=True)
    return ADMIN


@pytest.fixture
def listed_slack(standin: SlackEmulator, db: Database, clock: FakeClock) -> Iterator[SlackDriver]:
    """The app with Ben (U2, not a workspace admin) listed in ADMIN_USER_IDS."""
    served = serve_app(
        standin=standin, db=db, clock=clock, settings=Settings(admin_user_ids=frozenset({"U2"}))
    )
    try:
        yield served.driver
    finally:
        served.server.shutdown()
        served.server.server_close()


def _element_state(element: dict[str, Any]) -> dict[str, Any]:
    kind = element["type"]
    if kind in {"plain_text_input", "number_input"}:
        return {"type": kind, "value": element.get("initial_value")}
    if kind == "checkboxes":
        return {"type": kind, "selected_options": element.get("initial_options", [])}
    if kind in {"radio_buttons", "static_select"}:
        return {"type": kind, "selected_option": element.get("initial_option")}
    if kind == "conversations_select":
        return {"type": kind, "selected_conversation": element.get("initial_conversation")}
    if kind == "timepicker":
        return {"type": kind, "selected_time": element.get("initial_time")}
    raise AssertionError(f"unexpected element {kind}")


def _values(view: dict[str, Any], changes: dict[SettingsField, dict[str, Any]]) -> dict[str, Any]:
    """Slack's state.values for `view`: what it opened with, with `changes` typed over it."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        state = _element_state(element)
        state.update(changes.get(SettingsField(block["block_id"]), {}))
        values[block["block_id"]] = {element["action_id"]: state}
    return values


def _option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value}, "value": value}


GOOD_CHANGES: dict[SettingsField, dict[str, Any]] = {
    SettingsField.TIMEZONE: {"value": "europe/berlin"},
    SettingsField.WORK_DAYS: {"selected_options": [_option("0"), _option("2"), _option("4")]},
    SettingsField.DAILY_GOAL: {"value": "8"},
    SettingsField.NUDGE_MODE: {"selected_option": _option("channel")},
    SettingsField.NUDGE_CHANNEL: {"selected_conversation": "C100"},
    SettingsField.NUDGE_TIME: {"selected_time": "08:30"},
    SettingsField.DIGEST_MODE: {"selected_option": _option("weekly")},
    SettingsField.DIGEST_CHANNEL: {"selected_conversation": "C200"},
    SettingsField.DIGEST_TIME: {"selected_time": "17:00"},
    SettingsField.DIGEST_WEEKDAY: {"selected_option": _option("3")},
}


def _team(slack: SlackDriver) -> Team | None:
    with slack.db.session_scope() as session:
        return session.get(Team, slack.team_id)


def _open_settings(slack: SlackDriver, *, user: str) -> dict[str, Any]:
    reply = slack.command("settings", user=user)
    assert reply.status == 200
    view = slack.opened_view()
    assert view["callback_id"] == ids.SETTINGS_VIEW
    return view


# --- who may open them ------------------------------------------------------------------------


def test_a_member_who_is_not_an_admin_is_refused_politely(slack: SlackDriver) -> None:
    reply = slack.command("settings", user="U1")
    assert reply.status == 200
    response = slack.responses()[0]
    assert "workspace admins" in response["text"]
    assert response.get("response_type", "ephemeral") == "ephemeral"
    assert slack.standin.calls("views.open") == []
    team = _team(slack)
    assert team is None or team.settings_updated_by is None


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_an_admin_or_owner_opens_saves_and_sees_the_summary(
    slack: SlackDriver, standin: SlackEmulator, role: str
) -> None:
    standin.add_user("U7", display_name="Dee", is_admin=role == "admin", is_owner=role == "owner")
    view = _open_settings(slack, user="U7")

    reply = slack.submit_view(view, _values(view, GOOD_CHANGES), user="U7")

    assert reply.status == 200
    assert not reply.body  # a plain ack closes the modal
    summary = standin.wait_for("chat.postEphemeral")[0].params  # saved after the ack
    team = _team(slack)
    assert team is not None
    assert team.timezone == "Europe/Berlin"
    assert team.work_days_mask == 0b10101
    assert team.daily_goal == 8
    assert (team.nudge_mode, team.nudge_channel, team.nudge_time) == ("channel", "C100", "08:30")
    assert (team.digest_mode, team.digest_channel, team.digest_time, team.digest_weekday) == (
        "weekly",
        "C200",
        "17:00",
        3,
    )
    assert team.settings_updated_by == "U7"
    assert team.settings_updated_at == slack.clock.now
    assert (summary["channel"], summary["user"]) == ("C1", "U7")
    assert "Team settings saved" in summary["text"]
    assert "<#C100> at 08:30" in str(summary["blocks"])
    assert "*Work days:* Mon, Wed, Fri" in str(summary["blocks"])


def test_a_member_listed_in_admin_user_ids_can_open_and_save(listed_slack: SlackDriver) -> None:
    view = _open_settings(listed_slack, user="U2")
    reply = listed_slack.submit_view(view, _values(view, GOOD_CHANGES), user="U2")
    assert reply.status == 200 and not reply.body
    listed_slack.standin.wait_for("chat.postEphemeral")  # saved after the ack
    team = _team(listed_slack)
    assert team is not None and team.settings_updated_by == "U2"
    assert team.daily_goal == 8


def test_the_modal_opens_with_the_teams_current_settings(slack: SlackDriver, admin: str) -> None:
    with slack.db.session_scope() as session:
        session.add(
            Team(
                team_id=slack.team_id,
                timezone="Asia/Tokyo",
                work_days_mask=0b1111,
                daily_goal=12,
                created_at=slack.clock.now,
                nudge_mode="dm",
                nudge_time="07:45",
                nudge_paused_reason="I'm not in that private channel",
            )
        )
    view = _open_settings(slack, user=admin)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks[SettingsField.TIMEZONE.value]["element"]["initial_value"] == "Asia/Tokyo"
    assert blocks[SettingsField.DAILY_GOAL.value]["element"]["initial_value"] == "12"
    assert [
        o["value"] for o in blocks[SettingsField.WORK_DAYS.value]["element"]["initial_options"]
    ] == ["0", "1", "2", "3"]
    assert blocks[SettingsField.NUDGE_MODE.value]["element"]["initial_option"]["value"] == "dm"
    assert blocks[SettingsField.NUDGE_TIME.value]["element"]["initial_time"] == "07:45"
    assert "The nudge is paused" in str(view["blocks"])


def test_saving_clears_a_pause_and_a_second_save_just_overwrites(
    slack: SlackDriver, admin: str
) -> None:
    with slack.db.session_scope() as session:
        session.add(
            Team(
                team_id=slack.team_id,
                created_at=slack.clock.now,
                nudge_mode="channel",
                nudge_channel="C100",
                nudge_paused_reason="channel_not_found",
            )
        )
    view = _open_settings(slack, user=admin)
    slack.submit_view(view, _values(view, GOOD_CHANGES), user=admin)
    slack.standin.wait_for("chat.postEphemeral")
    again = {**GOOD_CHANGES, SettingsField.DAILY_GOAL: {"value": "15"}}
    slack.submit_view(view, _values(view, again), user=admin)
    assert len(slack.standin.wait_for("chat.postEphemeral", count=2)) == 2
    team = _team(slack)
    assert team is not None
    assert team.nudge_paused_reason is None
    assert team.daily_goal == 15


# --- invalid values are shown inline ----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({SettingsField.TIMEZONE: {"value": "Mars/Olympus_Mons"}}, SettingsField.TIMEZONE),
        ({SettingsField.DAILY_GOAL: {"value": "0"}}, SettingsField.DAILY_GOAL),
        ({SettingsField.DAILY_GOAL: {"value": "101"}}, SettingsField.DAILY_GOAL),
        ({SettingsField.WORK_DAYS: {"selected_options": []}}, SettingsField.WORK_DAYS),
        (
            {SettingsField.NUDGE_CHANNEL: {"selected_conversation": None}},
            SettingsField.NUDGE_CHANNEL,
        ),
        (
            {SettingsField.DIGEST_CHANNEL: {"selected_conversation": None}},
            SettingsField.DIGEST_CHANNEL,
        ),
    ],
)
def test_invalid_values_are_reported_inline_and_nothing_is_saved(
    slack: SlackDriver,
    admin: str,
    changes: dict[SettingsField, dict[str, Any]],
    field: SettingsField,
) -> None:
    view = _open_settings(slack, user=admin)
    reply = slack.submit_view(view, _values(view, {**GOOD_CHANGES, **changes}), user=admin)
    assert reply.status == 200
    body = reply.json()
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == [field.value]
    team = _team(slack)
    assert team is not None
    assert team.settings_updated_by is None and team.daily_goal == 10
    assert slack.standin.calls("chat.postEphemeral") == []


def test_a_submission_from_a_non_admin_is_refused_inline(slack: SlackDriver, admin: str) -> None:
    view = _open_settings(slack, user=admin)
    reply = slack.submit_view(view, _values(view, GOOD_CHANGES), user="U1")
    body = reply.json()
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == [SettingsField.TIMEZONE.value]
    team = _team(slack)
    assert team is not None and team.settings_updated_by is None


# --- the App Home button ----------------------------------------------------------------------


def test_the_home_button_opens_settings_for_an_admin(slack: SlackDriver, admin: str) -> None:
    reply = slack.block_action(
        ids.OPEN_SETTINGS_ACTION,
        user=admin,
        channel=None,
        container={"type": "view", "view_id": "VHOME"},
    )
    assert reply.status == 200
    view = slack.opened_view()
    assert view["callback_id"] == ids.SETTINGS_VIEW
    reply = slack.submit_view(view, _values(view, GOOD_CHANGES), user=admin)
    assert reply.status == 200 and not reply.body
    # Opened from the Home tab there is no channel, so the summary arrives as a DM.
    summary = slack.standin.wait_for("chat.postMessage")[0].params
    assert summary["channel"] == admin and "Team settings saved" in summary["text"]


def test_the_home_button_shows_a_refusal_to_a_non_admin(slack: SlackDriver) -> None:
    slack.block_action(
        ids.OPEN_SETTINGS_ACTION,
        user="U1",
        channel=None,
        container={"type": "view", "view_id": "VHOME"},
    )
    view = slack.opened_view()
    assert "callback_id" not in view and "submit" not in view
    assert "workspace admins" in str(view["blocks"])


# --- the member opt-out -----------------------------------------------------------------------


def _nudges_enabled(slack: SlackDriver, user_id: str) -> bool:
    with slack.db.session_scope() as session:
        member = session.get(Member, (slack.team_id, user_id))
        assert member is not None
        return member.nudges_enabled


def test_a_member_turns_nudges_off_and_on_again(slack: SlackDriver) -> None:
    slack.command("nudges off", user="U1")
    off = slack.responses()[0]
    assert "no more daily nudges" in off["text"]
    assert _nudges_enabled(slack, "U1") is False

    slack.command("nudges on", user="U1")
    on = slack.responses(count=2)[1]
    assert "back on the daily nudge" in on["text"]
    assert _nudges_enabled(slack, "U1") is True


def test_turning_nudges_off_touches_only_that_member(slack: SlackDriver) -> None:
    slack.command("nudges on", user="U2")
    slack.responses()
    slack.command("nudges off", user="U1")
    slack.responses(count=2)
    assert _nudges_enabled(slack, "U1") is False
    assert _nudges_enabled(slack, "U2") is True
