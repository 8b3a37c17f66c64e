"""Boards and stats on a big table, each beside the bare SQL aggregate behind it.

The seed is one measured team of 50 people plus 20 other teams, with two years of dates that grow
busier towards today (adoption grows), quieter weekends, all four principles, some platforms,
handles (each one the person it names, a few of them merged) and links, and a few people on goal
streaks, one of them longer than any look-back a query might be tempted to stop at. The measured
team logs a quarter of the rows: at a million rows that is about ten a day per person for two
years.

Each operation is timed three ways' worth of honest: ours (the app's own function), and as the
baseline the bare SQL aggregate that any implementation has to run at least (one GROUP BY over
`connections`, fetched, nothing else), so the ratio says what our code costs on top of the
database's own work. The naive way (every row through the ORM, counted in Python with
collections.Counter) gives the reference answer: ours must equal it before anything is timed,
because a fast wrong answer proves nothing. `tests/bench` runs these answer checks as tests.
"""

from __future__ import annotations

import itertools
import multiprocessing
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from itertools import accumulate
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError

from bench import Figure, mebibytes, percentile, scratch_database
from slackapp.config import DEFAULT_WEB_WORKERS, Settings
from slackapp.domain.board import BoardRow, Leaderboard
from slackapp.domain.calendar import DEFAULT_WORK_DAYS, Period, Window, window_period
from slackapp.domain.digests import STREAK_COUNT as DIGEST_STREAKS
from slackapp.domain.digests import TOP_COUNT as DIGEST_TOP
from slackapp.domain.digests import digest_period
from slackapp.domain.progress import MemberStats
from slackapp.domain.relationships import RELATIONSHIP_DAYS, RELATIONSHIP_TOUCHES
from slackapp.domain.streaks import Streaks, compute_streaks, goal_for_period
from slackapp.domain.team_settings import DigestMode, TeamSettings
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, Platform, Principle
from slackapp.scheduling.digests import DigestWanted, build_digests
from slackapp.store.db import DEFAULT_POOL_SIZE, READ_ONLY, Database
from slackapp.store.leaderboard import team_leaderboard
from slackapp.store.models import Base, Connection, Member, Person
from slackapp.store.stats import team_member_streaks
from slackapp.store.tallies import rebuild as rebuild_tallies
from slackapp.store.team_settings import get_settings
from slackapp.usecases import progress
from slackapp.usecases.deps import Deps

DEFAULT_ROWS = 200_000
MIN_ROWS = 10_000
#: Beyond this the busiest days would need more than the seed's people may log under the cap.
MAX_ROWS = 2_000_000
DEFAULT_RUNS = 10
#: Clients asking at once.
DEFAULT_CONCURRENCY = 16
#: Processes the clients are spread over: the served app's default WEB_WORKERS.
DEFAULT_PROCESSES = DEFAULT_WEB_WORKERS
DEFAULT_SEED = 20261127

TEAM_ID = "T0BENCH"
#: A fixed "today" (a Friday) so that every run seeds and measures the same thing.
TODAY = date(2026, 11, 27)
#: The moment the app asks at (everyone's zone is UTC, so it is TODAY for everyone): with a
#: moment, boards count each member's own days as the app's do (and all-time reads the totals).
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
DAILY_GOAL = 10
#: The most one person can log for a day (the default of Settings.daily_cap).
DAILY_CAP = 50
WORK_DAYS = DEFAULT_WORK_DAYS
TEAM_SIZE = 50
OTHER_TEAMS = 20
SPAN_DAYS = 730
#: The measured team's share of the rows that are not streak days.
TEAM_SHARE = 0.25
#: People in the measured team on a goal streak today, of LONG_STREAK, then 27, 23 ... 3 work
#: days.
STREAKERS = 8
#: The longest streak, in work days: well past the 120 days (about 86 work days) that the naive
#: baseline once stopped at, so an answer check at any size catches a look-back.
LONG_STREAK = 150
BATCH_ROWS = 10_000
BOARD_LIMIT = 10
RECENT_LIMIT = 10
STREAK_LIMIT = 5

#: The quietest person in the team asks for the board, so it has to find them below the top ten.
CALLER_ID = f"UB{TEAM_SIZE - 1:03d}"
#: The busiest person asks for their stats.
STATS_USER_ID = "UB000"

COLUMNS = (
    "team_id",
    "user_id",
    "principle",
    "platform",
    "who",
    "note",
    "link",
    "local_date",
    "created_at",
    "source",
)

_PRINCIPLE_WEIGHTS = (
    (Principle.SOLVE, 35),
    (Principle.CARE, 30),
    (Principle.LAUGH, 15),
    (Principle.OPPORTUNITY, 20),
)
_PLATFORM_WEIGHTS = (
    (Platform.TWITTER, 30),
    (Platform.LINKEDIN, 25),
    (Platform.REDDIT, 10),
    (Platform.YOUTUBE, 6),
    (Platform.INSTAGRAM, 6),
    (Platform.BLUESKY, 5),
    (Platform.MASTODON, 3),
    (Platform.OTHER, 5),
)
_LINK_HOSTS = {
    Platform.TWITTER: "x.com/someone/status",
    Platform.LINKEDIN: "www.linkedin.com/feed/update",
    Platform.REDDIT: "www.reddit.com/r/webdev/comments",
    Platform.YOUTUBE: "www.youtube.com/watch?v=",
    Platform.INSTAGRAM: "www.instagram.com/p",
    Platform.BLUESKY: "bsky.app/profile/someone/post",
    Platform.MASTODON: "mastodon.social/@someone",
    Platform.OTHER: "forum.example.com/t",
}
_NOTES = (
    "answered her question about webhook retries",
    "walked him through the billing export, no pitch",
    "told her the part of the launch post that landed for me",
    "thanked him for the migration write-up, with the bit I reused",
    "a gif about Friday deploys that fit the thread",
    "a dry joke about timezone bugs, got three replies",
    "spotted the pricing question early and sent the calculator",
    "had the onboarding checklist ready before the ask",
    "",
)


