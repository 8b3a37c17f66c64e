"""Maintained counts: per member and day (each principle's and all together); per member, month
and principle; per member all-time; and each member day's place in its run of goal days (what
goal streaks read).

Every change to `connections` calls `count_entry` in the same transaction, so the tallies
always agree with the rows (`mismatches` checks that, and `rebuild` recomputes them, for the
migration that introduced them and for bulk loads that bypass the app).

Goal runs (`member_days.goal_run`) follow the goal and work days written beside them on the
team (`teams.streak_goal`, `teams.streak_days_mask`). A day whose count crosses the goal
renumbers the member's run from that day on, usually just that day. Saving other settings
works the team's runs out again (`rebuild_runs`), as migration 0013 did for every team; should
the settings change any other way, readers see the mismatch and walk the days instead, and the
team's next entry works the runs out.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import (
    FromClause,
    Insert,
    Select,
    Table,
    Update,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from slackapp.domain.streaks import goal_runs, run_continues
from slackapp.domain.team_settings import work_days_from_mask
from slackapp.store.db import month_start
from slackapp.store.models import (
    DAY_PRINCIPLE_COLUMNS,
    MEMBER_DAY_PRINCIPLES,
    Connection,
    MemberDay,
    MemberMonth,
    MemberTotal,
    Team,
)
from slackapp.store.named_dates import named_date_mismatches, rebuild_named_dates

_Counted = type[MemberDay] | type[MemberMonth] | type[MemberTotal]
#: Each table's key columns, in the order its upsert binds them.
_KEYS: dict[_Counted, tuple[str, ...]] = {
    MemberDay: ("team_id", "user_id", "local_date"),
    MemberMonth: ("team_id", "user_id", "month", "principle"),
    MemberTotal: ("team_id", "user_id", "principle"),
}
_UPSERTS: dict[tuple[str, _Counted], Insert] = {}


def _upsert_statement(dialect: str, table: _Counted) -> Insert:
    """One prebuilt INSERT … ON CONFLICT per table and dialect: built and compiled once."""
    statement = _UPSERTS.get((dialect, table))
    if statement is None:
        keys = _KEYS[table]
        make = postgresql.insert if dialect == "postgresql" else sqlite.insert
        values: dict[str, Any] = {key: bindparam(key) for key in keys}
        added: dict[str, Any] = {"count": table.count + bindparam("delta")}
        if table is MemberDay:
            # Set here, not left to the model's defaults, which a statement that only wraps
            # the INSERT (PostgreSQL's CTE below) would not fill in. _keep_runs numbers them.
            values.update(goal_run=literal(0), active_run=literal(0))
            # Each principle's column takes its own delta: the entry's `delta`, the others 0.
            for name in DAY_PRINCIPLE_COLUMNS:
                values[name] = bindparam(f"delta_{name}")
                added[name] = getattr(MemberDay, name) + bindparam(f"delta_{name}")
        statement = make(table).values(**values, count=bindparam("delta"))
        statement = statement.on_conflict_do_update(
            index_elements=list(keys), set_=added
        ).returning(table.count)
        _UPSERTS[(dialect, table)] = statement
    return statement


def _upsert(session: Session, table: _Counted, values: dict[str, object], delta: int) -> int:
    """Add `delta` to the row's count (creating it) and return the new count."""
    # Core on the session's own connection (same transaction), without the ORM's statement work:
    # this runs inside every write of an entry, so inside SQLite's one-writer-at-a-time turn.
    connection = session.connection()
    statement = _upsert_statement(connection.dialect.name, table)
    return int(connection.execute(statement, {**values, "delta": delta}).scalar_one())


def _all_upserts_postgresql() -> Select[int]:
    """The three upserts as one statement (data-modifying CTEs): one round trip, not three."""
    tables: tuple[_Counted, ...] = (MemberDay, MemberMonth, MemberTotal)
    done = [
        _upsert_statement("postgresql", table).cte(f"counted_{n}") for n, table in enumerate(tables)
    ]
    # One row each: joined on nothing but true, so that every one of them runs.
    joined: FromClause = done[0]
    for other in done[1:]:
        joined = joined.join(other, true())
    return select(done[0].c.count).select_from(joined)


