"""The daily nudge's content: the principle of the day, its tip, and how the last work day went."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slackapp.domain.calendar import Period, Window
from slackapp.domain.nudges import previous_work_day
from slackapp.domain.tips import principle_of_the_day, tip_for
from slackapp.domain.vocabulary import PRINCIPLES, Principle
from slackapp.render.nudge import nudge_message
from slackapp.scheduling.nudges import (
    MemberWant,
    day_tallies,
    member_nudge,
    member_nudges,
    team_nudge,
    team_nudges,
)
from slackapp.store.db import Database
from slackapp.store.leaderboard import team_leaderboard
from slackapp.store.models import Connection
from slackapp.store.team_settings import get_settings
from tests.support.factories import add_connection, add_connections, add_member, add_team

MON_FRI = frozenset(range(5))
# The week of Monday 23 November 2026.
MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 11, 23) + timedelta(days=i) for i in range(7))
NEXT_MON = date(2026, 11, 30)


def _text(message_blocks: list[dict[str, object]]) -> str:
    return repr(message_blocks)


def _team(session: Session, *, team_id: str = "T1", work_days_mask: int = 31) -> None:
    add_team(session, team_id=team_id, work_days_mask=work_days_mask)
    add_member(session, team_id=team_id, user_id="U1", display_name="Ana")
    add_member(session, team_id=team_id, user_id="U2", display_name="Ben")


# --- the lesson -------------------------------------------------------------------------------


def test_the_principle_rotates_and_every_one_appears_each_week(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        fortnight = [MON + timedelta(days=i) for i in range(14)]
        work_days = [d for d in fortnight if d.weekday() < 5]
        nudges = [team_nudge(session, team_id="T1", day=d) for d in work_days]
    for day, nudge in zip(work_days, nudges, strict=True):
        assert nudge.principle is principle_of_the_day(day, work_days=MON_FRI)
        header = nudge_message(nudge).blocks[0]
        assert PRINCIPLES[nudge.principle].label in repr(header)
    for week in (nudges[:5], nudges[5:]):
        assert {n.principle for n in week} == set(Principle)
    # Consecutive work days never repeat a principle.
    assert all(a.principle != b.principle for a, b in pairwise(nudges))


def test_the_tip_is_for_the_principle_of_the_day_and_salted_by_team(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        _team(session, team_id="T2")
        nudge = team_nudge(session, team_id="T1", day=WED)
        other = team_nudge(session, team_id="T2", day=WED)
    assert nudge.tip == tip_for(WED, principle=nudge.principle, salt="T1")
    assert other.tip == tip_for(WED, principle=other.principle, salt="T2")
    assert nudge.tip.principle is nudge.principle
    message = nudge_message(nudge)
    assert "Try this" in _text(message.blocks)
    assert nudge.tip.text in _text(message.blocks)
    assert nudge.question in _text(message.blocks)


def test_dm_nudges_salt_the_tip_by_member(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        ana = member_nudge(session, team_id="T1", user_id="U1", day=WED)
        ben = member_nudge(session, team_id="T1", user_id="U2", day=WED)
    assert ana.principle is ben.principle
    assert ana.tip == tip_for(WED, principle=ana.principle, salt="U1")
    assert ben.tip == tip_for(WED, principle=ben.principle, salt="U2")


def test_the_nudge_has_a_log_a_connection_button(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        message = nudge_message(team_nudge(session, team_id="T1", day=WED))
    buttons = [
        element
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert [(b["text"]["text"], b["action_id"]) for b in buttons] == [
        ("Log a connection", "open_connect_form")
    ]


# --- the last work day ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "mask", "expected"),
    [
        (TUE, 31, MON),
        (NEXT_MON, 31, FRI),
        (SUN, 31, FRI),
        (SAT, 31, FRI),
        (WED, 0b10101, MON),  # Mon, Wed, Fri
        (MON, 0b10101, FRI - timedelta(days=7)),
        (MON, 0b1, MON - timedelta(days=7)),  # Mondays only
        (MON, 127, SUN - timedelta(days=7)),
    ],
)
def test_previous_work_day(day: date, mask: int, expected: date) -> None:
    work_days = frozenset(d for d in range(7) if mask & (1 << d))
    assert previous_work_day(day, work_days=work_days) == expected


def test_tuesday_reports_monday_as_yesterday(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        add_connections(session, 3, user_id="U1", local_date=MON)
        add_connections(session, 2, user_id="U2", principle=Principle.CARE, local_date=MON)
        add_connections(session, 4, user_id="U1", local_date=date(2026, 11, 20))  # last Friday
        add_connections(session, 5, user_id="U1", local_date=TUE)  # today: not yesterday
        add_team(session, team_id="T2")
        add_connections(session, 9, team_id="T2", user_id="U1", local_date=MON)
        nudge = team_nudge(session, team_id="T1", day=TUE)
    tally = nudge.team
    assert tally.day == MON
    assert (tally.total, tally.people, tally.days_off_total) == (5, 2, 0)
    assert tally.goal == 2 * 10  # two members, ten each
    assert tally.counts[Principle.SOLVE] == 3
    assert tally.counts[Principle.CARE] == 2
    tally_text = nudge_message(nudge).blocks[4]["text"]["text"]
    assert tally_text.startswith("Yesterday the team made *5 real connections* from 2 people")
    assert "goal of 20" in tally_text


def test_monday_reports_friday_and_counts_the_weekend_as_a_bonus(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        add_connections(session, 6, user_id="U1", local_date=FRI)
        add_connections(session, 2, user_id="U2", local_date=SAT)
        add_connections(session, 1, user_id="U1", local_date=SUN)
        add_connections(session, 7, user_id="U2", local_date=THU)
        nudge = team_nudge(session, team_id="T1", day=NEXT_MON)
    tally = nudge.team
    assert tally.day == FRI
    assert (tally.total, tally.people, tally.days_off_total) == (6, 1, 3)
    tally_text = nudge_message(nudge).blocks[4]["text"]["text"]
    assert tally_text.startswith("On Friday the team made *6 real connections* from 1 person")
    assert "Plus 3 real connections logged on days off" in tally_text


def test_a_quiet_yesterday_is_a_clean_slate_not_a_zero(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        nudge = team_nudge(session, team_id="T1", day=THU)
    assert nudge.team.total == 0
    tally_text = nudge_message(nudge).blocks[4]["text"]["text"]
    assert tally_text == "Yesterday the board stayed quiet. Today is a clean slate."


def test_a_goal_met_yesterday_is_celebrated(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        add_connections(session, 10, user_id="U1", local_date=WED)
        add_connections(session, 10, user_id="U2", local_date=WED)
        nudge = team_nudge(session, team_id="T1", day=THU)
    assert nudge.team.total == nudge.team.goal == 20
    assert "Goal reached" in nudge_message(nudge).blocks[4]["text"]["text"]


# --- the member's own numbers -----------------------------------------------------------------


def test_a_dm_nudge_has_the_members_own_count_and_streak(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        for day in (WED, THU, FRI):
            add_connections(session, 10, user_id="U1", local_date=day)
        add_connections(session, 2, user_id="U1", local_date=SAT)
        add_connections(session, 3, user_id="U2", local_date=FRI)
        add_connections(session, 4, user_id="U1", local_date=NEXT_MON)  # this morning
        nudge = member_nudge(session, team_id="T1", user_id="U1", day=NEXT_MON)
    assert nudge.display_name == "Ana"
    assert (nudge.own_count, nudge.own_days_off) == (10, 2)
    # Saturday's two count as a bonus day for the active run, never against it.
    assert (nudge.goal_streak, nudge.active_streak) == (3, 4)
    assert nudge.first_steps is None
    assert nudge.team.total == 13
    own_text = nudge_message(nudge).blocks[4]["text"]["text"]
    assert own_text.startswith("Hi Ana! *You* made 10 of your 10 on Friday.")
    assert "on a 3-day run at your goal" in own_text
    assert "Plus 2 on your days off" in own_text


def test_a_member_below_the_goal_sees_their_active_streak(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        add_connections(session, 2, user_id="U2", local_date=TUE)
        add_connections(session, 3, user_id="U2", local_date=WED)
        nudge = member_nudge(session, team_id="T1", user_id="U2", day=THU)
    assert (nudge.own_count, nudge.goal_streak, nudge.active_streak) == (3, 0, 2)
    own_text = nudge_message(nudge).blocks[4]["text"]["text"]
    assert "*You* made 3 of your 10 yesterday" in own_text
    assert "on a 2-day run with at least one connection" in own_text


def test_a_member_who_missed_yesterday_is_encouraged(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        add_connections(session, 2, user_id="U2", local_date=MON)
        nudge = member_nudge(session, team_id="T1", user_id="U2", day=WED)
    assert (nudge.own_count, nudge.goal_streak, nudge.active_streak) == (0, 0, 0)
    own_text = nudge_message(nudge).blocks[4]["text"]["text"]
    assert "Nothing logged from you yesterday" in own_text


def test_someone_who_never_logged_gets_first_steps(db: Database) -> None:
    with db.session_scope() as session:
        add_team(session)
        nudge = member_nudge(session, team_id="T1", user_id="UNEW", day=WED)
    assert nudge.first_steps is not None
    assert nudge.display_name is None
    own_text = nudge_message(nudge).blocks[4]["text"]["text"]
    assert own_text.startswith(":seedling: ")
    assert "Hi " not in own_text


def test_connections_logged_today_do_not_change_the_member_nudge(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        add_connection(session, user_id="U1", local_date=THU)
        before = member_nudge(session, team_id="T1", user_id="U1", day=FRI)
        add_connections(session, 5, user_id="U1", local_date=FRI)
        after = member_nudge(session, team_id="T1", user_id="U1", day=FRI)
    assert before == after


# --- many at once -----------------------------------------------------------------------------


def _busy_teams(session: Session) -> None:
    _team(session)
    _team(session, team_id="T2", work_days_mask=0b10101)  # Mon, Wed, Fri
    add_team(session, team_id="T3")  # nobody has a profile yet
    for team_id, base in (("T1", 1), ("T2", 4), ("T3", 2)):
        for offset, day in enumerate((FRI - timedelta(days=7), MON, TUE, WED, THU, FRI, SAT)):
            add_connections(session, base + offset, team_id=team_id, user_id="U1", local_date=day)
            if offset % 2:
                add_connections(
                    session,
                    offset,
                    team_id=team_id,
                    user_id="U3",
                    principle=Principle.LAUGH,
                    local_date=day,
                )


def test_the_batched_tally_matches_the_team_board_for_that_day(db: Database) -> None:
    wants = [(team_id, day) for team_id in ("T1", "T2", "T3") for day in (TUE, THU, NEXT_MON)]
    with db.session_scope() as session:
        _busy_teams(session)
        settings = {t: get_settings(session, team_id=t) for t in ("T1", "T2", "T3")}
        tallies = day_tallies(session, wants=[(settings[t], day) for t, day in wants])
        for team_id, day in wants:
            tally = tallies[(team_id, day)]
            previous = previous_work_day(day, work_days=settings[team_id].work_days)
            board = team_leaderboard(
                session,
                team_id=team_id,
                period=Period(Window.TODAY, previous, previous, previous.isoformat()),
                caller_id="",
                limit=0,
                daily_goal=settings[team_id].daily_goal,
                work_days=settings[team_id].work_days,
            )
            assert tally.day == previous
            assert (tally.total, tally.goal) == (board.team_total, board.team_goal)
            assert dict(tally.counts) == dict(board.team_counts)
            people = session.scalar(
                select(func.count(func.distinct(Connection.user_id))).where(
                    Connection.team_id == team_id, Connection.local_date == previous
                )
            )
            assert tally.people == people


def test_nudges_for_many_teams_and_members_are_each_what_one_alone_would_be(
    db: Database,
) -> None:
    with db.session_scope() as session:
        _busy_teams(session)
        settings = {t: get_settings(session, team_id=t) for t in ("T1", "T2", "T3")}
        team_wants = [(settings[t], day) for t in settings for day in (TUE, THU, NEXT_MON)]
        # The same user ids in every team, with different histories: nothing may mix.
        member_wants = [
            MemberWant(settings=settings[t], user_id=user, day=day)
            for t in settings
            for user in ("U1", "U3", "UNEW")
            for day in (WED, NEXT_MON)
        ]
        many_teams = team_nudges(session, wants=team_wants)
        many_members = member_nudges(session, wants=member_wants)
        for s, day in team_wants:
            assert many_teams[(s.team_id, day)] == team_nudge(session, team_id=s.team_id, day=day)
        for want in member_wants:
            alone = member_nudge(
                session, team_id=want.settings.team_id, user_id=want.user_id, day=want.day
            )
            assert many_members[(want.settings.team_id, want.user_id, want.day)] == alone
    assert len({n.own_count for n in many_members.values()}) > 3  # the histories differ