# --------------------------------------------------------------------------------------------
# Seeding
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SeedTeam:
    """A team in the seed, with how busy each of its people is."""

    team_id: str
    user_ids: tuple[str, ...]
    activity: tuple[float, ...]  # cumulative weights, for random.choices


@dataclass(frozen=True, slots=True)
class Seeded:
    """What the seed produced and how long it took."""

    rows: int
    team_rows: int
    members: int
    seconds: float
    method: str
    size_bytes: int | None


def _seed_teams(rng: random.Random) -> list[SeedTeam]:
    teams: list[SeedTeam] = []
    for index in range(OTHER_TEAMS + 1):
        if index == 0:
            team_id, prefix, size = TEAM_ID, "UB", TEAM_SIZE
        else:
            team_id, prefix, size = f"T{index:02d}OTHER", f"U{index:02d}M", 10 + (index * 7) % 31
        # Some people log a lot more than others (the daily cap still holds, see generate_rows).
        weights = [rng.lognormvariate(0, 0.5) for _ in range(size)]
        if index == 0:
            weights[0] = 2.5 * sum(weights) / size
            weights[-1] = min(weights) * 0.2
        user_ids = tuple(f"{prefix}{n:03d}" for n in range(size))
        teams.append(SeedTeam(team_id, user_ids, tuple(accumulate(weights))))
    return teams


def _display_name(user_id: str, n: int) -> str | None:
    # Every twelfth profile was never fetched, so boards also rank people without a name.
    return None if n % 12 == 11 else f"Member {user_id[-3:]}"


def _day_weights() -> list[float]:
    weights: list[float] = []
    for offset in range(SPAN_DAYS):
        day = TODAY - timedelta(days=SPAN_DAYS - 1 - offset)
        growth = 0.35 + 0.65 * offset / (SPAN_DAYS - 1)
        weights.append(growth * (1.0 if day.weekday() in WORK_DAYS else 0.2))
    return weights


def _streak_length(streaker: int) -> int:
    return LONG_STREAK if streaker == 0 else 3 + 4 * (STREAKERS - 1 - streaker)


def _streak_days() -> dict[date, list[str]]:
    """Work days (ending today) on which each streaker meets the goal."""
    by_day: dict[date, list[str]] = {}
    work_days: list[date] = []
    day = TODAY
    while len(work_days) < _streak_length(0):
        if day.weekday() in WORK_DAYS:
            work_days.append(day)
        day -= timedelta(days=1)
    for streaker in range(STREAKERS):
        # The busiest person, UB000, has the longest streak; /mystats then shows one too.
        user_id = f"UB{streaker:03d}"
        for streak_day in work_days[: _streak_length(streaker)]:
            by_day.setdefault(streak_day, []).append(user_id)
    return by_day


def generate_rows(*, rows: int, seed: int) -> Iterator[tuple[Any, ...]]:
    """Yield `rows` connections in COLUMNS order, oldest day first, as they would have arrived."""
    if not MIN_ROWS <= rows <= MAX_ROWS:
        raise ValueError(f"rows must be between {MIN_ROWS:,} and {MAX_ROWS:,}")
    rng = random.Random(seed)
    teams = _seed_teams(random.Random(seed))
    # The other teams share the rest of the rows in proportion to their size.
    other_people = sum(len(t.user_ids) for t in teams[1:])
    team_weights = list(
        accumulate(
            [TEAM_SHARE] + [(1 - TEAM_SHARE) * len(t.user_ids) / other_people for t in teams[1:]]
        )
    )
    streak_days = _streak_days()
    streak_rows = {
        day: [(user_id, DAILY_GOAL + rng.randint(0, 4)) for user_id in who]
        for day, who in streak_days.items()
    }
    # MIN_ROWS is far above the ~3,000 streak rows, so this stays positive.
    random_rows = rows - sum(n for day_rows in streak_rows.values() for _, n in day_rows)
    day_weights = _day_weights()
    total_weight = sum(day_weights)
    principles = [p.value for p, _ in _PRINCIPLE_WEIGHTS]
    principle_weights = list(accumulate(w for _, w in _PRINCIPLE_WEIGHTS))
    platforms = [p for p, _ in _PLATFORM_WEIGHTS]
    platform_weights = list(accumulate(w for _, w in _PLATFORM_WEIGHTS))
    serial = itertools.count(1)
    handed_out = 0
    running = 0.0
    for offset, weight in enumerate(day_weights):
        day = TODAY - timedelta(days=SPAN_DAYS - 1 - offset)
        running += weight
        # Cumulative rounding: each day gets its share and the days add up to exactly random_rows.
        quota = round(random_rows * running / total_weight) - handed_out
        handed_out += quota
        picks: list[tuple[str, str]] = []
        for user_id, count in streak_rows.get(day, []):
            picks.extend([(TEAM_ID, user_id)] * count)
        logged = Counter(picks)
        for team_index in rng.choices(range(len(teams)), cum_weights=team_weights, k=quota):
            team = teams[team_index]
            pick = (team.team_id, rng.choices(team.user_ids, cum_weights=team.activity)[0])
            # The app refuses more than the daily cap, so the seed never holds more either.
            while logged[pick] >= DAILY_CAP:
                pick = (team.team_id, rng.choice(team.user_ids))
            logged[pick] += 1
            picks.append(pick)
        start_of_day = datetime(day.year, day.month, day.day, 7, tzinfo=UTC)
        for team_id, user_id in picks:
            n = next(serial)
            platform: Platform | None = None
            link = who = None
            if rng.random() < 0.8:
                platform = rng.choices(platforms, cum_weights=platform_weights)[0]
                if rng.random() < 0.35:
                    link = f"https://{_LINK_HOSTS[platform]}/{n}"
            if rng.random() < 0.7:
                who = f"@person{rng.randrange(5000)}"
            yield (
                team_id,
                user_id,
                rng.choices(principles, cum_weights=principle_weights)[0],
                platform.value if platform else None,
                who,
                _NOTES[n % len(_NOTES)],
                link,
                day,
                start_of_day + timedelta(seconds=rng.randrange(12 * 3600)),
                "command",
            )


