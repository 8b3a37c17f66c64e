"""The boards benchmark's answer checks, as tests: ours must equal the naive reference.

A benchmark whose answers differ is not evidence, so the checks run here on every test run, at a
size small enough to be quick and with data shaped to catch what once slipped through: a member
on a goal streak longer than the 120 days the naive baseline used to stop at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bench import leaderboard, scratch_database
from slackapp.domain.calendar import DEFAULT_WORK_DAYS, Window
from slackapp.domain.streaks import work_days_between
from slackapp.store.db import Database

ROWS = 20_000


@pytest.fixture(scope="module")
def seeded() -> Iterator[Database]:
    """One seeded database for the module (SQLite, or a schema on TEST_DATABASE_URL)."""
    with scratch_database(os.environ.get("TEST_DATABASE_URL") or None) as db:
        leaderboard.seed_connections(db, rows=ROWS, seed=leaderboard.DEFAULT_SEED)
        yield db


@pytest.mark.parametrize("name", leaderboard.OPERATION_NAMES)
def test_ours_gives_the_naive_answer(seeded: Database, name: str) -> None:
    (operation,) = [op for op in leaderboard.operations(seeded) if op.name == name]
    assert operation.ours() == operation.naive()


def test_the_seed_has_a_streak_longer_than_any_look_back(seeded: Database) -> None:
    streaks = leaderboard.ours_streaks(seeded)
    assert streaks[0] == ("UB000", leaderboard.LONG_STREAK)
    # 120 calendar days hold about 86 work days: a baseline stopping there would differ.
    today = leaderboard.TODAY
    look_back = work_days_between(today - timedelta(days=119), today, work_days=DEFAULT_WORK_DAYS)
    assert look_back < leaderboard.LONG_STREAK


def test_the_bare_aggregates_count_the_same_rows(seeded: Database) -> None:
    board = leaderboard.ours_board(seeded, Window.ALL)
    assert sum(n for _, _, n in leaderboard.bare_board(seeded, Window.ALL)) == (board.team_total)
    stats = leaderboard.ours_stats(seeded)
    assert sum(n for _, n in leaderboard.bare_stats(seeded)) == stats.total_all_time
    goal_days = {user for user, _, _ in leaderboard.bare_streaks(seeded)}
    assert {user for user, _ in leaderboard.ours_streaks(seeded)} <= goal_days


def test_the_home_meets_the_people_the_entries_name(seeded: Database) -> None:
    # The seed names people the way logging does, so the Home's people check compares something.
    home = leaderboard.ours_home(seeded)
    assert len(home.people) == leaderboard.HOME_PEOPLE
    assert sum(touches for *_, touches in home.people) >= leaderboard.HOME_PEOPLE