_ALL_UPSERTS_POSTGRESQL = _all_upserts_postgresql()


def count_entry(
    session: Session, *, team_id: str, user_id: str, local_date: date, principle: str, delta: int
) -> None:
    """Add `delta` (1 or -1) to the member's tallies for that day and principle."""
    if principle not in DAY_PRINCIPLE_COLUMNS:
        raise ValueError(f"no such principle: {principle!r}")
    basis = _take_turn(session, team_id=team_id, user_id=user_id)
    values: dict[str, object] = {"team_id": team_id, "user_id": user_id, "local_date": local_date}
    values.update(
        {f"delta_{name}": delta if name == principle else 0 for name in DAY_PRINCIPLE_COLUMNS}
    )
    member: dict[str, object] = {"team_id": team_id, "user_id": user_id, "principle": principle}
    month = local_date.replace(day=1)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        day_count = int(
            connection.execute(
                _ALL_UPSERTS_POSTGRESQL, {**values, **member, "month": month, "delta": delta}
            ).scalar_one()
        )
    else:
        day_count = _upsert(session, MemberDay, values, delta)
        _upsert(session, MemberMonth, {**member, "month": month}, delta)
        _upsert(session, MemberTotal, member, delta)
    if basis is not None:
        _keep_runs(
            session,
            team_id=team_id,
            user_id=user_id,
            day=local_date,
            count=day_count,
            delta=delta,
            basis=basis,
        )


# --------------------------------------------------------------------------------------------
# Turns
# --------------------------------------------------------------------------------------------

_DAYS_TABLE = cast(Table, MemberDay.__table__)
_DAYS = _DAYS_TABLE.c

# PostgreSQL runs writers side by side, so every entry holds its team's row shared (FOR SHARE)
# and its member's advisory lock to the end of its transaction, taken before it touches any of
# the member's rows: a settings change (which updates the team's row) and a whole team's runs
# worked out again wait for the entries under way and the other way round, two entries of one
# member take turns, and as nobody waits while holding rows another needs, none deadlock. The
# row read after the wait is the newest (READ COMMITTED reads a locked row again). SQLite has
# one writer at a time already.
_BASIS_COLUMNS = (Team.daily_goal, Team.work_days_mask, Team.streak_goal, Team.streak_days_mask)
_TURN = {
    "postgresql": select(
        *_BASIS_COLUMNS, func.pg_advisory_xact_lock(func.hashtext(bindparam("b_member")))
    )
    .where(Team.team_id == bindparam("b_team"))
    .with_for_update(read=True),
    "sqlite": select(*_BASIS_COLUMNS).where(Team.team_id == bindparam("b_team")),
}
#: The team's row alone, unless other entries are being saved (they hold it shared).
_TEAM_ALONE = (
    select(Team.team_id)
    .where(Team.team_id == bindparam("b_team"))
    .with_for_update(skip_locked=True)
)


#: The team's goal and work-days mask, and those its kept runs follow (None: not worked out).
_Basis = tuple[int, int, int | None, int | None]


#: The member's turn alone (PostgreSQL), for a team without a row to read it with.
_MEMBER_TURN = select(func.pg_advisory_xact_lock(func.hashtext(bindparam("b_member"))))


def _member_key(team_id: str, user_id: str) -> str:
    return f"goal_runs:{team_id}:{user_id}"


def _take_turn(session: Session, *, team_id: str, user_id: str) -> _Basis | None:
    """The team's (goal, work-days mask, runs' goal, runs' mask), after waiting for any writer
    renumbering the member's runs or changing the team's settings; None without a team row."""
    if session.autoflush:
        session.flush()  # a settings change made in this session counts
    connection = session.connection()
    statement = _TURN.get(connection.dialect.name, _TURN["sqlite"])
    row = connection.execute(
        statement, {"b_team": team_id, "b_member": _member_key(team_id, user_id)}
    ).first()
    if row is None:
        return None  # no settings to follow yet: nothing reads runs for a team without a row
    return int(row[0]), int(row[1]), row[2], row[3]