def _batched(items: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert_core(db: Database, rows: Iterable[tuple[Any, ...]]) -> None:
    table = Base.metadata.tables["connections"]
    for batch in _batched(rows, BATCH_ROWS):
        with db.engine.begin() as connection:
            connection.execute(
                insert(table), [dict(zip(COLUMNS, row, strict=True)) for row in batch]
            )


def _copy_postgres(db: Database, rows: Iterable[tuple[Any, ...]]) -> None:
    created_at = COLUMNS.index("created_at")
    with db.engine.begin() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        statement = f"COPY connections ({', '.join(COLUMNS)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                # The column holds naive UTC (see UTCDateTime); COPY skips SQLAlchemy's types.
                values = list(row)
                values[created_at] = row[created_at].astimezone(UTC).replace(tzinfo=None)
                copy.write_row(values)


#: One person in this many is found to be the same as the one before and merged into them.
MERGED_EVERY = 50


def _name_people(db: Database) -> None:
    """Give the measured team's entries that name someone their person, as logging would.

    Each handle on each platform is one person; every MERGED_EVERY-th is merged into the one
    before it, so the App Home's recent people also meets merged handles.
    """
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO people (team_id, platform, handle_key, display, created_at) "
                "SELECT team_id, coalesce(platform, ''), lower(substr(who, 2)), min(who), "
                "min(created_at) FROM connections WHERE team_id = :team AND who IS NOT NULL "
                "GROUP BY team_id, coalesce(platform, ''), lower(substr(who, 2))"
            ),
            {"team": TEAM_ID},
        )
        if db.backend == "postgresql":
            # Statistics for what was just loaded: without them PostgreSQL scans the people for
            # every entry instead of looking each up (10,000 rows: 2.96 s, 0.2-0.4 with them).
            connection.execute(text("ANALYZE people"))
        connection.execute(
            text(
                "UPDATE connections SET person_id = (SELECT people.id FROM people "
                "WHERE people.team_id = connections.team_id "
                "AND people.platform = coalesce(connections.platform, '') "
                "AND people.handle_key = lower(substr(connections.who, 2))) "
                "WHERE team_id = :team AND who IS NOT NULL"
            ),
            {"team": TEAM_ID},
        )
        connection.execute(
            text(
                "UPDATE people SET merged_into = id - 1 WHERE team_id = :team AND id % :every = 0"
            ),
            {"team": TEAM_ID, "every": MERGED_EVERY},
        )
        if db.backend == "postgresql":
            # And again for the tallies' rebuild, which looks entries up by person.
            connection.execute(text("ANALYZE connections"))
            connection.execute(text("ANALYZE people"))


def _settle(db: Database) -> None:
    """Write the load out before anything is timed, as a database that has run for a while
    has: otherwise PostgreSQL's checkpointer writes the seeded gigabyte out in the background
    over the next minutes (during the timing, on the same two CPUs), and SQLite's readers look
    each page up in a write-ahead log of hundreds of megabytes."""
    if db.backend == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            try:
                connection.execute(text("CHECKPOINT"))
            except DBAPIError as error:  # superusers and pg_checkpoint's members only
                print(f"no CHECKPOINT after seeding: {error.orig}", file=sys.stderr)
        return
    with db.engine.connect() as connection:
        # On the driver's connection: outside any transaction, or the log cannot be emptied.
        driver = connection.connection.driver_connection
        assert driver is not None
        busy, _, _ = driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            print("the write-ahead log could not be emptied after seeding", file=sys.stderr)


def seed_connections(db: Database, *, rows: int, seed: int) -> Seeded:
    """Insert the teams, their members and `rows` connections into a migrated database."""
    teams = _seed_teams(random.Random(seed))
    joined = datetime(2024, 11, 1, tzinfo=UTC)
    with db.engine.begin() as connection:
        connection.execute(
            insert(Base.metadata.tables["teams"]),
            [
                {"team_id": team.team_id, "name": f"Team {team.team_id}", "created_at": joined}
                for team in teams
            ],
        )
        connection.execute(
            insert(Base.metadata.tables["members"]),
            [
                {
                    "team_id": team.team_id,
                    "user_id": user_id,
                    "display_name": name,
                    "timezone": "UTC",
                    "created_at": joined,
                    # Named profiles were checked against Slack an hour ago: the App Home reads
                    # them without calling users.info.
                    "profile_checked_at": None if name is None else NOW - timedelta(hours=1),
                }
                for team in teams
                for n, user_id in enumerate(team.user_ids)
                for name in (_display_name(user_id, n),)
            ],
        )
    started = time.perf_counter()
    generated = generate_rows(rows=rows, seed=seed)
    if db.backend == "postgresql":
        _copy_postgres(db, generated)
        method = "COPY, analyzed, tallies rebuilt, then VACUUM (ANALYZE)"
    else:
        _insert_core(db, generated)
        method = f"Core insert, {BATCH_ROWS:,} rows per executemany, tallies rebuilt"
    _name_people(db)
    # A bulk load bypasses the app, so the maintained tallies are computed once from the rows.
    with db.session_scope() as session:
        rebuild_tallies(session)
    if db.backend == "postgresql":
        # A table that filled up over two years has been vacuumed and analyzed by autovacuum
        # many times; without the visibility map the covering indexes cannot answer alone.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in (
                "connections",
                "people",
                "member_days",
                "member_months",
                "member_totals",
            ):
                connection.execute(text(f"VACUUM (ANALYZE) {table}"))
    seconds = time.perf_counter() - started
    _settle(db)
    with db.session_scope() as session:
        team_rows = session.scalar(
            select(func.count()).select_from(Connection).where(Connection.team_id == TEAM_ID)
        )
    return Seeded(
        rows=rows,
        team_rows=int(team_rows or 0),
        members=sum(len(team.user_ids) for team in teams),
        seconds=seconds,
        method=method,
        size_bytes=_database_size(db),
    )


