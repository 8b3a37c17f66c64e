"""The App Home end to end: published on open and after changes made there; Edit and Delete."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from slackapp.domain.entries import FormField
from slackapp.domain.vocabulary import Platform, Principle
from slackapp.render import ids
from slackapp.render.kit import FormContext
from slackapp.store.models import Connection
from tests.support.blockkit import all_text, assert_valid_view, elements
from tests.support.driver import SlackDriver
from tests.support.factories import add_connection, add_member, add_team

FRI = date(2026, 11, 27)
THU = date(2026, 11, 26)
HOME_CONTAINER = {"type": "view", "view_id": "VHOME"}


def open_home(slack: SlackDriver, *, user: str = "U1", count: int = 1) -> dict[str, Any]:
    reply = slack.event(
        {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home", "event_ts": "1"}
    )
    assert reply.status == 200
    return published(slack, count=count, user=user)


def published(slack: SlackDriver, *, count: int = 1, user: str = "U1") -> dict[str, Any]:
    call = slack.standin.wait_for("views.publish", count=count)[count - 1]
    assert call.params["user_id"] == user
    view = call.json_param("view")
    assert view["type"] == "home"
    assert isinstance(view, dict)
    assert_valid_view(view)
    return view


def rows(slack: SlackDriver) -> dict[int, Connection]:
    with slack.db.session_scope() as session:
        return {row.id: row for row in session.scalars(select(Connection))}


def seed(slack: SlackDriver, *, entries: int = 12) -> list[int]:
    """Ana (U1) has `entries` entries, newest last; Ben (U2) has one; returns Ana's ids."""
    with slack.db.session_scope() as session:
        add_team(session, team_id=slack.team_id)
        add_member(session, team_id=slack.team_id, user_id="U2", display_name="Ben")
        ids_: list[int] = []
        for n in range(entries):
            row = add_connection(
                session,
                team_id=slack.team_id,
                user_id="U1",
                principle=[Principle.SOLVE, Principle.CARE, Principle.LAUGH][n % 3],
                local_date=FRI if n % 2 else THU,
                created_at=datetime(2026, 11, 27, 12, tzinfo=UTC) + timedelta(minutes=n),
                note=f"entry number {n}",
                who="@jane",
                platform=Platform.REDDIT,
            )
            ids_.append(row.id)
        add_connection(session, team_id=slack.team_id, user_id="U2", note="Ben's own")
    return ids_


def bens_entry(slack: SlackDriver) -> Connection:
    (row,) = [row for row in rows(slack).values() if row.user_id == "U2"]
    return row


def test_opening_home_publishes_progress_entries_and_the_team_board(slack: SlackDriver) -> None:
    ana = seed(slack)
    view = open_home(slack)
    text = all_text(view["blocks"])
    assert "Hi Ana :wave:" in text
    assert "*Today* · Fri 27 Nov\n*6/10*" in text
    assert "*Last 7 days*\n```" in text and "Thu 26" in text
    # The ten most recent entries, newest first, each with Edit and Delete.
    edit_ids = [int(e["value"]) for e in elements(view["blocks"], action_id=ids.EDIT_ACTION)]
    assert edit_ids == sorted(ana, reverse=True)[:10]
    assert len(elements(view["blocks"], action_id=ids.DELETE_ACTION)) == 10
    assert "Showing your 10 most recent of 12." in text
    assert "Ben's own" not in text
    assert "*Team board* · This week (Mon 23 – Fri 27 Nov)" in text and "Ben" in text
    assert elements(view["blocks"], action_id=ids.OPEN_FORM_ACTION)


def test_the_messages_tab_publishes_nothing(slack: SlackDriver) -> None:
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "messages"})
    open_home(slack, user="U2")  # a later event that does publish, to know the first was handled
    assert len(slack.standin.calls("views.publish")) == 1


def test_a_member_with_no_entries_is_welcomed(slack: SlackDriver) -> None:
    view = open_home(slack, user="U2")
    text = all_text(view["blocks"])
    assert "Welcome to Valueboard" in text and "*Four ways to give value*" in text
    assert "*Your first step*" in text
    assert not elements(view["blocks"], action_id=ids.EDIT_ACTION)
    assert elements(view["blocks"], action_id=ids.OPEN_FORM_ACTION)


def test_a_connect_log_leaves_the_home_to_its_opening_which_shows_it_fresh(
    slack: SlackDriver,
) -> None:
    reply = slack.command("laugh shared a meme with @dev_folks on instagram", user="U1")
    assert reply.json()["text"].startswith("Saved")
    # The work after the ack (the first log refreshes the profile) publishes nothing; the Home
    # is built when the member opens it, with the entry just saved.
    slack.standin.wait_for("users.info")
    first = open_home(slack)
    assert "Make them laugh" in all_text(first["blocks"])
    assert "*1/10*" in all_text(first["blocks"])
    second_log = slack.command("care thanked @sam for the launch post", user="U1")
    assert second_log.json()["text"].startswith("Saved")
    again = open_home(slack, count=2)
    assert "*2/10*" in all_text(again["blocks"]), "the Home opened shows the figures of now"
    (undo,) = elements(slack.responses()[0]["blocks"], action_id=ids.UNDO_ACTION)
    slack.block_action(ids.UNDO_ACTION, value=undo["value"], user="U1")
    # An undo from the confirmation does republish: the member may be looking at the Home.
    third = published(slack, count=3)
    assert "Make them laugh" not in all_text(third["blocks"])
    assert len(slack.standin.calls("views.publish")) == 3, "two openings and one undo"
    assert len(rows(slack)) == 1


