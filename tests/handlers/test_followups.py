"""Follow-ups end to end: asked for in text and in the form, DMed at 9:00 on the member's own
day across DST changes, answered with each button, switched off and on. Signed requests in,
the real delivery tick against the stand-in; what Slack received and what the database holds.
"""

from __future__ import annotations

import csv
import io
import threading
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from slackapp.render import ids
from slackapp.sandbox.emulator import RecordedCall
from slackapp.store.models import Connection, Delivery, FollowUp, Team
from tests.handlers.test_connect_command import reply_text
from tests.handlers.test_connect_form import state
from tests.scheduling.rig import Rig, settings_for
from tests.support.blockkit import all_text, assert_valid_sent, elements
from tests.support.driver import Reply, SlackDriver
from tests.support.factories import add_member, add_team

TEAM = "T0TEAM"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def members(slack: SlackDriver, *, team_zone: str = "UTC") -> None:
    """Ana in New York and Ben in Berlin, with their zones already known."""
    with slack.db.session_scope() as session:
        add_team(session, team_id=TEAM, timezone=team_zone)
        add_member(session, team_id=TEAM, user_id="U1", timezone="America/New_York")
        add_member(session, team_id=TEAM, user_id="U2", timezone="Europe/Berlin")


def rig(slack: SlackDriver) -> Rig:
    return Rig(
        db=slack.db,
        standin=slack.standin,
        settings=settings_for(slack.standin, slack.db),
        clock=slack.clock,
    )


def follow_ups(slack: SlackDriver) -> list[FollowUp]:
    with slack.db.session_scope() as session:
        return list(session.scalars(select(FollowUp).order_by(FollowUp.id)))


def dms(slack: SlackDriver, user: str) -> list[RecordedCall]:
    return [c for c in slack.standin.calls("chat.postMessage") if c.params.get("channel") == user]


def dm_payload(call: RecordedCall) -> dict[str, Any]:
    payload = {"text": call.params["text"], "blocks": call.json_param("blocks")}
    assert_valid_sent(payload)
    return payload


def click(slack: SlackDriver, dm: dict[str, Any], action_id: str, *, user: str) -> Reply:
    [button] = elements(dm["blocks"], action_id=action_id)
    return slack.block_action(action_id, value=button["value"], user=user, channel="D1")


def log(slack: SlackDriver, text: str, *, user: str = "U1") -> str:
    reply = slack.command(text, user=user)
    assert reply.status == 200
    body = reply.json()
    assert "Saved" in body["text"], body
    assert_valid_sent(body)
    return reply_text(body)


def test_text_follow_up_is_dmed_at_nine_new_york_time_on_the_dst_day(slack: SlackDriver) -> None:
    members(slack)
    # Thursday 5 March 2026, 10:00 in New York (EST); clocks go forward on Sunday the 8th.
    slack.clock.now = utc(2026, 3, 5, 15)
    text = log(
        slack,
        "solve @jane on twitter answered her question about webhook retries "
        "https://x.com/jane/status/1 follow up in 3 days",
    )
    assert "I'll ask you on Sun 8 Mar whether @jane replied" in text
    [booked] = follow_ups(slack)
    assert (booked.due_date, booked.state, booked.user_id) == (date(2026, 3, 8), "open", "U1")
    with slack.db.session_scope() as session:
        [entry] = session.scalars(select(FollowUp.connection_id))
    assert entry == booked.connection_id

    ticks = rig(slack)
    # 08:59 EDT is 12:59 UTC; 09:00 EST would have been 14:00 UTC.
    ticks.tick(utc(2026, 3, 8, 12, 59))
    assert dms(slack, "U1") == []
    # Two processes tick at the same instant: the ledger lets one DM through.
    racers = [threading.Thread(target=ticks.tick, args=(utc(2026, 3, 8, 13, 0),)) for _ in "ab"]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    ticks.tick(utc(2026, 3, 8, 13, 5))
    [call] = dms(slack, "U1")
    dm = dm_payload(call)
    assert "Did @jane reply to your answer on X / Twitter?" in all_text(dm)
    assert "answered her question about webhook retries" in all_text(dm)
    with slack.db.session_scope() as session:
        [ledger] = session.scalars(select(Delivery).where(Delivery.kind == "followup"))
        assert (ledger.target, ledger.local_date, ledger.status) == ("U1", date(2026, 3, 8), "sent")
    [asked] = follow_ups(slack)
    assert (asked.asked_for, asked.delivery_id, asked.asks) == (date(2026, 3, 8), ledger.id, 1)


