"""What Slack may send that our schema would refuse: long names, NUL bytes, forged markup.

Each is cut or cleaned to fit and saved; only a real connectivity error may tell the member
that the database could not be reached.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from slackapp.slack.listening import BUSY_NOTHING_SAVED, DB_DOWN, SOMETHING_BROKE, failure_text
from slackapp.store.db import DatabaseBusy
from slackapp.store.models import Connection, Member
from tests.handlers.test_connect_form import state
from tests.support.driver import SlackDriver


def test_a_display_name_longer_than_the_column_is_cut_and_every_command_works(
    slack: SlackDriver,
) -> None:
    slack.standin.add_user("ULONG", display_name="N" * 500, tz="Europe/Berlin")
    reply = slack.command("solve answered @jane", user="ULONG")
    assert "Saved" in reply.json()["text"]
    slack.settle()  # the profile from users.info is kept after the ack
    mine = slack.command("", command="/mystats", user="ULONG")
    assert mine.status == 200
    assert "couldn't reach" not in str(slack.response_to(mine))
    with slack.db.read_scope() as session:
        member = session.get(Member, (slack.team_id, "ULONG"))
        assert member is not None and member.display_name == "N" * 200


def test_a_nul_byte_in_a_form_note_is_dropped_and_the_entry_saved(slack: SlackDriver) -> None:
    slack.command("")
    view = slack.opened_view()
    reply = slack.submit_view(view, state(note="thanked\x00 Sam", who="@s\x00am"))
    assert reply.status == 200 and reply.body in {b"", b"{}"}
    with slack.db.read_scope() as session:
        [row] = session.scalars(select(Connection)).all()
    assert (row.note, row.who) == ("thanked Sam", "@sam")


def test_a_nul_byte_in_connect_text_is_dropped(slack: SlackDriver) -> None:
    reply = slack.command("care thanked\x00 @sam for the post")
    assert "Saved" in reply.json()["text"]
    with slack.db.read_scope() as session:
        [row] = session.scalars(select(Connection)).all()
    assert "\x00" not in row.note


@pytest.mark.parametrize(
    ("error", "text"),
    [
        ("operational", DB_DOWN),
        ("timeout", DB_DOWN),
        ("data", SOMETHING_BROKE),
        ("integrity", SOMETHING_BROKE),
        ("bug", SOMETHING_BROKE),
        ("busy", BUSY_NOTHING_SAVED),
    ],
)
def test_only_connectivity_errors_say_the_database_is_unreachable(error: str, text: str) -> None:
    from sqlalchemy.exc import DataError, IntegrityError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    errors: dict[str, BaseException] = {
        "operational": OperationalError("SELECT 1", {}, Exception("connection refused")),
        "timeout": PoolTimeout("QueuePool limit reached"),
        "data": DataError("INSERT", {}, Exception("value too long")),
        "integrity": IntegrityError("INSERT", {}, Exception("duplicate")),
        "bug": KeyError("x"),
        "busy": DatabaseBusy("no turn to write within 2 s"),
    }
    assert failure_text(errors[error]) == text


def test_a_confirmation_keeps_only_a_real_user_mention_live(slack: SlackDriver) -> None:
    slack.command("")
    view = slack.opened_view()
    forged_who = "<@U1> <!channel> <https://evil.example|x>"
    forged_link = "https://ok.example/a>b<!here>|c"
    slack.submit_view(view, state(who=forged_who, link=forged_link))
    [call] = slack.standin.wait_for("chat.postEphemeral")
    sent = json.dumps([call.params["text"], call.json_param("blocks")])
    for live in ("<!channel>", "<!here>", "<https://evil.example", "b<!"):
        assert live not in sent, live
    assert "&lt;!channel&gt;" in sent


def test_a_lone_user_mention_still_reads_as_a_name(slack: SlackDriver) -> None:
    reply = slack.command("care thanked <@U2> for the launch post")
    assert "with <@U2>" in json.dumps(reply.json()["blocks"])


def test_channel_posts_are_sent_with_slacks_parsing_off(slack: SlackDriver) -> None:
    slack.standin.add_user("UEVIL", display_name="<!here> @channel Eve", tz="UTC")
    slack.command("solve answered @jane", user="UEVIL")
    slack.settle()  # the profile (and its hostile name) is kept after the ack
    reply = slack.command("", command="/leaderboard", user="UEVIL")
    share = next(
        element
        for block in slack.response_to(reply)["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id") == "share_leaderboard"
    )
    slack.block_action("share_leaderboard", value=share["value"], user="UEVIL")
    [post] = slack.standin.wait_for("chat.postMessage")
    assert post.params["parse"] == "none"
    assert post.params.get("link_names") in {False, "false", "0"}
    assert "<!here>" not in json.dumps(post.params)
