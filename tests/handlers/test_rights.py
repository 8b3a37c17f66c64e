"""A member's own data end to end: /connect export to their DM, and /connect forget-me.

Signed requests in; what reached the Slack stand-in (the CSV file itself, the DM, the replies,
the Home) and what the database holds out.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from slackapp.domain.intents import IntentKind, interpret_connect
from slackapp.domain.vocabulary import Platform, Principle
from slackapp.render import ids
from slackapp.store.export import EXPORT_FIELDS
from slackapp.store.models import Connection, Member, MemberDay, MemberTotal, Person
from slackapp.store.tallies import mismatches
from tests.handlers.test_connect_command import reply_text
from tests.support.blockkit import all_text, assert_valid_sent, elements
from tests.support.driver import SlackDriver
from tests.support.factories import add_connection, add_team

OTHER_TEAM = "T0OTHER"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("export", IntentKind.EXPORT),
        ("Export my data", IntentKind.EXPORT),
        ("forget-me", IntentKind.FORGET_ME),
        ("forget me", IntentKind.FORGET_ME),
        ("delete my data", IntentKind.FORGET_ME),
        ("care exported @sam's deck on linkedin", IntentKind.LOG),
    ],
)
def test_the_words_for_export_and_forget_me(text: str, kind: IntentKind) -> None:
    assert interpret_connect(text).kind is kind


# -- /connect export ------------------------------------------------------------------------


def seed_for_export(slack: SlackDriver) -> None:
    with slack.db.session_scope() as session:
        add_team(session, team_id=slack.team_id)
        add_connection(
            session,
            team_id=slack.team_id,
            user_id="U1",
            principle=Principle.SOLVE,
            platform=Platform.TWITTER,
            who="@jane",
            note='=HYPERLINK("https://evil.example","click") answered, "quoted"',
            link="https://x.com/jane/status/1",
            local_date=date(2026, 11, 20),
        )
        add_connection(
            session,
            team_id=slack.team_id,
            user_id="U1",
            principle=Principle.CARE,
            who="<@U2>",
            note="-thanked Ben for the review\nsecond line",
            local_date=date(2026, 11, 25),
        )
        # Someone else's entry in the same workspace, and the member's own in another one.
        add_connection(session, team_id=slack.team_id, user_id="U2", note="Ben's own")
        add_connection(session, team_id=OTHER_TEAM, user_id="U1", note="elsewhere")


def uploaded_csv(slack: SlackDriver) -> list[dict[str, str]]:
    slack.standin.wait_for("files.completeUploadExternal")
    (content,) = slack.standin.uploads
    reader = csv.DictReader(io.StringIO(content.decode("utf-8")))
    assert tuple(reader.fieldnames or ()) == EXPORT_FIELDS
    return list(reader)


def test_export_sends_only_the_members_own_entries_as_csv_to_their_dm(
    slack: SlackDriver,
) -> None:
    seed_for_export(slack)
    reply = slack.command("export")
    assert reply.status == 200
    body = reply.json()
    assert_valid_sent(body)
    assert "I'm sending your export to our DM" in reply_text(body)

    rows = uploaded_csv(slack)
    assert [(r["team_id"], r["user_id"]) for r in rows] == [(slack.team_id, "U1")] * 2
    first, second = rows
    # A spreadsheet must show each cell as typed, never run it as a formula: a leading
    # =, +, - or @ gets an apostrophe, which spreadsheets show as plain text.
    assert (first["principle"], first["platform"], first["who"]) == ("solve", "twitter", "'@jane")
    assert first["note"] == '\'=HYPERLINK("https://evil.example","click") answered, "quoted"'
    assert first["link"] == "https://x.com/jane/status/1"
    assert first["local_date"] == "2026-11-20"
    assert (second["who"], second["note"]) == ("<@U2>", "'-thanked Ben for the review\nsecond line")

    (opened,) = slack.standin.calls("conversations.open")
    assert opened.params["users"] == "U1"
    (completed,) = slack.standin.calls("files.completeUploadExternal")
    assert completed.params["channel_id"] == "DU1"
    (message,) = [m for m in slack.standin.messages("DU1") if m.get("files")]
    assert message["files"][0]["name"].endswith(".csv")
    assert "2 Valueboard entries" in message["text"]


def test_export_with_no_entries_is_a_friendly_line_and_no_file(slack: SlackDriver) -> None:
    seed_for_export(slack)
    reply = slack.command("export", user="U3")
    body = reply.json()
    assert_valid_sent(body)
    assert "haven't logged any connections yet" in reply_text(body)
    # Something after the ack that we can wait for, to be sure no upload follows.
    slack.command("export")
    slack.standin.wait_for("files.completeUploadExternal")
    assert [c.params["users"] for c in slack.standin.calls("conversations.open")] == ["U1"]
    assert len(slack.standin.uploads) == 1


def test_an_export_slack_refuses_gets_a_clear_answer(slack: SlackDriver) -> None:
    seed_for_export(slack)
    slack.standin.fail("files.completeUploadExternal", "restricted_action")
    reply = slack.command("export")
    # The ack and the answer after it (which the stand-in may record first).
    slack.response_to(reply, count=2)
    answers = [slack.response_to(reply, count=n) for n in (1, 2)]
    (answer,) = [a for a in answers if "sending your export" not in reply_text(a)]
    assert_valid_sent(answer)
    assert "I couldn't send your export (restricted_action)" in reply_text(answer)
    assert answer.get("response_type") == "ephemeral"


# -- /connect forget-me ---------------------------------------------------------------------


def log(slack: SlackDriver, text: str, *, user: str) -> None:
    reply = slack.command(text, user=user)
    assert "Saved" in reply.json()["text"], reply.json()


def held(slack: SlackDriver) -> dict[str, Any]:
    with slack.db.session_scope() as session:

        def count(model: Any, *where: Any) -> int:
            return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

        return {
            "ana entries": count(Connection, Connection.user_id == "U1"),
            "ben entries": count(Connection, Connection.user_id == "U2"),
            "ana tallies": count(MemberDay, MemberDay.user_id == "U1")
            + count(MemberTotal, MemberTotal.user_id == "U1"),
            "ana member": count(Member, Member.user_id == "U1"),
            "ben member": count(Member, Member.user_id == "U2"),
            "people": sorted(session.scalars(select(Person.handle_key))),
            "mismatches": mismatches(session),
        }


@pytest.fixture
def logged(slack: SlackDriver) -> dict[str, Any]:
    """Ana logged two entries (one for @solo, one for @jane); Ben one for @jane."""
    log(slack, "solve @jane on twitter answered her question", user="U1")
    log(slack, "care @solo on reddit thanked her for the deep dive", user="U1")
    log(slack, "laugh @jane on twitter shared a meme", user="U2")
    before = held(slack)
    assert before["ana entries"] == 2 and before["people"] == ["jane", "solo"]
    return before


def ask(slack: SlackDriver, *, user: str = "U1") -> tuple[dict[str, Any], Any]:
    reply = slack.command("forget-me", user=user)
    body = reply.json()
    assert_valid_sent(body)
    return body, reply


def test_forget_me_says_what_will_go_and_deletes_nothing_yet(
    slack: SlackDriver, logged: dict[str, Any]
) -> None:
    body, _ = ask(slack)
    text = all_text(body["blocks"])
    assert "2 entries you logged" in text and "your settings" in text
    (confirm,) = elements(body["blocks"], action_id=ids.FORGET_ME_ACTION)
    assert (confirm["style"], confirm["value"], confirm["text"]["text"]) == (
        "danger",
        "U1",
        "Delete my data",
    )
    assert elements(body["blocks"], action_id=ids.FORGET_ME_CANCEL_ACTION)
    assert held(slack) == logged


def test_the_button_deletes_all_of_the_members_data_and_only_theirs(
    slack: SlackDriver, logged: dict[str, Any]
) -> None:
    ask(slack)
    click = slack.block_action(ids.FORGET_ME_ACTION, value="U1", user="U1")
    assert click.status == 200
    after = held(slack)
    # Committed before the ack: the database says so the moment the click is answered.
    assert after == {
        "ana entries": 0,
        "ben entries": 1,
        "ana tallies": 0,
        "ana member": 0,
        "ben member": logged["ben member"],
        "people": ["jane"],  # @solo was only Ana's; Ben's entry still names @jane
        "mismatches": [],
    }
    answer = slack.response_to(click)
    assert_valid_sent(answer)
    assert answer["replace_original"] is True
    done = reply_text(answer)
    assert "your Valueboard data is deleted" in done and "2 entries" in done
    assert "1 person only your entries named" in done

    # Her Home shows the empty state, not what she just deleted.
    def home_is_empty() -> bool:
        mine = [c for c in slack.standin.calls("views.publish") if c.params["user_id"] == "U1"]
        return bool(mine) and "Welcome to Valueboard" in all_text(mine[-1].json_param("view"))

    slack.standin.wait_until(home_is_empty)
    with slack.db.session_scope() as session:
        # Publishing the empty Home did not bring her member record back.
        assert session.get(Member, (slack.team_id, "U1")) is None


def test_someone_elses_click_is_refused_and_deletes_nothing(
    slack: SlackDriver, logged: dict[str, Any]
) -> None:
    ask(slack)
    click = slack.block_action(ids.FORGET_ME_ACTION, value="U1", user="U2")
    answer = slack.response_to(click)
    assert_valid_sent(answer)
    assert answer["replace_original"] is False
    assert "belongs to someone else's request, so nothing was deleted" in reply_text(answer)
    assert held(slack) == logged


def test_cancel_deletes_nothing(slack: SlackDriver, logged: dict[str, Any]) -> None:
    ask(slack)
    click = slack.block_action(ids.FORGET_ME_CANCEL_ACTION, value="U1", user="U1")
    answer = slack.response_to(click)
    assert answer["replace_original"] is True
    assert "Nothing was deleted" in reply_text(answer)
    assert held(slack) == logged


def test_forget_me_from_someone_we_know_nothing_about(slack: SlackDriver) -> None:
    body, _ = ask(slack, user="U3")
    assert "holds no data of yours" in reply_text(body)
    assert not elements(body["blocks"], action_id=ids.FORGET_ME_ACTION)