def test_replied_updates_the_dm_in_place_once_and_only_for_its_owner(slack: SlackDriver) -> None:
    members(slack)
    slack.clock.now = utc(2026, 3, 5, 15)
    log(slack, "care @jane on twitter thanked her for the thread follow up friday")
    [booked] = follow_ups(slack)
    assert booked.due_date == date(2026, 3, 6)
    rig(slack).tick(utc(2026, 3, 6, 14, 0))  # 09:00 EST
    dm = dm_payload(dms(slack, "U1")[0])
    slack.clock.now = utc(2026, 3, 6, 15)

    # Someone else's click (a forwarded or forged payload) changes nothing and says why.
    stranger = click(slack, dm, ids.FOLLOWUP_REPLIED_ACTION, user="U2")
    assert stranger.status == 200
    refusal = slack.response_to(stranger)
    assert refusal.get("replace_original") in (False, "false", None)
    assert "belongs to someone else" in all_text(refusal)
    assert follow_ups(slack)[0].state == "open"

    reply = click(slack, dm, ids.FOLLOWUP_REPLIED_ACTION, user="U1")
    assert reply.status == 200
    updated = slack.response_to(reply)
    assert updated["replace_original"] in (True, "true")
    assert "@jane replied" in all_text(updated)
    assert elements(updated["blocks"], action_id=ids.FOLLOWUP_REPLIED_ACTION) == []
    [answered] = follow_ups(slack)
    assert (answered.state, answered.answered_on) == ("replied", date(2026, 3, 6))

    # A second click on the old copy (or the other button) records nothing new.
    again = click(slack, dm, ids.FOLLOWUP_NO_REPLY_ACTION, user="U1")
    assert "You already answered this one (replied)" in all_text(slack.response_to(again, count=2))
    assert follow_ups(slack)[0].state == "replied"


def test_no_reply_closes_it(slack: SlackDriver) -> None:
    members(slack)
    slack.clock.now = utc(2026, 3, 5, 15)
    log(slack, "laugh @jane on twitter sent a pun follow up tomorrow")
    rig(slack).tick(utc(2026, 3, 6, 14, 0))
    dm = dm_payload(dms(slack, "U1")[0])
    reply = click(slack, dm, ids.FOLLOWUP_NO_REPLY_ACTION, user="U1")
    assert "No reply from @jane" in all_text(slack.response_to(reply))
    assert follow_ups(slack)[0].state == "no_reply"


def test_still_waiting_asks_again_three_days_later(slack: SlackDriver) -> None:
    members(slack)
    slack.clock.now = utc(2026, 3, 5, 15)
    log(slack, "solve @jane on twitter answered her question follow up tomorrow")
    ticks = rig(slack)
    ticks.tick(utc(2026, 3, 6, 14, 0))  # Friday 09:00 EST
    first = dm_payload(dms(slack, "U1")[0])
    slack.clock.now = utc(2026, 3, 6, 15)
    reply = click(slack, first, ids.FOLLOWUP_WAITING_ACTION, user="U1")
    assert "I'll ask again on Mon 9 Mar" in all_text(slack.response_to(reply))
    [moved] = follow_ups(slack)
    assert (moved.state, moved.due_date) == ("open", date(2026, 3, 9))
    # Clicking the old copy again: already noted, no second move.
    again = click(slack, first, ids.FOLLOWUP_WAITING_ACTION, user="U1")
    assert "Already noted" in all_text(slack.response_to(again, count=2))
    assert follow_ups(slack)[0].due_date == date(2026, 3, 9)

    ticks.tick(utc(2026, 3, 8, 13, 0))  # Sunday: not yet
    assert len(dms(slack, "U1")) == 1
    ticks.tick(utc(2026, 3, 9, 13, 0))  # Monday 09:00 EDT
    assert len(dms(slack, "U1")) == 2
    second = dm_payload(dms(slack, "U1")[1])
    reply = click(slack, second, ids.FOLLOWUP_REPLIED_ACTION, user="U1")
    assert "@jane replied" in all_text(slack.response_to(reply))
    [done] = follow_ups(slack)
    assert (done.state, done.asks) == ("replied", 2)