def _database_size(db: Database) -> int | None:
    if db.backend == "postgresql":
        with db.engine.connect() as connection:
            size = connection.scalar(text("SELECT pg_total_relation_size('connections')"))
        return int(size) if size is not None else None
    database = db.engine.url.database
    if not database:
        return None
    path = Path(database)
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


# --------------------------------------------------------------------------------------------
# Answers, ours and the baseline's, in one comparable shape
# --------------------------------------------------------------------------------------------

BoardLine = tuple[int, str, int, tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class BoardAnswer:
    """A leaderboard reduced to what both ways must agree on."""

    rows: tuple[BoardLine, ...]
    caller_row: BoardLine | None
    team_total: int
    team_counts: tuple[int, ...]
    team_goal: int
    members: int


@dataclass(frozen=True, slots=True)
class StatsAnswer:
    """A member's stats reduced to what both ways must agree on."""

    today_count: int
    streaks: Streaks
    week_counts: tuple[int, ...]
    least_used: Principle
    last_7_days: tuple[tuple[date, int], ...]
    recent_ids: tuple[int, ...]
    total_all_time: int


def _board_line(row: BoardRow) -> BoardLine:
    return (row.rank, row.user_id, row.total, tuple(row.counts[p] for p in PRINCIPLE_ORDER))


def _board_answer(board: Leaderboard) -> BoardAnswer:
    return BoardAnswer(
        rows=tuple(_board_line(row) for row in board.rows),
        caller_row=_board_line(board.caller_row) if board.caller_row else None,
        team_total=board.team_total,
        team_counts=tuple(board.team_counts[p] for p in PRINCIPLE_ORDER),
        team_goal=board.team_goal,
        members=board.members,
    )


def _stats_answer(stats: MemberStats) -> StatsAnswer:
    return StatsAnswer(
        today_count=stats.today_count,
        streaks=stats.streaks,
        week_counts=tuple(stats.week_counts[p] for p in PRINCIPLE_ORDER),
        least_used=stats.least_used,
        last_7_days=stats.last_7_days,
        recent_ids=tuple(entry.id for entry in stats.recent),
        total_all_time=stats.total_all_time,
    )


def ours_board(
    db: Database, window: Window, *, limit: int = BOARD_LIMIT, caller_id: str = CALLER_ID
) -> BoardAnswer:
    """The board as the app computes it."""
    with db.read_scope() as session:
        board = team_leaderboard(
            session,
            team_id=TEAM_ID,
            period=window_period(window, today=TODAY),
            caller_id=caller_id,
            limit=limit,
            daily_goal=DAILY_GOAL,
            work_days=WORK_DAYS,
            now=NOW,
        )
    return _board_answer(board)


def naive_board(
    db: Database,
    window: Window,
    *,
    limit: int = BOARD_LIMIT,
    caller_id: str = CALLER_ID,
    period: Period | None = None,
) -> BoardAnswer:
    """The board the naive way: every row of the window through the ORM, counted in Python."""
    period = period or window_period(window, today=TODAY)
    with db.read_scope() as session:
        query = select(Connection).where(
            Connection.team_id == TEAM_ID, Connection.local_date <= period.end
        )
        if period.start is not None:
            query = query.where(Connection.local_date >= period.start)
        entries = session.scalars(query).all()
        people = session.scalars(select(Member).where(Member.team_id == TEAM_ID)).all()
    names = {person.user_id: person.display_name for person in people}
    totals = Counter(entry.user_id for entry in entries)
    by_principle = Counter((entry.user_id, entry.principle) for entry in entries)

    def order(user_id: str) -> tuple[int, bool, str, str]:
        name = names.get(user_id)
        return (-totals[user_id], name is None, (name or "").casefold(), user_id)

    lines: list[BoardLine] = []
    for position, user_id in enumerate(sorted(totals, key=order), start=1):
        tied = bool(lines) and lines[-1][2] == totals[user_id]
        lines.append(
            (
                lines[-1][0] if tied else position,
                user_id,
                totals[user_id],
                tuple(by_principle[(user_id, p.value)] for p in PRINCIPLE_ORDER),
            )
        )
    members = max(len(people), len(totals))
    start = (
        period.start
        if period.start is not None
        else min((entry.local_date for entry in entries), default=None)
    )
    goal = (
        0
        if start is None
        else goal_for_period(
            start=start,
            end=period.end,
            members=members,
            daily_goal=DAILY_GOAL,
            work_days=WORK_DAYS,
        )
    )
    team_counts = Counter(entry.principle for entry in entries)
    return BoardAnswer(
        rows=tuple(lines[:limit]),
        caller_row=next((line for line in lines[limit:] if line[1] == caller_id), None),
        team_total=len(entries),
        team_counts=tuple(team_counts[p.value] for p in PRINCIPLE_ORDER),
        team_goal=goal,
        members=members,
    )


class _NoSlack(WebClient):
    """The client of the App Home and /mystats here: the member's profile is fresh, so nothing
    calls Slack."""

    def api_call(self, api_method: str, **_: Any) -> Any:
        raise AssertionError(f"the benchmark called Slack ({api_method})")


_NO_SLACK = _NoSlack()


def ours_stats(db: Database) -> StatsAnswer:
    """/mystats as the app answers it, by its use case in one read transaction: the member's
    and the team's rows, their progress, the month's reply rates (`usecases.progress.my_stats`,
    the member's profile fresh, so no Slack call; the reply is not built)."""
    deps = Deps(settings=Settings(), db=db, clock=lambda: NOW)
    data = progress.my_stats(deps, _NO_SLACK, team_id=TEAM_ID, user_id=STATS_USER_ID)
    return _stats_answer(data.stats)


def naive_stats(db: Database, *, recent_limit: int = RECENT_LIMIT) -> StatsAnswer:
    """A member's stats the naive way: all of their rows through the ORM, counted in Python."""
    with db.read_scope() as session:
        entries = session.scalars(
            select(Connection).where(
                Connection.team_id == TEAM_ID, Connection.user_id == STATS_USER_ID
            )
        ).all()
    per_day = Counter(entry.local_date for entry in entries if entry.local_date <= TODAY)
    monday = TODAY - timedelta(days=TODAY.weekday())
    week = Counter(entry.principle for entry in entries if monday <= entry.local_date <= TODAY)
    week_counts = tuple(week[p.value] for p in PRINCIPLE_ORDER)
    newest = sorted(entries, key=lambda entry: (entry.created_at, entry.id), reverse=True)
    return StatsAnswer(
        today_count=per_day[TODAY],
        streaks=compute_streaks(per_day, today=TODAY, daily_goal=DAILY_GOAL, work_days=WORK_DAYS),
        week_counts=week_counts,
        least_used=PRINCIPLE_ORDER[week_counts.index(min(week_counts))],
        last_7_days=tuple(
            (TODAY - timedelta(days=back), per_day[TODAY - timedelta(days=back)])
            for back in range(6, -1, -1)
        ),
        recent_ids=tuple(entry.id for entry in newest[:recent_limit]),
        total_all_time=len(entries),
    )


def ours_streaks(db: Database) -> tuple[tuple[str, int], ...]:
    """The team's longest goal streaks as the app computes them."""
    with db.read_scope() as session:
        return team_member_streaks(
            session,
            team_id=TEAM_ID,
            today=TODAY,
            daily_goal=DAILY_GOAL,
            work_days=WORK_DAYS,
            limit=STREAK_LIMIT,
        )


def naive_streaks(db: Database, *, limit: int = STREAK_LIMIT) -> tuple[tuple[str, int], ...]:
    """The team's goal streaks the naive way: all its rows through the ORM, counted."""
    # The whole history, as the app's answer covers it: a streak has no look-back to stop at.
    with db.read_scope() as session:
        entries = session.scalars(
            select(Connection).where(Connection.team_id == TEAM_ID, Connection.local_date <= TODAY)
        ).all()
    per_person_day = Counter((entry.user_id, entry.local_date) for entry in entries)
    goal_days: dict[str, dict[date, int]] = {}
    for (user_id, day), n in per_person_day.items():
        if n >= DAILY_GOAL:
            goal_days.setdefault(user_id, {})[day] = n
    streaks = [
        (user_id, compute_streaks(days, today=TODAY, daily_goal=DAILY_GOAL, work_days=WORK_DAYS))
        for user_id, days in goal_days.items()
    ]
    ranked = sorted(
        ((user_id, s.goal_streak) for user_id, s in streaks if s.goal_streak > 0),
        key=lambda item: (-item[1], item[0]),
    )
    return tuple(ranked[:limit])


# --------------------------------------------------------------------------------------------
# The App Home and the weekly digest: several queries each, as the app runs them
# --------------------------------------------------------------------------------------------

#: What the App Home shows (slackapp.usecases.progress): recent entries, top 5, recent people.
HOME_RECENT = progress.HOME_RECENT
HOME_BOARD_SIZE = progress.HOME_BOARD_SIZE
HOME_PEOPLE = progress.HOME_PEOPLE
PeopleAnswer = tuple[tuple[str, str, date, int], ...]


@dataclass(frozen=True, slots=True)
class HomeAnswer:
    """The App Home's figures: the member's stats, the week's top 5, their recent people."""

    stats: StatsAnswer
    board: BoardAnswer
    people: PeopleAnswer


def ours_home(db: Database, *, fresh: bool = False) -> HomeAnswer:
    """The App Home's reads as the app makes them, by its use case in one read transaction:
    the member's and the team's rows with the team's revision; then, unless this process kept
    them at that revision and quarter-hour (or `fresh`: the first opening after a change), the
    member's progress and entries, the week's top 5, recent people and the follow-ups they are
    waiting on. The Home's view is not built nor published."""
    deps = Deps(settings=Settings(), db=db, clock=lambda: NOW)
    data = progress.home(deps, _NO_SLACK, team_id=TEAM_ID, user_id=STATS_USER_ID, fresh=fresh)
    return HomeAnswer(
        stats=_stats_answer(data.stats),
        board=_board_answer(data.board),
        people=tuple(
            (p.person.key.platform, p.person.key.handle, p.last_touch, p.touches)
            for p in data.people
        ),
    )


def naive_home(db: Database) -> HomeAnswer:
    """The App Home the naive way: each part from all the rows it covers, counted in Python."""
    with db.read_scope() as session:
        mine = session.scalars(
            select(Connection)
            .where(
                Connection.team_id == TEAM_ID,
                Connection.user_id == STATS_USER_ID,
                Connection.person_id.is_not(None),
            )
            .order_by(Connection.created_at.desc(), Connection.id.desc())
        ).all()[:100]
        people: dict[int, tuple[str, str, date, int]] = {}
        for entry in mine:
            assert entry.person_id is not None
            person = session.get(Person, entry.person_id)
            assert person is not None
            root = session.get(Person, person.merged_into) if person.merged_into else person
            assert root is not None
            if root.id in people:
                platform, handle, last, n = people[root.id]
                people[root.id] = (platform, handle, last, n + 1)
            elif len(people) < HOME_PEOPLE:
                people[root.id] = (root.platform, root.handle_key, entry.local_date, 1)
    return HomeAnswer(
        stats=naive_stats(db, recent_limit=HOME_RECENT),
        board=naive_board(db, Window.WEEK, limit=HOME_BOARD_SIZE, caller_id=STATS_USER_ID),
        people=tuple(people.values()),
    )


@dataclass(frozen=True, slots=True)
class DigestAnswer:
    """A weekly digest's figures: totals, the top people, streaks, and each day's counts."""

    total: int
    goal: int
    members: int
    counts: tuple[int, ...]
    top: tuple[tuple[int, str, int], ...]
    streaks: tuple[tuple[str, int], ...]
    days: tuple[tuple[date, tuple[int, ...]], ...]
    first_time_people: int
    relationships_deepened: int


def ours_digest(db: Database, settings: TeamSettings) -> DigestAnswer:
    """The weekly digest as the scheduler's tick builds it (before rendering): in a read of its
    own, by the team's `settings`, which the tick reads with every team that is due."""
    with db.read_scope() as session:
        (digest,) = build_digests(
            session, [DigestWanted(TEAM_ID, DigestMode.WEEKLY, TODAY, settings)]
        )
    return DigestAnswer(
        total=digest.total,
        goal=digest.goal,
        members=digest.members,
        counts=tuple(digest.counts[p] for p in PRINCIPLE_ORDER),
        top=tuple((row.rank, row.user_id, row.total) for row in digest.top),
        streaks=tuple((holder.user_id, holder.days) for holder in digest.streaks),
        days=tuple((day.day, tuple(day.counts[p] for p in PRINCIPLE_ORDER)) for day in digest.days),
        first_time_people=digest.first_time_people,
        relationships_deepened=digest.relationships_deepened,
    )


def naive_digest(db: Database) -> DigestAnswer:
    """The weekly digest the naive way: the week's rows through the ORM, counted in Python."""
    start, end = digest_period(DigestMode.WEEKLY, day=TODAY)
    period = Period(Window.LAST_7_DAYS, start, end, f"{start.isoformat()}..{end.isoformat()}")
    board = naive_board(db, Window.LAST_7_DAYS, limit=DIGEST_TOP, caller_id="", period=period)
    with db.read_scope() as session:
        week = session.execute(
            select(Connection.local_date, Connection.principle).where(
                Connection.team_id == TEAM_ID, Connection.local_date.between(start, end)
            )
        ).all()
        roots = {
            person: root if root is not None else person
            for person, root in session.execute(
                select(Person.id, Person.merged_into).where(Person.team_id == TEAM_ID)
            )
        }
        named = session.execute(
            select(Connection.person_id, Connection.local_date).where(
                Connection.team_id == TEAM_ID, Connection.person_id.is_not(None)
            )
        ).all()
    # The people lines: each person (merged handles as one) by their earliest entry, and by
    # their touches over the last RELATIONSHIP_DAYS days.
    earliest: dict[int, date] = {}
    touches: Counter[int] = Counter()
    since = end - timedelta(days=RELATIONSHIP_DAYS - 1)
    for person, day in named:
        if person is None:
            continue
        root = roots[person]
        earliest[root] = min(day, earliest.get(root, day))
        if since <= day <= end:
            touches[root] += 1
    per_day = Counter((day, principle) for day, principle in week)
    days = tuple(
        (day, tuple(per_day[(day, p.value)] for p in PRINCIPLE_ORDER))
        for day in (start + timedelta(days=n) for n in range((end - start).days + 1))
    )
    return DigestAnswer(
        total=board.team_total,
        goal=board.team_goal,
        members=board.members,
        counts=board.team_counts,
        top=tuple((rank, user_id, total) for rank, user_id, total, _ in board.rows),
        streaks=naive_streaks(db, limit=DIGEST_STREAKS),
        days=days,
        first_time_people=sum(1 for first in earliest.values() if start <= first <= end),
        relationships_deepened=sum(1 for n in touches.values() if n >= RELATIONSHIP_TOUCHES),
    )


# --------------------------------------------------------------------------------------------
# The bare SQL aggregates: the database's own share of each answer
# --------------------------------------------------------------------------------------------


def _fetch(db: Database, sql: str, **params: object) -> list[Any]:
    # A read transaction, as ours: on SQLite it never takes (nor waits for) the write lock.
    with db.engine.execution_options(**{READ_ONLY: True}).connect() as connection:
        return list(connection.execute(text(sql), params).fetchall())


def bare_board(db: Database, window: Window) -> list[Any]:
    """Per person and principle in the window: the GROUP BY under every board."""
    period = window_period(window, today=TODAY)
    if period.start is None:
        return _fetch(
            db,
            "SELECT user_id, principle, count(*) FROM connections "
            "WHERE team_id = :team AND local_date <= :end GROUP BY user_id, principle",
            team=TEAM_ID,
            end=period.end,
        )
    return _fetch(
        db,
        "SELECT user_id, principle, count(*) FROM connections "
        "WHERE team_id = :team AND local_date BETWEEN :start AND :end "
        "GROUP BY user_id, principle",
        team=TEAM_ID,
        start=period.start,
        end=period.end,
    )


def bare_stats(db: Database) -> list[Any]:
    """The member's count per day over their history: what their streaks and week need."""
    return _fetch(
        db,
        "SELECT local_date, count(*) FROM connections "
        "WHERE team_id = :team AND user_id = :user AND local_date <= :end GROUP BY local_date",
        team=TEAM_ID,
        user=STATS_USER_ID,
        end=TODAY,
    )


def bare_streaks(db: Database) -> list[Any]:
    """Every (person, day) of the team's history that met the goal."""
    return _fetch(
        db,
        "SELECT user_id, local_date, count(*) FROM connections "
        "WHERE team_id = :team AND local_date <= :end "
        "GROUP BY user_id, local_date HAVING count(*) >= :goal",
        team=TEAM_ID,
        end=TODAY,
        goal=DAILY_GOAL,
    )


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Operation:
    """One question: asked our way, the naive way (the reference answer) and as bare SQL."""

    name: str
    ours: Callable[[], object]
    naive: Callable[[], object]
    bare: Callable[[], object]


BOARD_WINDOWS = ((Window.WEEK, "this week"), (Window.MONTH, "this month"), (Window.ALL, "all time"))
STATS_NAME = "/mystats (its use case's reads)"
STREAKS_NAME = f"goal streaks, top {STREAK_LIMIT}"
HOME_NAME = "App Home, opened again (its use case's reads)"
HOME_FRESH_NAME = "App Home, first opening after a change"
DIGEST_NAME = "weekly digest"
#: Every operation's name, in the order they are timed and printed.
OPERATION_NAMES = (
    *(f"leaderboard, {label}" for _, label in BOARD_WINDOWS),
    STATS_NAME,
    STREAKS_NAME,
    HOME_NAME,
    HOME_FRESH_NAME,
    DIGEST_NAME,
)


def operations(db: Database) -> list[Operation]:
    """Everything this benchmark times, in the order it prints them."""
    with db.read_scope() as session:
        settings = get_settings(session, team_id=TEAM_ID)
    boards = [
        Operation(
            f"leaderboard, {label}",
            partial(ours_board, db, window),
            partial(naive_board, db, window),
            partial(bare_board, db, window),
        )
        for window, label in BOARD_WINDOWS
    ]
    return [
        *boards,
        Operation(
            STATS_NAME,
            partial(ours_stats, db),
            partial(naive_stats, db, recent_limit=0),  # /mystats lists no entries
            partial(bare_stats, db),
        ),
        Operation(
            STREAKS_NAME,
            partial(ours_streaks, db),
            partial(naive_streaks, db),
            partial(bare_streaks, db),
        ),
        # The bare SQL under several queries: the largest of them.
        Operation(
            HOME_NAME, partial(ours_home, db), partial(naive_home, db), partial(bare_stats, db)
        ),
        Operation(
            HOME_FRESH_NAME,
            partial(ours_home, db, fresh=True),
            partial(naive_home, db),
            partial(bare_stats, db),
        ),
        Operation(
            DIGEST_NAME,
            partial(ours_digest, db, settings),
            partial(naive_digest, db),
            partial(bare_streaks, db),
        ),
    ]


def describe(answer: object) -> str:
    """What an answer amounts to, in a few words."""
    if isinstance(answer, BoardAnswer):
        return f"{answer.team_total:,} rows counted"
    if isinstance(answer, StatsAnswer):
        return f"{answer.total_all_time:,} rows, goal streak {answer.streaks.goal_streak}"
    if isinstance(answer, HomeAnswer):
        return f"{answer.stats.total_all_time:,} rows, week {answer.board.team_total:,}"
    if isinstance(answer, DigestAnswer):
        return (
            f"{answer.total:,} rows in the week, {len(answer.streaks)} streaks, "
            f"{answer.first_time_people:,} new people"
        )
    if isinstance(answer, tuple):
        return ", ".join(f"{user_id} {n}" for user_id, n in answer) or "nobody on a streak"
    return repr(answer)


def differences(db: Database) -> list[str]:
    """The operations whose answer differs from the naive reference (empty when all agree)."""
    return [op.name for op in operations(db) if op.ours() != op.naive()]


#: Untimed calls per thread before timing. A serving process's pooled connections have run
#: its statements many times, and psycopg prepares a statement on a connection at its sixth
#: run: with as many connections as threads, eight calls each take most connections past it.
WARM_CALLS = 8


def _timed_threads(
    operation: Callable[[], object],
    db: Database,
    *,
    calls: int,
    concurrency: int,
    ready: Callable[[], None] | None = None,
) -> list[float]:
    """Seconds per call, with `concurrency` threads of this process each making `calls` calls.

    Before timing, the pool is filled with a connection per thread and each thread makes
    WARM_CALLS untimed calls, as a serving process's threads and pool are warm; then `ready`
    runs (to start together with other processes) and every thread starts timing at once.
    """
    # Open one connection per thread together, so the pool keeps that many (a forked client
    # process starts with none, and warm-up calls alone would pass one connection around).
    held = [db.engine.connect() for _ in range(concurrency)]
    for connection in held:
        connection.close()
    seconds: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(concurrency, action=ready)
    failures: list[BaseException] = []

    def client() -> None:
        mine: list[float] = []
        try:
            for _ in range(WARM_CALLS):  # untimed: caches, checkouts, prepared statements
                operation()
            start.wait(timeout=120)
            for _ in range(calls):
                began = time.perf_counter()
                operation()
                mine.append(time.perf_counter() - began)
        except Exception as error:  # reported below, not lost in a thread
            failures.append(error)
            start.abort()  # the others stop waiting for this one
        with lock:
            seconds.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} of {concurrency} threads failed") from failures[0]
    return seconds