def take_member_turn(session: Session, *, team_id: str, user_id: str) -> None:
    """Wait for the member's other entries under way (and any settings change) to finish, and
    hold the turn until the end of the transaction, as counting an entry does.

    For a change to an existing entry: taken before the entry is read, so that two changes of
    one entry at once see it one after the other instead of both counting it off."""
    if _take_turn(session, team_id=team_id, user_id=user_id) is not None:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # No team row, so the turn above locked nothing: the member's lock alone.
        connection.execute(_MEMBER_TURN, {"b_member": _member_key(team_id, user_id)})


def hold_team(session: Session, *, team_id: str) -> None:
    """Hold the team's row until the end of the transaction (PostgreSQL), as a settings change
    does: entries of the team under way finish first, and new ones wait."""
    session.execute(select(Team.team_id).where(Team.team_id == team_id).with_for_update())


# --------------------------------------------------------------------------------------------
# Goal runs
# --------------------------------------------------------------------------------------------


def runs_basis(team: Team) -> tuple[int, int]:
    """The (goal, work-days mask) a team's goal runs must follow: its settings as they are."""
    return max(team.daily_goal, 1), team.work_days_mask


#: The runs kept on each member day: the column, and the count a day needs to be in a run
#: (None: the team's goal).
_RUNS: tuple[tuple[str, int | None], ...] = (("goal_run", None), ("active_run", 1))


def _thresholds(goal: int) -> list[tuple[str, int]]:
    return [(column, goal if needs is None else needs) for column, needs in _RUNS]


def _keep_runs(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    day: date,
    count: int,
    delta: int,
    basis: _Basis,
) -> None:
    daily_goal, mask, kept_goal, kept_mask = basis
    goal = max(daily_goal, 1)
    if (kept_goal, kept_mask) != (goal, mask):
        # Work the team's runs out again, unless other entries of the team are being saved
        # right now: then a later entry will (readers walk the days meanwhile).
        if session.connection().execute(_TEAM_ALONE, {"b_team": team_id}).first() is not None:
            rebuild_runs(session, team_id=team_id)
        return
    # Only a day that crossed a threshold (the goal, or its first entry) changes any run.
    crossed = [
        (column, needs)
        for column, needs in _thresholds(goal)
        if (count - delta >= needs) != (count >= needs)
    ]
    if not crossed:
        return
    for column, needs in crossed:
        _renumber(
            session,
            team_id=team_id,
            user_id=user_id,
            day=day,
            column=column,
            needs=needs,
            work_days=work_days_from_mask(mask),
        )


_RUN_STATEMENTS: dict[str, tuple[Select[Any], Select[Any], Update]] = {}


def _run_statements(column: str) -> tuple[Select[Any], Select[Any], Update]:
    """The previous day in a run, the days from a day on, and a day's new place: per column."""
    statements = _RUN_STATEMENTS.get(column)
    if statements is None:
        kept = _DAYS[column]
        member = (_DAYS.team_id == bindparam("b_team"), _DAYS.user_id == bindparam("b_user"))
        before = (
            select(_DAYS.local_date, kept)
            .where(
                *member,
                _DAYS.local_date < bindparam("b_day"),
                _DAYS.count >= bindparam("b_needs"),
            )
            .order_by(_DAYS.local_date.desc())
            .limit(1)
        )
        later = (
            select(_DAYS.local_date, _DAYS.count, kept)
            .where(*member, _DAYS.local_date >= bindparam("b_day"))
            .order_by(_DAYS.local_date)
        )
        place = (
            update(_DAYS_TABLE)
            .where(*member, _DAYS.local_date == bindparam("b_day"))
            .values({column: bindparam("b_run")})
        )
        built: tuple[Select[Any], Select[Any], Update] = (before, later, place)
        statements = _RUN_STATEMENTS[column] = built
    return statements


