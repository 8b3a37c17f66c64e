"""The team digest: totals against the goal, leaders, streaks, highlights, quiet periods."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from PIL import Image
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bench.leaderboard import TEAM_ID as BENCH_TEAM
from bench.leaderboard import TODAY as BENCH_TODAY
from bench.leaderboard import seed_connections
from slackapp.domain.digests import digest_period
from slackapp.domain.team_settings import DigestMode, TeamSettings
from slackapp.domain.tips import QUIET_PERIOD_LINES
from slackapp.domain.vocabulary import Principle
from slackapp.render.digest import digest_chart, digest_message
from slackapp.scheduling.digests import DigestWanted, build_digest, build_digests
from slackapp.store.db import Database
from slackapp.store.models import Connection, FollowUp, Team
from slackapp.store.team_settings import get_settings
from tests.support.factories import add_connection, add_connections, add_member, add_team

# Friday 27 November 2026; the weekly digest covers Saturday 21 to Friday 27.
FRI = date(2026, 11, 27)
WEEK_START = date(2026, 11, 21)


def _team(session: Session) -> None:
    add_team(session)
    for user_id, name in (("U1", "Ana"), ("U2", "Ben"), ("U3", "Cleo"), ("U4", None)):
        add_member(session, user_id=user_id, display_name=name)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "start"),
    [(DigestMode.DAILY, FRI), (DigestMode.WEEKLY, WEEK_START)],
)
def test_digest_period(kind: DigestMode, start: date) -> None:
    assert digest_period(kind, day=FRI) == (start, FRI)


def test_daily_digest_covers_only_its_day(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        add_connections(session, 3, user_id="U1", local_date=FRI)
        add_connections(session, 2, user_id="U2", principle=Principle.LAUGH, local_date=FRI)
        add_connections(session, 8, user_id="U3", local_date=FRI - timedelta(days=1))
        add_connections(session, 8, user_id="U3", local_date=FRI + timedelta(days=1))
        add_team(session, team_id="T2")
        add_connections(session, 6, team_id="T2", user_id="U1", local_date=FRI)
        digest = build_digest(session, team_id="T1", kind=DigestMode.DAILY, day=FRI)
    assert (digest.start, digest.end) == (FRI, FRI)
    assert digest.total == 5
    assert digest.goal == 4 * 10  # four members, one work day
    assert dict(digest.counts) == {
        Principle.SOLVE: 3,
        Principle.CARE: 0,
        Principle.LAUGH: 2,
        Principle.OPPORTUNITY: 0,
    }
    assert [c.user_id for c in digest.top] == ["U1", "U2"]
    assert [d.day for d in digest.days] == [FRI]
    assert not digest.is_quiet and digest.quiet_line is None


def test_weekly_digest_totals_goal_and_day_by_day(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        add_connections(session, 4, user_id="U1", local_date=date(2026, 11, 23))
        add_connections(session, 1, user_id="U2", principle=Principle.CARE, local_date=WEEK_START)
        add_connections(session, 6, user_id="U3", local_date=FRI)
        add_connections(session, 9, user_id="U1", local_date=WEEK_START - timedelta(days=1))
        digest = build_digest(session, team_id="T1", kind=DigestMode.WEEKLY, day=FRI)
    assert (digest.start, digest.end) == (WEEK_START, FRI)
    assert digest.total == 11
    assert digest.goal == 5 * 4 * 10  # five work days, four members, ten each
    assert [d.day for d in digest.days] == [WEEK_START + timedelta(days=i) for i in range(7)]
    assert [sum(d.counts.values()) for d in digest.days] == [1, 0, 4, 0, 0, 0, 6]
    day_text = digest_message(digest).blocks
    day_by_day = next(b for b in day_text if "Day by day" in str(b))["text"]["text"]
    assert "`Sat 21`" in day_by_day and "_day off_" in day_by_day
    assert "`Mon 23`  ▰▰▰▰▰▰▰▱▱▱  4" in day_by_day
    assert "`Fri 27`  ▰▰▰▰▰▰▰▰▰▰  6" in day_by_day


def test_top_contributors_are_ranked_and_named_never_mentioned(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        add_connections(session, 12, user_id="U1", local_date=FRI)
        add_connections(session, 7, user_id="U3", local_date=FRI)
        add_connections(session, 7, user_id="U2", local_date=FRI)
        add_connections(session, 1, user_id="U4", local_date=FRI)
        digest = build_digest(session, team_id="T1", kind=DigestMode.DAILY, day=FRI)
    assert [(c.display_name, c.total) for c in digest.top] == [
        ("Ana", 12),
        ("Ben", 7),
        ("Cleo", 7),
    ]
    message = digest_message(digest)
    top = next(b for b in message.blocks if "Leading the way" in str(b))["text"]["text"]
    assert top.splitlines() == [
        "*Leading the way*",
        ":first_place_medal: Ana: 12",
        ":second_place_medal: Ben: 7",
        ":second_place_medal: Cleo: 7",  # a tie shares the medal, as on the board
    ]
    assert "<@" not in str(message.blocks) and "<@" not in message.text


def test_longest_current_streaks(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        week = [date(2026, 11, 23) + timedelta(days=i) for i in range(5)]  # Mon to Fri
        for day in week:  # Ana: the whole week at goal
            add_connections(session, 10, user_id="U1", local_date=day)
        for day in week[2:]:  # Ben: Wednesday to Friday
            add_connections(session, 10, user_id="U2", local_date=day)
        add_connections(session, 10, user_id="U3", local_date=week[0])  # Cleo: broke since
        add_connections(session, 9, user_id="U4", local_date=FRI)  # under the goal
        digest = build_digest(session, team_id="T1", kind=DigestMode.WEEKLY, day=FRI)
    assert [(s.display_name, s.days) for s in digest.streaks] == [("Ana", 5), ("Ben", 3)]
    streaks = next(b for b in digest_message(digest).blocks if "On a streak" in str(b))
    assert streaks["text"]["text"].splitlines()[1:] == [
        ":fire: Ana: 5-day run at goal",
        ":fire: Ben: 3-day run at goal",
    ]


def test_highlights_are_recent_notes_one_per_person_first(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        add_connection(session, user_id="U1", note="oldest from Ana", created_at=_at(FRI, 8))
        add_connection(
            session,
            user_id="U2",
            principle=Principle.CARE,
            note="Ben's thank-you",
            created_at=_at(FRI, 9),
        )
        add_connection(session, user_id="U1", note="Ana again", created_at=_at(FRI, 10))
        add_connection(session, user_id="U1", note="Ana, newest", created_at=_at(FRI, 11))
        add_connection(session, user_id="U3", note="   ", created_at=_at(FRI, 12))  # blank
        add_connection(session, user_id="U3", note="", created_at=_at(FRI, 13))
        add_connection(
            session,
            user_id="U3",
            note="outside the day",
            local_date=FRI - timedelta(days=1),
            created_at=_at(FRI, 14),
        )
        digest = build_digest(session, team_id="T1", kind=DigestMode.DAILY, day=FRI)
    assert [(h.display_name, h.note) for h in digest.highlights] == [
        ("Ana", "Ana, newest"),
        ("Ana", "Ana again"),
        ("Ben", "Ben's thank-you"),
    ]
    assert digest.highlights[2].principle is Principle.CARE


def test_highlights_come_newest_day_first_whenever_they_were_written(db: Database) -> None:
    # A note logged on Friday for Monday is Monday's: it comes after Thursday's.
    with db.session_scope() as session:
        _team(session)
        add_connection(
            session,
            user_id="U1",
            note="Thursday's",
            local_date=FRI - timedelta(days=1),
            created_at=_at(FRI - timedelta(days=1), 10),
        )
        add_connection(
            session,
            user_id="U2",
            note="Monday's, written on Friday",
            local_date=FRI - timedelta(days=4),
            created_at=_at(FRI, 9),
        )
        add_connection(session, user_id="U3", note="Friday's", created_at=_at(FRI, 8))
        digest = build_digest(session, team_id="T1", kind=DigestMode.WEEKLY, day=FRI)
    assert [h.note for h in digest.highlights] == [
        "Friday's",
        "Thursday's",
        "Monday's, written on Friday",
    ]


def test_highlights_are_read_off_the_noted_entries_index_on_sqlite(db: Database) -> None:
    # The newest noted entries straight from ix_connections_team_notes, in its order: no read
    # of the latest day's every entry, no sort but the forty rows' own.
    if db.backend != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    with db.session_scope() as session:
        _team(session)
        for hour in range(8, 12):
            add_connection(session, user_id="U1", note=f"Ana {hour}", created_at=_at(FRI, hour))
            add_connection(session, user_id="U2", note="", created_at=_at(FRI, hour))
    sent: list[tuple[str, object]] = []

    def record(*args: object) -> None:
        sent.append((str(args[2]), args[3]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with db.read_scope() as session:
            digest = build_digest(session, team_id="T1", kind=DigestMode.WEEKLY, day=FRI)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert [h.note for h in digest.highlights] == ["Ana 11", "Ana 10", "Ana 9"]
    ((sql, params),) = [(sql, p) for sql, p in sent if "connections.note" in sql]
    with db.engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()  # type: ignore[arg-type]
    searches = [str(row[-1]) for row in plan if "connections" in str(row[-1])]
    assert searches, plan
    assert all("ix_connections_team_notes" in step for step in searches), plan


def test_highlights_prefer_different_people(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        for hour in range(8, 14):
            add_connection(session, user_id="U1", note=f"Ana {hour}", created_at=_at(FRI, hour))
        add_connection(session, user_id="U2", note="Ben early", created_at=_at(FRI, 6))
        add_connection(session, user_id="U3", note="Cleo early", created_at=_at(FRI, 7))
        digest = build_digest(session, team_id="T1", kind=DigestMode.DAILY, day=FRI)
    assert [h.note for h in digest.highlights] == ["Ana 13", "Cleo early", "Ben early"]


def test_highlights_escape_markup(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        add_member(session, user_id="U9", display_name="<b>&Eve</b>")
        add_connection(
            session,
            user_id="U9",
            principle=Principle.LAUGH,
            note="made <!channel> laugh & <@U1> too <https://evil.example|click>",
        )
        digest = build_digest(session, team_id="T1", kind=DigestMode.DAILY, day=FRI)
    blocks = digest_message(digest).blocks
    highlights = next(b for b in blocks if "Highlights" in str(b))["text"]["text"]
    assert highlights.splitlines()[1] == (
        ":joy: *&lt;b&gt;&amp;Eve&lt;/b&gt;* (Make them laugh): "
        "“made &lt;!channel&gt; laugh &amp; &lt;@U1&gt; too "
        "&lt;https://evil.example|click&gt;”"
    )
    assert "<!channel>" not in str(blocks) and "<@U1>" not in str(blocks)


def test_a_quiet_period_gets_an_encouraging_digest(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        add_connections(session, 5, user_id="U1", local_date=WEEK_START - timedelta(days=1))
        digest = build_digest(session, team_id="T1", kind=DigestMode.WEEKLY, day=FRI)
    assert digest.is_quiet and digest.total == 0
    assert digest.quiet_line in QUIET_PERIOD_LINES
    message = digest_message(digest)
    text = str(message.blocks)
    assert digest.quiet_line is not None and digest.quiet_line in text
    assert digest.next_tip.text in text
    assert "Log a connection" in text
    # No table of zeros: the counts, leaders and day-by-day sections are left out.
    assert "Leading the way" not in text and "Day by day" not in text
    assert ": *0*" not in text
    assert digest_chart(digest) is None


def test_weekly_chart_is_a_real_png_and_daily_has_none(db: Database) -> None:
    with db.session_scope() as session:
        _team(session)
        add_connections(session, 4, user_id="U1", local_date=FRI)
        add_connections(session, 2, user_id="U2", principle=Principle.CARE, local_date=WEEK_START)
        weekly = build_digest(session, team_id="T1", kind=DigestMode.WEEKLY, day=FRI)
        daily = build_digest(session, team_id="T1", kind=DigestMode.DAILY, day=FRI)
    png = digest_chart(weekly)
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        image.verify()
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (800, 400)
    assert digest_chart(daily) is None


# ----- several teams' digests read together (a fan-out's batch) --------------------------------


def _seeded_teams(db: Database) -> dict[str, TeamSettings]:
    """The benchmark's teams (people, merges, notes, streaks; one team of 50 and twenty
    small ones), with answered follow-ups, and two teams whose goal the kept runs do not
    follow (their streaks are walked)."""
    seed_connections(db, rows=10_000, seed=20261207)
    with db.session_scope() as session:
        week = session.scalars(
            select(Connection)
            .where(Connection.local_date.between(BENCH_TODAY - timedelta(days=6), BENCH_TODAY))
            .order_by(Connection.id)
        ).all()
        for n, entry in enumerate(week[::7]):
            session.add(
                FollowUp(
                    team_id=entry.team_id,
                    user_id=entry.user_id,
                    connection_id=entry.id,
                    due_date=entry.local_date,
                    state=("replied", "no_reply", "open")[n % 3],
                    answered_on=entry.local_date if n % 3 != 2 else None,
                    created_at=_at(entry.local_date, 9),
                )
            )
        teams = session.scalars(select(Team).order_by(Team.team_id)).all()
        # The measured team (where the streaks are) and a small one.
        for team in teams:
            if team.team_id in (BENCH_TEAM, teams[0].team_id):
                team.daily_goal = 3 if team.team_id == BENCH_TEAM else 1
    with db.read_scope() as session:
        return {team.team_id: get_settings(session, team_id=team.team_id) for team in teams}


def test_digests_read_together_are_those_read_one_by_one(db: Database) -> None:
    settings = _seeded_teams(db)
    # Today's, and a day long past: people touched after it count from their entries.
    days = (BENCH_TODAY, BENCH_TODAY - timedelta(days=40))
    wanted = [
        DigestWanted(team_id, kind, day, team)
        for kind in (DigestMode.WEEKLY, DigestMode.DAILY)
        for day in days
        for team_id, team in settings.items()
    ]
    with db.read_scope() as session:
        together = build_digests(session, wanted)
        alone = [
            build_digest(
                session, team_id=one.team_id, kind=one.kind, day=one.day, settings=one.settings
            )
            for one in wanted
        ]
    assert together == alone
    # Every part had something to compare.
    assert all(sum(getattr(d, part) for d in alone) > 0 for part in ("total", "goal"))
    assert sum(len(d.highlights) for d in alone) > 50
    assert sum(len(d.streaks) for d in alone) >= 5
    assert sum(d.first_time_people for d in alone) > 100
    assert sum(d.relationships_deepened for d in alone) >= 3
    assert sum(d.replies.answered for d in alone) > 20


def test_digests_read_together_take_the_same_statements_for_one_team_or_many(
    db: Database,
) -> None:
    settings = _seeded_teams(db)
    walked = {BENCH_TEAM, min(settings)}
    followed = {team_id: team for team_id, team in settings.items() if team_id not in walked}
    statements: list[str] = []

    def counted(*args: object) -> None:
        statements.append(str(args[2]))

    def read(teams: dict[str, TeamSettings]) -> int:
        wanted = [
            DigestWanted(team_id, DigestMode.WEEKLY, BENCH_TODAY, team)
            for team_id, team in teams.items()
        ]
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", counted)
        try:
            with db.read_scope() as session:
                build_digests(session, wanted)
        finally:
            event.remove(db.engine, "before_cursor_execute", counted)
        return len(statements)

    one = read(dict(list(followed.items())[:1]))
    assert read(followed) == one
    # The two teams whose streaks are walked add their own reads.
    assert read(settings) > one


def test_a_batch_reads_each_teams_newest_notes_past_one_statements_teams(db: Database) -> None:
    # More teams than one statement of notes takes (32): every team still gets its own
    # newest notes, newest first, up to the pool of 40.
    team_ids = [f"T{n:02d}" for n in range(70)]
    with db.session_scope() as session:
        for n, team_id in enumerate(team_ids):
            add_team(session, team_id=team_id)
            for k in range(n % 3 + (41 if n == 69 else 0)):
                add_connection(
                    session,
                    team_id=team_id,
                    user_id=f"U{k % 4}",
                    local_date=FRI - timedelta(days=k % 7),
                    created_at=datetime.combine(FRI, time(9), tzinfo=UTC) + timedelta(minutes=k),
                    note=f"{team_id} note {k}",
                )
    with db.read_scope() as session:
        wanted = [
            DigestWanted(team_id, DigestMode.WEEKLY, FRI, get_settings(session, team_id=team_id))
            for team_id in team_ids
        ]
        together = build_digests(session, wanted)
        alone = [
            build_digest(session, team_id=team_id, kind=DigestMode.WEEKLY, day=FRI)
            for team_id in team_ids
        ]
    assert together == alone
    assert [len(digest.highlights) for digest in together[:3]] == [0, 1, 2]
    assert all(h.note.startswith("T69 ") for h in together[69].highlights)