def split(concurrency: int, processes: int) -> list[int]:
    """Threads per process: `concurrency` clients spread as evenly as they go (none empty)."""
    processes = max(1, min(processes, concurrency))
    share, extra = divmod(concurrency, processes)
    return [share + (1 if index < extra else 0) for index in range(processes)]


def _wait(barrier: Any) -> None:
    barrier.wait(timeout=120)


def _client_process(
    operation: Callable[[], object],
    db: Database,
    threads: int,
    calls: int,
    start: Any,
    results: Any,
) -> None:
    # A forked child must not use the parent's pooled connections: it opens its own.
    db.engine.dispose(close=False)
    try:
        # Every process warms up first; then they all start timing together.
        seconds = _timed_threads(
            operation,
            db,
            calls=calls,
            concurrency=threads,
            ready=lambda: _wait(start),
        )
        results.put(("ok", seconds))
    except BaseException as error:
        start.abort()
        results.put(("failed", f"{type(error).__name__}: {error}"))


def _timed(
    operation: Callable[[], object],
    db: Database,
    *,
    calls: int,
    concurrency: int,
    processes: int = 1,
) -> list[float]:
    """Seconds per call, with `concurrency` clients spread over `processes` processes.

    The served app answers with WEB_WORKERS processes of WEB_THREADS threads each, and its
    requests share those processes; clients spread the same way meet the same GIL contention.
    """
    shares = split(concurrency, processes)
    if len(shares) == 1:
        return _timed_threads(operation, db, calls=calls, concurrency=concurrency)
    # Fork: the children inherit the seeded database and the operation as they are.
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(shares))
    results = context.Queue()
    children = [
        context.Process(
            target=_client_process,
            args=(operation, db, threads, calls, start, results),
            daemon=True,  # never outlives the benchmark, whatever happens to it
        )
        for threads in shares
    ]
    for child in children:
        child.start()
    seconds: list[float] = []
    failures: list[str] = []
    try:
        for _ in children:
            status, value = results.get(timeout=600)
            if status == "ok":
                seconds.extend(value)
            else:
                failures.append(value)
    finally:
        for child in children:
            child.join(timeout=10)
            if child.is_alive():
                child.terminate()
    if failures:
        raise RuntimeError(f"{len(failures)} of {len(shares)} processes failed: {failures[0]}")
    return seconds