def _state(view: dict[str, Any], changes: dict[FormField, Any]) -> dict[str, Any]:
    """Slack's state.values for the connection form: what it opened with, plus `changes`."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        field = FormField(block["block_id"])
        element = block["element"]
        kind = element["type"]
        if kind in {"radio_buttons", "static_select"}:
            state = {"type": kind, "selected_option": element.get("initial_option")}
            if field in changes:
                state["selected_option"] = {"value": changes[field]}
        elif kind == "datepicker":
            state = {"type": kind, "selected_date": changes.get(field, element["initial_date"])}
        else:
            state = {"type": kind, "value": changes.get(field, element.get("initial_value"))}
        values[field.value] = {ids.INPUT_ACTION: state}
    return values


def test_edit_opens_the_form_prefilled_and_saving_changes_the_entry(slack: SlackDriver) -> None:
    target = seed(slack, entries=3)[0]
    slack.block_action(
        ids.EDIT_ACTION, value=str(target), user="U1", channel=None, container=HOME_CONTAINER
    )
    form = slack.opened_view()
    assert form["callback_id"] == ids.EDIT_VIEW
    assert FormContext.load(form["private_metadata"]).connection_id == target
    by_field = {block["block_id"]: block["element"] for block in form["blocks"]}
    assert by_field[FormField.PRINCIPLE]["initial_option"]["value"] == "solve"
    assert by_field[FormField.PLATFORM]["initial_option"]["value"] == "reddit"
    assert by_field[FormField.WHO]["initial_value"] == "@jane"
    assert by_field[FormField.NOTE]["initial_value"] == "entry number 0"
    assert by_field[FormField.DATE]["initial_date"] == "2026-11-26"

    values = _state(form, {FormField.PRINCIPLE: "care", FormField.NOTE: "thanked her properly"})
    assert slack.submit_view(form, values, user="U1").status == 200
    view = published(slack)
    row = rows(slack)[target]
    assert (row.principle, row.note, row.who, row.platform) == (
        "care",
        "thanked her properly",
        "@jane",
        "reddit",
    )
    assert row.updated_at is not None
    assert "thanked her properly" in all_text(view["blocks"])


def test_delete_removes_the_entry_and_refreshes_home(slack: SlackDriver) -> None:
    ana = seed(slack, entries=3)
    slack.block_action(
        ids.DELETE_ACTION, value=str(ana[1]), user="U1", channel=None, container=HOME_CONTAINER
    )
    view = published(slack)
    assert ana[1] not in rows(slack)
    assert set(rows(slack)) >= {ana[0], ana[2]}
    edit_ids = {e["value"] for e in elements(view["blocks"], action_id=ids.EDIT_ACTION)}
    assert edit_ids == {str(ana[0]), str(ana[2])}
    assert not slack.standin.calls("views.open")


@pytest.mark.parametrize("action_id", [ids.DELETE_ACTION, ids.EDIT_ACTION])
def test_acting_on_someone_elses_entry_is_refused_and_changes_nothing(
    slack: SlackDriver, action_id: str
) -> None:
    seed(slack, entries=2)
    bens = bens_entry(slack)
    before = {row_id: (row.note, row.principle) for row_id, row in rows(slack).items()}
    slack.block_action(
        action_id, value=str(bens.id), user="U1", channel=None, container=HOME_CONTAINER
    )
    modal = slack.opened_view()
    assert modal["type"] == "modal"
    assert modal.get("callback_id") != ids.EDIT_VIEW
    assert "belongs to someone else" in all_text(modal["blocks"])
    if action_id == ids.DELETE_ACTION:
        published(slack)  # Ana's own tab is refreshed, and still without Ben's entry
    after = {row_id: (row.note, row.principle) for row_id, row in rows(slack).items()}
    assert after == before


def test_an_edit_submitted_for_someone_elses_entry_changes_nothing(slack: SlackDriver) -> None:
    seed(slack, entries=1)
    bens = bens_entry(slack)
    slack.block_action(ids.OPEN_FORM_ACTION, user="U1", channel=None, container=HOME_CONTAINER)
    form = slack.opened_view()
    # A forged edit form pointing at Ben's entry.
    forged = {
        **form,
        "callback_id": ids.EDIT_VIEW,
        "private_metadata": FormContext(connection_id=bens.id).dump(),
    }
    values = _state(form, {FormField.PRINCIPLE: "laugh", FormField.NOTE: "not mine"})
    slack.submit_view(forged, values, user="U1")
    (dm,) = slack.standin.wait_for("chat.postMessage")
    assert "belongs to someone else" in dm.params["text"]
    assert bens_entry(slack).note == "Ben's own"


def test_listeners_call_slack_over_connections_kept_open(slack: SlackDriver) -> None:
    seed(slack)
    open_home(slack)
    after_first = slack.standin.connections
    open_home(slack, count=2)
    open_home(slack, count=3)
    # Bolt's own client for each request would have opened one for each call.
    assert slack.standin.connections == after_first