def test_a_dm_slack_refuses_for_good_is_asked_again_the_next_morning(slack: SlackDriver) -> None:
    # A DM that never reached the member must not leave its follow-ups marked as asked: they
    # would never be asked about again.
    members(slack)
    slack.clock.now = utc(2026, 3, 5, 15)
    log(slack, "solve @jane on twitter answered her question follow up tomorrow")
    ticks = rig(slack)
    slack.standin.fail("chat.postMessage", "msg_too_long", channel="U1")
    ticks.tick(utc(2026, 3, 6, 14, 0))  # Friday 09:00 EST: Slack refuses it
    assert len(dms(slack, "U1")) == 1
    with slack.db.session_scope() as session:
        [failed] = session.scalars(select(Delivery).where(Delivery.kind == "followup"))
        assert (failed.status, failed.local_date) == ("failed", date(2026, 3, 6))
    [waiting] = follow_ups(slack)
    assert (waiting.state, waiting.ask_on, waiting.asks) == ("open", date(2026, 3, 7), 0)
    ticks.tick(utc(2026, 3, 6, 20, 0))  # later that Friday: nothing more
    assert len(dms(slack, "U1")) == 1
    ticks.tick(utc(2026, 3, 7, 14, 0))  # Saturday 09:00 EST
    assert len(dms(slack, "U1")) == 2
    second = dm_payload(dms(slack, "U1")[1])
    assert "Did @jane reply" in all_text(second)
    reply = click(slack, second, ids.FOLLOWUP_REPLIED_ACTION, user="U1")
    assert "@jane replied" in all_text(slack.response_to(reply))
    [done] = follow_ups(slack)
    assert (done.state, done.asks) == ("replied", 1)


def test_form_follow_up_reaches_berlin_at_nine_after_the_clocks_go_back(
    slack: SlackDriver,
) -> None:
    members(slack)
    # Saturday 24 October 2026, 12:00 in Berlin (CEST); clocks go back at 03:00 on the 25th.
    slack.clock.now = utc(2026, 10, 24, 10)
    slack.command("", user="U2")
    view = slack.opened_view()
    [follow_up] = [b for b in view["blocks"] if b["block_id"] == "follow_up"]
    assert [o["value"] for o in follow_up["element"]["options"]] == ["none", "1", "3", "7", "14"]
    values = {
        **state(day="2026-10-24", who="@sam"),
        "follow_up": {
            "value": {
                "type": "static_select",
                "selected_option": {"value": "1", "text": {"type": "plain_text", "text": "x"}},
            }
        },
    }
    reply = slack.submit_view(view, values, user="U2")
    assert reply.status == 200
    [booked] = follow_ups(slack)
    assert (booked.user_id, booked.due_date) == ("U2", date(2026, 10, 25))
    confirmation = slack.standin.wait_for("chat.postEphemeral")[0]
    assert "I'll ask you on Sun 25 Oct whether @sam replied" in all_text(confirmation.params)

    ticks = rig(slack)
    ticks.tick(utc(2026, 10, 25, 7, 59))  # 08:59 CET (09:59 by yesterday's clocks)
    assert dms(slack, "U2") == []
    ticks.tick(utc(2026, 10, 25, 8, 0))  # 09:00 CET
    [call] = dms(slack, "U2")
    assert "Did @sam reply to your note on LinkedIn?" in all_text(dm_payload(call))