#: Rounds of concurrent calls per operation: each round gives one p50 and one p99 sample.
ROUNDS = 3


def measure(
    operation: Operation,
    db: Database,
    *,
    runs: int,
    label: str,
    concurrency: int = DEFAULT_CONCURRENCY,
    processes: int = DEFAULT_PROCESSES,
) -> list[Figure]:
    """Check ours against the naive answer, then time ours and the bare SQL under load.

    Each of ROUNDS rounds runs `concurrency` clients making `runs` calls each, spread over
    `processes` processes as the served app's requests are; the round's p50 and p99 are one
    sample each.
    """
    # The first calls double as the warm-up: caches and query plans are ready afterwards.
    ours_answer = operation.ours()
    same = ours_answer == operation.naive()
    operation.bare()
    load = {"calls": runs, "concurrency": concurrency, "processes": processes}
    ours = [_timed(operation.ours, db, **load) for _ in range(ROUNDS)]
    bare = [_timed(operation.bare, db, **load) for _ in range(ROUNDS)]
    note = describe(ours_answer) if same else "DIFFERENT ANSWERS from the naive reference"
    shares = split(concurrency, processes)
    spread = f" ({len(shares)} processes)" if len(shares) > 1 else ""
    return [
        Figure(
            benchmark=f"boards ({label})",
            figure=f"{operation.name}, p{round(fraction * 100)} at {concurrency}{spread}",
            unit="ms",
            samples=tuple(percentile(round_, fraction) for round_ in ours),
            baseline=tuple(percentile(round_, fraction) for round_ in bare),
            baseline_label="bare SQL",
            note=note,
            ok=same,
        )
        for fraction in (0.5, 0.99)
    ]


