"""bench.people at a tiny size: it runs, and ours agrees with the baselines on real answers."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from bench import people, scratch_database


def test_the_people_benchmark_runs_and_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    assert people.main(["--rows", "3000", "--people", "400", "--runs", "1"]) == 0
    printed = capsys.readouterr().out
    for name in ("follow-ups due (the tick)", "people board", "relationships board", "1% merged"):
        assert name in printed
    assert "DIFFERENT" not in printed


def test_its_answers_are_not_empty() -> None:
    # Agreement proves little if both sides find nothing: the seed gives each query work.
    with scratch_database(None) as db:
        people.seed(db, rows=3000, people=400, rng=random.Random(7))
        due = people.due_ours(db)
        assert due and due == people.due_bare(db)
        month = people.TODAY.replace(day=1)
        reached = people.board_ours(db, deepened=False, start=month)
        assert reached and reached == people.board_bare(db, deepened=False, start=month)
        window = people.TODAY - timedelta(days=29)
        deep = people.board_ours(db, deepened=True, start=window - timedelta(days=300))
        assert deep and deep == people.board_bare(
            db, deepened=True, start=window - timedelta(days=300)
        )