def _renumber(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    day: date,
    column: str,
    needs: int,
    work_days: frozenset[int],
) -> None:
    """Number the member's days with `needs`+ entries again from `day` on, in `column`, until
    their runs agree with what was stored (usually `day` is their latest day, the only row)."""
    before_statement, later_statement, place = _run_statements(column)
    connection = session.connection()
    member = {"b_team": team_id, "b_user": user_id, "b_day": day}
    before = connection.execute(before_statement, {**member, "b_needs": needs}).first()
    later = connection.execute(later_statement, member)
    last, run = (before[0], int(before[1])) if before is not None else (None, 0)
    changes: list[dict[str, object]] = []
    for when, count, stored in later:
        if count >= needs:
            carried = last is not None and run_continues(last, when, work_days=work_days)
            run = run + 1 if carried else 1
            last, value = when, run
        else:
            value = 0
        if value != stored:
            changes.append({"b_team": team_id, "b_user": user_id, "b_day": when, "b_run": value})
        elif when > day and value:
            break  # a later day in a run already numbered right: every day after it is too
    if changes:
        connection.execute(place, changes)


def _expected_runs(
    session: Session, *, team_id: str, needs: int, mask: int
) -> dict[tuple[str, date], int]:
    """Each day with `needs`+ entries, and its place in its run, from the team's member days."""
    days_met: dict[str, list[date]] = {}
    rows = session.execute(
        select(MemberDay.user_id, MemberDay.local_date).where(
            MemberDay.team_id == team_id, MemberDay.count >= needs
        )
    )
    for user_id, day in rows:
        days_met.setdefault(user_id, []).append(day)
    work_days = work_days_from_mask(mask)
    return {
        (user_id, day): run
        for user_id, days in days_met.items()
        for day, run in goal_runs(days, work_days=work_days).items()
    }


def rebuild_runs(session: Session, *, team_id: str) -> None:
    """Work out every run of the team again, for its settings as they are now (holding the
    team's row, so no entry of the team is being saved meanwhile)."""
    session.flush()
    team = session.get(Team, team_id, with_for_update=True, populate_existing=True)
    if team is None:
        return
    goal, mask = runs_basis(team)
    session.execute(
        update(MemberDay)
        .where(
            MemberDay.team_id == team_id,
            or_(MemberDay.goal_run != 0, MemberDay.active_run != 0),
        )
        .values(goal_run=0, active_run=0)
    )
    changes: dict[tuple[str, date], dict[str, object]] = {}
    for column, needs in _thresholds(goal):
        runs = _expected_runs(session, team_id=team_id, needs=needs, mask=mask)
        for (user, day), run in runs.items():
            row = changes.setdefault(
                (user, day),
                {
                    "team_id": team_id,
                    "user_id": user,
                    "local_date": day,
                    "goal_run": 0,
                    "active_run": 0,
                },
            )
            row[column] = run
    if changes:
        session.execute(update(MemberDay), list(changes.values()))
    team.streak_goal, team.streak_days_mask = goal, mask
    session.flush()


def _day_counts() -> list[Any]:
    """An entry group's count, then each principle's (DAY_PRINCIPLE_COLUMNS' order)."""
    return [
        func.count(),
        *(
            func.sum(case((Connection.principle == name, 1), else_=0))
            for name in DAY_PRINCIPLE_COLUMNS
        ),
    ]


def rebuild(session: Session, *, team_id: str | None = None) -> None:
    """Recompute the tallies from the rows (all teams, or one)."""
    days = delete(MemberDay)
    months = delete(MemberMonth)
    totals = delete(MemberTotal)
    per_day = select(
        Connection.team_id, Connection.user_id, Connection.local_date, *_day_counts()
    ).group_by(Connection.team_id, Connection.user_id, Connection.local_date)
    sums = select(
        Connection.team_id, Connection.user_id, Connection.principle, func.count()
    ).group_by(Connection.team_id, Connection.user_id, Connection.principle)
    month = month_start(Connection.local_date)
    per_month = select(
        Connection.team_id, Connection.user_id, month, Connection.principle, func.count()
    ).group_by(Connection.team_id, Connection.user_id, month, Connection.principle)
    if team_id is not None:
        days = days.where(MemberDay.team_id == team_id)
        per_day = per_day.where(Connection.team_id == team_id)
        totals = totals.where(MemberTotal.team_id == team_id)
        months = months.where(MemberMonth.team_id == team_id)
        per_month = per_month.where(Connection.team_id == team_id)
        sums = sums.where(Connection.team_id == team_id)
    session.execute(days)
    session.execute(totals)
    session.execute(months)
    session.execute(
        insert(MemberDay).from_select(
            ["team_id", "user_id", "local_date", "count", *DAY_PRINCIPLE_COLUMNS], per_day
        )
    )
    session.execute(
        insert(MemberTotal).from_select(["team_id", "user_id", "principle", "count"], sums)
    )
    session.execute(
        insert(MemberMonth).from_select(
            ["team_id", "user_id", "month", "principle", "count"], per_month
        )
    )
    rebuild_named_dates(session, team_id=team_id)
    teams = (
        select(Team.team_id)
        if team_id is None
        else select(Team.team_id).where(Team.team_id == team_id)
    )
    for each in session.scalars(teams).all():
        rebuild_runs(session, team_id=each)


