"""/connect end to end: signed requests in, what Slack received and what the database holds out."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from sqlalchemy import select

from slackapp.runtime import app as app_module
from slackapp.store.models import Connection
from tests.support.blockkit import assert_valid_sent
from tests.support.driver import SlackDriver, finish_listeners


def rows(slack: SlackDriver) -> list[Connection]:
    with slack.db.session_scope() as session:
        return list(session.scalars(select(Connection).order_by(Connection.id)))


def reply_text(payload: dict[str, object]) -> str:
    """Everything a member would read in a reply: fallback text plus block text."""
    return f"{payload.get('text')} {payload.get('blocks')}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "solve @jane on twitter answered her question about webhook retries "
            "https://x.com/jane/status/1",
            (
                "solve",
                "twitter",
                "@jane",
                "https://x.com/jane/status/1",
                "answered her question about webhook retries",
            ),
        ),
        (
            "care commented on @sam's launch post on linkedin https://www.linkedin.com/posts/sam-1",
            (
                "care",
                "linkedin",
                "@sam",
                "https://www.linkedin.com/posts/sam-1",
                "commented on @sam's launch post",
            ),
        ),
        (
            "laugh shared a meme with @dev_folks on instagram",
            ("laugh", "instagram", "@dev_folks", None, "shared a meme with @dev_folks"),
        ),
        (
            "opportunity spotted @newbie asking for a podcast host on reddit, sent our guide",
            (
                "opportunity",
                "reddit",
                "@newbie",
                None,
                "spotted @newbie asking for a podcast host, sent our guide",
            ),
        ),
    ],
)
def test_the_four_examples_log_what_they_say(
    slack: SlackDriver, text: str, expected: tuple[object, ...]
) -> None:
    reply = slack.command(text)
    assert reply.status == 200
    response = slack.responses()[0]
    assert_valid_sent(response)
    assert response.get("response_type", "ephemeral") == "ephemeral"
    assert "1/10 today" in reply_text(response)
    [row] = rows(slack)
    assert (row.principle, row.platform, row.who, row.link, row.note) == expected
    assert (row.team_id, row.user_id, row.source) == ("T0TEAM", "U1", "command")


def test_progress_counts_up_and_day_is_the_members_own(slack: SlackDriver) -> None:
    # 03:00 UTC on Saturday is still Friday evening in New York (U1) but Saturday in Berlin (U2).
    slack.clock.now = slack.clock.now.replace(day=28, hour=3)
    slack.response_to(slack.command("care thanked @kim for the tutorial", user="U1"))
    second = slack.command("laugh posted a pun for @lee", user="U1")
    slack.response_to(slack.command("solve fixed @max's import", user="U2"))
    assert "2/10 today" in reply_text(slack.response_to(second))
    # A first entry is dated in the team's zone until users.info tells us the member's own,
    # right after the ack: let that work finish before reading the dates.
    finish_listeners(slack.db)
    by_user = {(r.user_id, r.note): str(r.local_date) for r in rows(slack)}
    assert by_user[("U1", "thanked @kim for the tutorial")] == "2026-11-27"
    assert by_user[("U2", "fixed @max's import")] == "2026-11-28"


def test_undo_removes_exactly_that_entry(slack: SlackDriver) -> None:
    slack.response_to(slack.command("solve answered @a"))
    slack.response_to(slack.command("care thanked @b"))
    first, second = rows(slack)
    reply = slack.block_action("undo_connection", value=str(first.id))
    assert reply.status == 200
    undo = slack.response_to(reply)
    assert_valid_sent(undo)
    assert undo.get("replace_original") is True
    assert "Removed" in undo["text"]
    assert [r.id for r in rows(slack)] == [second.id]


def test_undo_whose_reply_hangs_is_done_shown_another_way_and_on_the_home(
    slack: SlackDriver, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    slack.response_to(slack.command("solve answered @a"))
    [entry] = rows(slack)
    slack.settle()
    # Slack's response_url takes longer than the app waits for any Slack call.
    monkeypatch.setattr(app_module, "WEB_API_TIMEOUT", 0.3)
    slack.standin.slow("response_url", 10)
    published = len(slack.standin.calls("views.publish"))

    with caplog.at_level(logging.WARNING):
        reply = slack.block_action("undo_connection", value=str(entry.id))
        assert reply.status == 200
        slack.settle(timeout=8)  # the reply was given up at 0.3 s, not waited on for 10

    assert rows(slack) == []
    assert "not delivered, sending it another way: no answer from the response_url" in caplog.text
    assert "(timeout 0.3 s)" in caplog.text
    # The member sees the reply itself, ephemerally where they clicked, not "something went
    # wrong": only the reply was lost. And their Home no longer lists the entry.
    assert "listener failed" not in caplog.text
    (shown,) = slack.standin.calls("chat.postEphemeral")
    assert (shown.params["channel"], shown.params["user"]) == ("C1", "U1")
    assert "Removed" in shown.params["text"]
    assert len(slack.standin.calls("views.publish")) == published + 1


def test_undo_of_someone_elses_entry_changes_nothing(slack: SlackDriver) -> None:
    slack.response_to(slack.command("solve answered @a", user="U1"))
    [entry] = rows(slack)
    refusal = slack.response_to(
        slack.block_action("undo_connection", value=str(entry.id), user="U2")
    )
    assert "someone else" in refusal["text"]
    assert refusal.get("replace_original") is False
    assert len(rows(slack)) == 1


def test_same_link_twice_on_one_day_is_already_logged(slack: SlackDriver) -> None:
    slack.response_to(slack.command("solve answered @jane https://x.com/jane/status/1"))
    second = slack.response_to(
        slack.command("solve answered @jane again https://x.com/jane/status/1")
    )
    assert "Already logged" in second["text"]
    assert len(rows(slack)) == 1
    # Another member may log the same link.
    slack.response_to(slack.command("care thanked @jane https://x.com/jane/status/1", user="U2"))
    assert len(rows(slack)) == 2


def test_daily_cap_stops_runaway_logging(slack: SlackDriver) -> None:
    slack.deps.settings = replace(slack.deps.settings, daily_cap=2)
    for n in range(2):
        slack.response_to(slack.command(f"solve answered question {n}"))
    third = slack.response_to(slack.command("solve answered question 3"))
    assert "cap" in third["text"]
    assert len(rows(slack)) == 2


def test_text_over_slacks_limit_is_refused_and_nothing_saved(slack: SlackDriver) -> None:
    slack.command("solve " + "x" * 4100)
    response = slack.responses()[0]
    assert "4,000" in response["text"]
    assert rows(slack) == []


def test_note_over_our_limit_is_refused_and_nothing_saved(slack: SlackDriver) -> None:
    slack.command("solve " + "word " * 300)
    response = slack.responses()[0]
    assert "limit is 1,000" in response["text"]
    assert rows(slack) == []


@pytest.mark.parametrize(
    "text",
    [
        "solve '); DROP TABLE connections; -- @bobby",
        "care شكراً @ahmad على المساعدة",
        "laugh 😂😂 <@U999|zed> <#C1|general> <!here> &amp; &lt;b&gt;",
        "solve <https://x.com/a|x.com/a> <mailto:a@b.co|a@b.co> \u202e\u0000",
    ],
)
def test_any_text_is_saved_faithfully_without_crashing(slack: SlackDriver, text: str) -> None:
    slack.command(text)
    response = slack.responses()[0]
    assert_valid_sent(response)
    assert "Saved" in response["text"]
    [row] = rows(slack)
    assert row.principle in {"solve", "care", "laugh"}


def test_help_explains_the_four_principles(slack: SlackDriver) -> None:
    slack.command("help")
    response = slack.responses()[0]
    assert_valid_sent(response)
    body = reply_text(response)
    for word in ("solve", "care", "laugh", "opportunity", "/leaderboard", "/mystats"):
        assert word in body
    assert "about 10 real connections a day" in body
    assert rows(slack) == []


def test_database_down_tells_the_member_and_logs_the_cause(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    slack.db.engine.dispose()
    original = slack.db.session_scope

    def broken() -> object:
        from sqlalchemy.exc import OperationalError

        raise OperationalError("SELECT 1", {}, Exception("database is locked"))

    slack.db.session_scope = broken  # type: ignore[method-assign,assignment]
    try:
        reply = slack.command("solve answered @jane")
        assert reply.status == 200
        response = slack.responses()[0]
    finally:
        slack.db.session_scope = original  # type: ignore[method-assign]
    assert "couldn't reach its database" in response["text"]
    assert "nothing was saved" in response["text"]
    assert any("database is locked" in (r.exc_text or "") for r in caplog.records)
    assert all("xoxb-standin" not in r.getMessage() for r in caplog.records)
    assert rows(slack) == []
