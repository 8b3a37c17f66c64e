"""The unit of work and the read scope: what a read sees while others commit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from slackapp.store.db import SQLITE_CACHE_KIB, Database
from slackapp.store.models import Team
from tests.support.factories import add_team


def _goal(db: Database, team_id: str) -> int:
    with db.read_scope() as session:
        return session.scalars(select(Team.daily_goal).where(Team.team_id == team_id)).one()


def test_a_read_scope_sees_one_moment_whatever_commits_while_it_reads(db: Database) -> None:
    # Readers check the settings a team's kept figures follow, then read the figures: a save
    # committed between the two statements must not give them one of each.
    with db.session_scope() as session:
        add_team(session, team_id="T1", daily_goal=10)
    with db.read_scope() as reader:
        goal = select(Team.daily_goal).where(Team.team_id == "T1")
        before = reader.scalars(goal).one()
        with db.session_scope() as writer:
            team = writer.get(Team, "T1")
            assert team is not None
            team.daily_goal = 3
        after = reader.execute(goal.execution_options(populate_existing=True)).scalar_one()
    assert (before, after) == (10, 10)
    # The next read scope sees the save.
    assert _goal(db, "T1") == 3


def test_the_unit_of_work_after_a_read_scope_writes_as_before(db: Database) -> None:
    # The read scope's snapshot and read-only mode stay with it, not with the pooled connection.
    with db.session_scope() as session:
        add_team(session, team_id="T1", daily_goal=10)
    assert _goal(db, "T1") == 10
    for goal in (4, 5):
        with db.session_scope() as session:
            team = session.get(Team, "T1")
            assert team is not None
            team.daily_goal = goal
        assert _goal(db, "T1") == goal


def test_each_sqlite_connection_keeps_a_page_cache_of_the_set_size(db: Database) -> None:
    if db.backend != "sqlite":
        pytest.skip("the page cache setting is SQLite's")
    for _ in range(2):  # a fresh connection, and the pooled one again
        with db.engine.connect() as connection:
            kept = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        assert kept == -SQLITE_CACHE_KIB
