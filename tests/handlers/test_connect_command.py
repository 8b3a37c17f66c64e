"""/connect end to end: signed requests in, Slack calls and rows out."""

from __future__ import annotations

from sqlalchemy import func, select

from slackapp.models import Connection
from tests.driver import SlackDriver


def rows(slack: SlackDriver) -> list[Connection]:
    with slack.db.session_scope() as session:
        return list(session.scalars(select(Connection).order_by(Connection.id)))


def test_connect_with_text_logs_and_replies_with_progress(slack: SlackDriver) -> None:
    reply = slack.command(
        "solve @jane on twitter answered her question about webhook retries https://x.com/jane/status/1"
    )
    assert reply.status == 200
    response = slack.responses()[0]
    assert "1/10 today" in response["text"] or "1/10 today" in str(response["blocks"])
    saved = rows(slack)
    assert len(saved) == 1
    row = saved[0]
    assert (row.principle, row.platform, row.who, row.link) == (
        "solve",
        "twitter",
        "@jane",
        "https://x.com/jane/status/1",
    )
    assert row.note == "answered her question about webhook retries"
    assert row.user_id == "U1"
    assert str(row.local_date) == "2026-11-27"