def test_no_follow_up_from_the_form_by_default(slack: SlackDriver) -> None:
    members(slack)
    slack.command("", user="U1")
    view = slack.opened_view()
    assert slack.submit_view(view, state(), user="U1").status == 200
    assert follow_ups(slack) == []


def test_followups_off_silences_them_and_on_brings_them_back(slack: SlackDriver) -> None:
    members(slack)
    slack.clock.now = utc(2026, 3, 5, 15)
    log(slack, "solve @jane on twitter answered her question follow up tomorrow")
    off = slack.command("followups off", user="U1")
    assert "no more follow-up questions" in reply_text(off.json())
    assert "/connect nudges off" in reply_text(off.json())
    ticks = rig(slack)
    ticks.tick(utc(2026, 3, 6, 14, 0))
    assert dms(slack, "U1") == []
    on = slack.command("followups on", user="U1")
    assert "1 is waiting" in reply_text(on.json())
    ticks.tick(utc(2026, 3, 7, 14, 0))  # the next morning: the waiting one is asked
    [call] = dms(slack, "U1")
    assert "Did @jane reply" in all_text(dm_payload(call))


def test_nudges_off_leaves_follow_ups_on(slack: SlackDriver) -> None:
    members(slack)
    slack.clock.now = utc(2026, 3, 5, 15)
    log(slack, "solve @jane on twitter answered her question follow up tomorrow")
    slack.command("nudges off", user="U1")
    rig(slack).tick(utc(2026, 3, 6, 14, 0))
    assert len(dms(slack, "U1")) == 1


def test_undoing_the_entry_cancels_its_follow_up(slack: SlackDriver) -> None:
    members(slack)
    slack.clock.now = utc(2026, 3, 5, 15)
    log(slack, "solve @jane on twitter answered her question follow up tomorrow")
    [booked] = follow_ups(slack)
    reply = slack.block_action(ids.UNDO_ACTION, value=str(booked.connection_id), user="U1")
    assert reply.status == 200
    slack.response_to(reply)
    assert follow_ups(slack) == []
    rig(slack).tick(utc(2026, 3, 6, 14, 0))
    assert dms(slack, "U1") == []


def three_answers(slack: SlackDriver) -> Rig:
    """Ana logs Jane (solve), Sam and Kim (care) on Monday 2 March; on Tuesday morning she says
    Jane and Kim replied and Sam did not."""
    members(slack)
    with slack.db.session_scope() as session:
        team = session.get(Team, TEAM)
        assert team is not None
        team.timezone = "America/New_York"
        team.digest_mode = "weekly"
        team.digest_channel = "C0DIGEST"
        team.digest_weekday = 4  # Friday
        team.digest_time = "16:00"
        team.settings_updated_at = utc(2026, 1, 1)
    slack.clock.now = utc(2026, 3, 2, 15)
    log(slack, "solve @jane on twitter answered her question follow up tomorrow")
    log(slack, "care @sam on linkedin congratulated him on the launch follow up tomorrow")
    log(slack, "care @kim on linkedin thanked her for the guide follow up tomorrow")
    ticks = rig(slack)
    ticks.tick(utc(2026, 3, 3, 14, 0))  # Tuesday 09:00 EST: one DM asks about all three
    [call] = dms(slack, "U1")
    dm = dm_payload(call)
    assert "3 follow-ups" in dm["text"]
    slack.clock.now = utc(2026, 3, 3, 15)
    for index, action_id in enumerate(
        [ids.FOLLOWUP_REPLIED_ACTION, ids.FOLLOWUP_NO_REPLY_ACTION, ids.FOLLOWUP_REPLIED_ACTION]
    ):
        button = elements(dm["blocks"], action_id=action_id)[index]
        reply = slack.block_action(action_id, value=button["value"], user="U1", channel="D1")
        slack.response_to(reply)
    assert [f.state for f in follow_ups(slack)] == ["replied", "no_reply", "replied"]
    return ticks