def run(
    *,
    database_url: str | None,
    rows: int = DEFAULT_ROWS,
    runs: int = DEFAULT_RUNS,
    seed: int = DEFAULT_SEED,
    label: str = "SQLite",
    concurrency: int = DEFAULT_CONCURRENCY,
    processes: int = DEFAULT_PROCESSES,
) -> tuple[list[Figure], str]:
    """Seed, check and time every operation; the figures and a line about the seed."""
    with scratch_database(database_url, pool_size=max(concurrency, DEFAULT_POOL_SIZE)) as db:
        print(f"boards on {label}: seeding {rows:,} rows", file=sys.stderr)
        seeded = seed_connections(db, rows=rows, seed=seed)
        size = f", {mebibytes(seeded.size_bytes)}" if seeded.size_bytes else ""
        line = (
            f"boards ({label}): {seeded.rows:,} rows ({seeded.team_rows:,} in the measured team "
            f"of {TEAM_SIZE}) seeded in {seeded.seconds:.1f} s by {seeded.method}{size}"
        )
        print(
            f"boards on {label}: {ROUNDS} rounds of {concurrency} clients "
            f"({'+'.join(map(str, split(concurrency, processes)))} threads per process) "
            f"x {runs} calls of each operation",
            file=sys.stderr,
        )
        figures = [
            figure
            for op in operations(db)
            for figure in measure(
                op, db, runs=runs, label=label, concurrency=concurrency, processes=processes
            )
        ]
    return figures, line