def mismatches(session: Session) -> list[str]:
    """Where the tallies disagree with the rows (empty when they agree)."""
    kept_tallies = [
        ("member months", MemberMonth.__table__, ("team_id", "user_id", "month", "principle")),
        ("member totals", MemberTotal.__table__, ("team_id", "user_id", "principle")),
    ]
    entries = Connection.__table__.c
    found: list[str] = []
    for label, table, keys in kept_tallies:
        # The same key columns grouped from the rows, and read from the maintained table.
        columns = [
            month_start(entries.local_date) if key == "month" else entries[key] for key in keys
        ]
        counted = {
            tuple(row[:-1]): row[-1]
            for row in session.execute(select(*columns, func.count()).group_by(*columns))
        }
        kept = {
            tuple(row[:-1]): row[-1]
            for row in session.execute(
                select(*(table.c[key] for key in keys), table.c.count).where(table.c.count != 0)
            )
        }
        if counted != kept:
            differ = sorted(set(counted.items()) ^ set(kept.items()))[:5]
            found.append(f"{label} differ at {differ}")
    found.extend(_day_mismatches(session))
    found.extend(_run_mismatches(session))
    found.extend(named_date_mismatches(session))
    return found


def _day_mismatches(session: Session) -> list[str]:
    """Member days whose counts (all together, then each principle's) are not the entries'."""
    keys = (Connection.team_id, Connection.user_id, Connection.local_date)
    counted = {
        tuple(row[:3]): tuple(row[3:])
        for row in session.execute(select(*keys, *_day_counts()).group_by(*keys))
    }
    kept = {
        tuple(row[:3]): tuple(row[3:])
        for row in session.execute(
            select(
                MemberDay.team_id,
                MemberDay.user_id,
                MemberDay.local_date,
                MemberDay.count,
                *MEMBER_DAY_PRINCIPLES,
            ).where(or_(MemberDay.count != 0, *(column != 0 for column in MEMBER_DAY_PRINCIPLES)))
        )
    }
    if counted == kept:
        return []
    differ = sorted(set(counted.items()) ^ set(kept.items()))[:5]
    return [f"member days differ at {differ}"]


def _run_mismatches(session: Session) -> list[str]:
    """Teams whose runs, as of the settings written beside them, are not what the days say."""
    found: list[str] = []
    teams = session.execute(
        select(Team.team_id, Team.streak_goal, Team.streak_days_mask).where(
            Team.streak_goal.is_not(None), Team.streak_days_mask.is_not(None)
        )
    )
    for team_id, goal, mask in teams.all():
        assert goal is not None and mask is not None
        for column, needs in _thresholds(goal):
            expected = _expected_runs(session, team_id=team_id, needs=needs, mask=mask)
            kept = getattr(MemberDay, column)
            stored = {
                (user_id, day): run
                for user_id, day, run in session.execute(
                    select(MemberDay.user_id, MemberDay.local_date, kept).where(
                        MemberDay.team_id == team_id, kept != 0
                    )
                )
            }
            if stored != expected:
                differ = sorted(set(stored.items()) ^ set(expected.items()))[:5]
                found.append(f"{column.replace('_', ' ')}s of {team_id} differ at {differ}")
    return found
