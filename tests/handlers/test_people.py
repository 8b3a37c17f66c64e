"""People end to end: two members, one person under different spellings; the page, the hint,
merge and its undo, and the Home's People section. Signed requests in; what Slack received and
what the database holds out.
"""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import select

from slackapp.render import ids
from slackapp.store.models import Connection, Person
from tests.handlers.test_connect_command import reply_text
from tests.support.blockkit import all_text, assert_valid_sent, elements
from tests.support.driver import Reply, SlackDriver


def people(slack: SlackDriver) -> dict[tuple[str, str], Person]:
    with slack.db.session_scope() as session:
        return {(p.platform, p.handle_key): p for p in session.scalars(select(Person))}


def logged(slack: SlackDriver, text: str, *, user: str) -> dict[str, Any]:
    reply = slack.command(text, user=user)
    assert reply.status == 200
    body = reply.json()
    assert "Saved" in body["text"], body
    assert_valid_sent(body)
    return dict(body)


def who(slack: SlackDriver, text: str, *, user: str = "U1") -> dict[str, Any]:
    reply = slack.command(f"who {text}", user=user)
    assert reply.status == 200
    body = reply.json()
    assert_valid_sent(body)
    return dict(body)


def choose(slack: SlackDriver, value: str, *, user: str = "U1") -> Reply:
    """Pick an option of the "Same person as…" menu (a static select, not a button)."""
    key = f"pick{time.monotonic_ns()}"
    payload = {
        "type": "block_actions",
        "team": {"id": slack.team_id, "domain": "acme"},
        "user": {"id": user, "username": user.lower(), "team_id": slack.team_id},
        "api_app_id": "A0APP",
        "trigger_id": "trigger.pick",
        "container": {"type": "message"},
        "channel": {"id": "C1", "name": "general"},
        "response_url": slack.standin.response_url(key),
        "actions": [
            {
                "type": "static_select",
                "action_id": ids.MERGE_PERSON_ACTION,
                "block_id": "person",
                "action_ts": f"{time.time():.6f}",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "x"},
                    "value": value,
                },
            }
        ],
    }
    reply = slack.post_form({"payload": json.dumps(payload)})
    reply.response_key = key
    return reply


def two_members_one_person(slack: SlackDriver) -> None:
    # Ana (New York) on Friday, then Ben (Berlin) two days later, spelling her differently.
    logged(
        slack,
        "solve @Jane on twitter answered her question about webhook retries "
        "https://x.com/jane/status/1",
        user="U1",
    )
    slack.clock.advance(days=2)
    logged(slack, "care thanked @JANE for the thread https://twitter.com/jane/status/9", user="U2")


def test_two_spellings_are_one_person_and_the_teammate_hint_names_the_first_touch(
    slack: SlackDriver,
) -> None:
    first = logged(slack, "solve @Jane on twitter answered her question", user="U1")
    assert "build on it" not in reply_text(first)
    slack.clock.advance(days=2)
    second = logged(slack, "care thanked @JANE via x for the thread", user="U2")
    assert "<@U1> helped @jane 2 days ago" in reply_text(second)
    [jane] = people(slack).values()
    assert (jane.platform, jane.handle_key, jane.display) == ("twitter", "jane", "@jane")
    with slack.db.session_scope() as session:
        assert {c.person_id for c in session.scalars(select(Connection))} == {jane.id}


def test_no_hint_for_ones_own_touch_or_one_older_than_14_days(slack: SlackDriver) -> None:
    logged(slack, "solve @jane on twitter answered her question", user="U1")
    again = logged(slack, "care @jane on twitter thanked her", user="U1")
    assert "build on it" not in reply_text(again)
    slack.clock.advance(days=15)
    late = logged(slack, "laugh @jane on twitter sent a pun", user="U2")
    assert "build on it" not in reply_text(late)


def test_who_shows_every_touch_by_anyone_with_a_profile_link(slack: SlackDriver) -> None:
    two_members_one_person(slack)
    page = who(slack, "x.com/Jane", user="U2")
    text = reply_text(page)
    assert "answered her question about webhook retries" in text
    assert "thanked @JANE for the thread" in text
    assert "<@U1>" in text and "<@U2>" in text
    assert "2 touches" in text
    assert "https://x.com/jane" in text
    assert "Fri 27 Nov" in text and "Sun 29 Nov" in text
    # Without a platform, the bare handle still finds her.
    assert "2 touches" in reply_text(who(slack, "@jane"))


def test_who_for_someone_nobody_logged(slack: SlackDriver) -> None:
    page = who(slack, "@nobody")
    assert "Nobody has logged @nobody yet" in page["text"]


def test_merge_two_handles_and_undo_it(slack: SlackDriver) -> None:
    two_members_one_person(slack)
    logged(slack, "laugh @jane_doe on linkedin shared a meme about retries", user="U1")
    found = people(slack)
    x, linkedin = found[("twitter", "jane")], found[("linkedin", "jane_doe")]
    page = who(slack, "@jane_doe linkedin")
    assert "1 touch" in reply_text(page)
    [menu] = elements(page["blocks"], action_id=ids.MERGE_PERSON_ACTION)
    value = f"{linkedin.id}:{x.id}"
    assert value in [o["value"] for o in menu["options"]]
    assert "confirm" in menu

    merged = slack.response_to(choose(slack, value))
    assert_valid_sent(merged)
    assert merged.get("replace_original") is True
    assert "Merged" in merged["text"]
    assert "3 touches" in all_text(merged["blocks"])
    assert people(slack)[("linkedin", "jane_doe")].merged_into == x.id
    # Either handle now opens the one page.
    assert "3 touches" in reply_text(who(slack, "@jane_doe linkedin"))
    assert "3 touches" in reply_text(who(slack, "@jane twitter"))

    [undo] = elements(merged["blocks"], action_id=ids.UNMERGE_PERSON_ACTION)
    undone = slack.response_to(slack.block_action(ids.UNMERGE_PERSON_ACTION, value=undo["value"]))
    assert_valid_sent(undone)
    assert "Undone" in undone["text"]
    assert people(slack)[("linkedin", "jane_doe")].merged_into is None
    assert "2 touches" in reply_text(who(slack, "@jane twitter"))
    # A second Undo changes nothing and says so.
    again = slack.response_to(slack.block_action(ids.UNMERGE_PERSON_ACTION, value=undo["value"]))
    assert "already undone" in again["text"]


def test_a_merged_person_gets_the_hint_from_either_handle(slack: SlackDriver) -> None:
    logged(slack, "solve @jane on twitter answered her question", user="U1")
    logged(slack, "care @jane_doe on linkedin congratulated her", user="U1")
    found = people(slack)
    x, linkedin = found[("twitter", "jane")], found[("linkedin", "jane_doe")]
    slack.response_to(choose(slack, f"{linkedin.id}:{x.id}"))
    hinted = logged(slack, "laugh @jane on twitter sent a pun", user="U2")
    assert "<@U1> showed @jane_doe some care today" in reply_text(hinted)


def test_the_home_lists_the_members_recent_people(slack: SlackDriver) -> None:
    logged(slack, "solve @jane on twitter answered her question", user="U1")
    logged(slack, "care <@U2> thanked Ben for the review", user="U1")
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    call = slack.standin.wait_for("views.publish")[0]
    view = call.json_param("view")
    text = all_text(view["blocks"])
    assert "Your people" in text
    assert "@jane on X / Twitter" in text
    assert "<@U2>" in text