def test_answers_count_in_mystats_per_person_and_principle(slack: SlackDriver) -> None:
    three_answers(slack)
    reply = slack.command("", command="/mystats", user="U1")
    stats = all_text(slack.response_to(reply))
    assert "2 of 3 people replied this month (67%)" in stats
    # One reply each; Solve got it from everyone it asked, Care from half.
    assert "*Solve a problem* gets the most replies (1 of 1)" in stats
    assert "By platform: LinkedIn 1 of 2 · X / Twitter 1 of 1" in stats
    quiet = slack.command("", command="/mystats", user="U2")
    assert "replied this month" not in all_text(slack.response_to(quiet))


def test_the_weekly_digest_shows_reply_rate_and_relationships(slack: SlackDriver) -> None:
    ticks = three_answers(slack)
    # Ben comes back to Jane three times this week (a relationship deepened), and Ana meets
    # Jane again under another spelling: still one person.
    for day in (3, 4, 5):
        slack.clock.now = utc(2026, 3, day, 12)
        log(slack, f"care @jane on twitter thanked her again ({day})", user="U2")
    log(slack, "laugh x.com/JANE sent her a pun", user="U1")
    ticks.tick(utc(2026, 3, 6, 21, 0))  # Friday 16:00 EST
    [digest] = [
        c for c in slack.standin.calls("chat.postMessage") if c.params["channel"] == "C0DIGEST"
    ]
    text = all_text({"blocks": digest.json_param("blocks")})
    assert "2 of 3 people replied this week (67%)" in text
    assert "3 people reached for the first time" in text
    assert "1 relationship deepened" in text


def ben_comes_back_to_jane(slack: SlackDriver) -> None:
    """The three answered follow-ups, then Ben touches @jane three days running."""
    three_answers(slack)
    for day in (3, 4, 5):
        slack.clock.now = utc(2026, 3, day, 12)
        log(slack, f"care @jane on twitter thanked her again ({day})", user="U2")


def test_leaderboard_people_and_relationships(slack: SlackDriver) -> None:
    ben_comes_back_to_jane(slack)
    reply = slack.command("people", command="/leaderboard", user="U2")
    board = slack.response_to(reply)
    assert_valid_sent(board)
    text = all_text(board)
    assert "People reached" in text
    lines = [line for line in text.splitlines() if "people" in line or "person" in line]
    assert any("*3 people*" in line for line in lines), text
    assert any("(you): *1 person*" in line for line in lines), text
    assert "The team reached 3 people in all" in text

    reply = slack.command("relationships", command="/leaderboard", user="U2")
    board = slack.response_to(reply)
    assert_valid_sent(board)
    text = all_text(board)
    assert "Relationships deepened" in text and "Last 30 days" in text
    assert "(you): *1 relationship*" in text
    assert "3 people" not in text

    usage = slack.command("people care", command="/leaderboard", user="U2")
    assert "I didn't recognise `care`" in all_text(slack.response_to(usage))


def test_a_people_board_is_shared_in_the_channel_saying_who_shared(slack: SlackDriver) -> None:
    ben_comes_back_to_jane(slack)
    reply = slack.command("relationships", command="/leaderboard", user="U2")
    private = slack.response_to(reply)
    assert "(you): *1 relationship*" in all_text(private)
    [button] = elements(private["blocks"], action_id=ids.SHARE_BOARD_ACTION)
    assert button["value"].startswith("relationships ")
    before = len(slack.standin.calls("chat.postMessage"))
    answered = len(slack.standin.calls("response_url"))
    shared = slack.block_action(ids.SHARE_BOARD_ACTION, value=button["value"], user="U2")
    assert shared.status == 200
    posted = slack.standin.wait_for("chat.postMessage", count=before + 1)[-1]
    assert posted.params["channel"] == "C1"
    message = {"text": posted.params["text"], "blocks": posted.json_param("blocks")}
    assert_valid_sent(message)
    text = all_text(message)
    assert "Relationships deepened" in text and ":mega: Shared by" in text
    assert "(you)" not in text and "<@" not in text
    assert not elements(message["blocks"], action_id=ids.SHARE_BOARD_ACTION)
    # The same board as the private one, without the viewer's marks.
    private_lines = [line.replace(" (you)", "") for line in all_text(private).splitlines()]
    assert [line for line in text.splitlines() if "relationship" in line and "*" in line] == [
        line for line in private_lines if "relationship" in line and "*" in line
    ]
    assert slack.responses(count=answered + 1)[-1].get("delete_original") is True


