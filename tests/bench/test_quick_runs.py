"""Every benchmark at a tiny size, so that they keep working; none of them is timed here."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench import leaderboard
from bench.__main__ import main

pytestmark = pytest.mark.slow


def _run(tmp_path: Path, benchmark: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    out = tmp_path / "bench.json"
    args = [benchmark, "--quick", "--json", str(out)]
    if os.environ.get("TEST_DATABASE_URL"):
        args += ["--database-url", os.environ["TEST_DATABASE_URL"]]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "| benchmark" in printed and "ours/baseline" in printed
    data = json.loads(out.read_text())
    assert isinstance(data, dict)
    assert data["trusted"] is True
    return data


def _figures(data: dict[str, object]) -> dict[str, dict[str, object]]:
    figures = data["figures"]
    assert isinstance(figures, list)
    return {f"{f['benchmark']}: {f['figure']}": f for f in figures}


def test_the_boards_benchmark_runs_and_its_answers_agree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = _figures(_run(tmp_path, "boards", capsys))
    board = figures["boards (SQLite): leaderboard, all time, p99 at 2 (2 processes)"]
    assert figures["boards (SQLite): weekly digest, p50 at 2 (2 processes)"]["ok"] is True
    for home in (leaderboard.HOME_NAME, leaderboard.HOME_FRESH_NAME):
        assert figures[f"boards (SQLite): {home}, p50 at 2 (2 processes)"]["ok"] is True
    assert board["ok"] is True and board["baseline_label"] == "bare SQL"
    assert isinstance(board["ratio"], float)


def test_the_fanout_benchmark_posts_every_team_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = _figures(_run(tmp_path, "fanout", capsys))
    one = figures["fan-out (SQLite): 20 teams, 1 process x 16: tick"]
    three = figures["fan-out (SQLite): 20 teams, 3 processes x 16: tick"]
    for figure in (one, three):
        assert figure["ok"] is True and figure["note"] == "0 sent twice, 0 lost"
        assert figure["baseline_label"] == "ideal"
    assert one["baseline"] == pytest.approx(20 * 0.1 / 16)
    # Weekly digests: three slow calls for each team, its message and its chart's two upload
    # calls to the Web API.
    for processes in ("1 process", "3 processes"):
        digests = figures[f"fan-out (SQLite): 20 teams' weekly digests, {processes} x 16: tick"]
        assert digests["ok"] is True
        assert digests["note"] == "0 sent twice, 0 lost; charts: 0 shared twice, 0 missing"
    assert figures["fan-out (SQLite): 20 teams' weekly digests, 1 process x 16: tick"][
        "baseline"
    ] == pytest.approx(20 * 3 * 0.1 / 16)


def test_the_request_path_benchmark_serves_both_apps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = _figures(_run(tmp_path, "requests", capsys))
    acks = figures["request path (SQLite): acks/s at 2"]
    assert acks["baseline_label"] == "ack-only"
    assert isinstance(acks["median"], float) and acks["median"] > 0
    saved = figures["request path (SQLite): saved/s at 2"]
    assert saved["ok"] is True and saved["note"] == "0 confirmed but not saved"
    confirmed = figures["request path (SQLite): confirmed/s at 2"]
    assert isinstance(confirmed["median"], float) and confirmed["median"] > 0