def test_the_home_lists_follow_ups_waiting(slack: SlackDriver) -> None:
    members(slack)
    slack.clock.now = utc(2026, 3, 5, 15)
    log(slack, "solve @jane on twitter answered her question follow up friday")
    reply = slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    assert reply.status == 200
    [published] = slack.standin.wait_for("views.publish")
    view = published.json_param("view")
    text = all_text(view)
    assert "Follow-ups waiting on you" in text
    assert "@jane" in text and "ask Fri 6 Mar" in text


def test_export_carries_each_entrys_follow_up(slack: SlackDriver) -> None:
    three_answers(slack)
    log(slack, "laugh @lou on twitter sent a pun follow up 1w")
    reply = slack.command("export", user="U1")
    assert reply.status == 200
    slack.standin.wait_for("files.completeUploadExternal")
    (content,) = slack.standin.uploads
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    assert [
        (r["follow_up_due"], r["follow_up_state"], r["follow_up_answered_on"]) for r in rows
    ] == [
        ("2026-03-03", "replied", "2026-03-03"),
        ("2026-03-03", "no_reply", "2026-03-03"),
        ("2026-03-03", "replied", "2026-03-03"),
        ("2026-03-10", "open", ""),
    ]


def test_forget_me_deletes_the_members_follow_ups_and_counts_them(slack: SlackDriver) -> None:
    three_answers(slack)
    log(slack, "solve @jane on twitter answered again follow up tomorrow", user="U2")
    question = slack.command("forget-me", user="U1")
    assert "3 follow-ups" in reply_text(question.json())
    click = slack.block_action(ids.FORGET_ME_ACTION, value="U1", user="U1")
    assert click.status == 200
    assert "3 follow-ups" in reply_text(slack.response_to(click))
    assert [f.user_id for f in follow_ups(slack)] == ["U2"]
    with slack.db.session_scope() as session:
        # The follow-up DM Ana got goes with her other ledger rows.
        assert session.scalars(select(Delivery).where(Delivery.target == "U1")).all() == []


def test_the_person_page_lists_open_follow_ups(slack: SlackDriver) -> None:
    members(slack)
    slack.clock.now = utc(2026, 3, 5, 15)
    log(slack, "solve @jane on twitter answered her question follow up friday")
    page = slack.command("who @jane", user="U2")
    assert_valid_sent(page.json())
    assert "Open follow-ups: <@U1> asks Fri 6 Mar" in reply_text(page.json())
    quiet = log(slack, "care @sam on twitter thanked him")
    assert "Open follow-ups" not in reply_text(slack.command("who @sam", user="U2").json())
    assert "I'll ask" not in quiet


def test_people_today_counts_each_members_own_day(slack: SlackDriver) -> None:
    members(slack, team_zone="America/New_York")
    # Thursday 18:30 in New York is already Friday 00:30 in Berlin: Ben's entry is his Friday.
    slack.clock.now = utc(2026, 3, 5, 23, 30)
    log(slack, "care @kim on twitter thanked her", user="U2")
    log(slack, "care @lou on twitter thanked him", user="U1")
    with slack.db.session_scope() as session:
        days = sorted(str(d) for d in session.scalars(select(Connection.local_date)))
    assert days == ["2026-03-05", "2026-03-06"]
    reply = slack.command("people today", command="/leaderboard", user="U1")
    text = all_text(slack.response_to(reply))
    assert text.count("*1 person*") == 2, text
    assert "The team reached 2 people in all" in text
