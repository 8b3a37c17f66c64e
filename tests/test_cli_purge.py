"""`slackapp purge --team T`: counts first, a typed confirmation at a terminal, or --yes."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from slackapp.cli import main
from slackapp.config import ConfigError, load_settings
from slackapp.store.db import Database
from slackapp.store.models import Connection, Member, Team, TeamRevision
from tests.support.factories import add_connection, add_member, add_team


class Terminal(io.StringIO):
    """What a person types at a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def two_teams(db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Database:
    with db.session_scope() as session:
        for team_id in ("T1", "T2"):
            add_team(session, team_id=team_id)
            add_member(session, team_id=team_id, user_id="U1")
            add_connection(session, team_id=team_id, user_id="U1", note="=1+1")
            add_connection(session, team_id=team_id, user_id="U1")
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("DATABASE_URL", db.url)
    return db


def said(err: str) -> list[str]:
    """What the command told the person (log lines from migrations aside), and no traceback."""
    assert "Traceback" not in err
    return [line for line in err.splitlines() if line.startswith("slackapp:")]


def rows(db: Database, team_id: str) -> int:
    with db.session_scope() as session:
        return sum(
            session.scalar(select(func.count()).select_from(model).where(model.team_id == team_id))
            or 0
            for model in (Team, Member, Connection)
        )


def test_without_a_terminal_or_yes_it_refuses_and_deletes_nothing(
    two_teams: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("T1\n"))  # piped, not typed
    assert main(["purge", "--team", "T1"]) == 2
    out, err = capsys.readouterr()
    assert "connections" in out and "2" in out  # what would go, with counts
    assert said(err) == [
        "slackapp: purge deletes data for good, so it asks first: run it in a terminal, "
        "or add --yes to confirm from a script"
    ]
    assert rows(two_teams, "T1") == 4


def test_a_wrong_answer_at_the_terminal_deletes_nothing(
    two_teams: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", Terminal("y\n"))
    assert main(["purge", "--team", "T1"]) == 2
    out, err = capsys.readouterr()
    assert "Type the team id (T1)" in out
    assert said(err) == ["slackapp: not confirmed; nothing was deleted"]
    assert rows(two_teams, "T1") == 4


def test_typing_the_team_id_deletes_that_team_only(
    two_teams: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", Terminal("T1\n"))
    assert main(["purge", "--team", "T1"]) == 0
    out, _ = capsys.readouterr()
    assert "Team T1 has" in out and "Deleted" in out
    assert rows(two_teams, "T1") == 0
    assert rows(two_teams, "T2") == 4


def test_yes_deletes_without_asking(
    two_teams: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["purge", "--team", "T2", "--yes"]) == 0
    out, _ = capsys.readouterr()
    lines = out.splitlines()
    # The team, its member, 2 entries, their counts (per day, per month, all-time); its
    # revision, bookkeeping, is deleted but not counted.
    assert lines[0] == "Team T2 has 7 rows:"
    assert any(line.split() == ["connections", "2"] for line in lines)
    assert any(line.split() == ["member_days", "1"] for line in lines)
    assert any(line.split() == ["member_months", "1"] for line in lines)
    assert not any("team_revisions" in line for line in lines)
    assert lines[-1] == "Deleted 7 rows of team T2."
    assert (rows(two_teams, "T1"), rows(two_teams, "T2")) == (4, 0)
    with two_teams.read_scope() as session:
        parts = select(func.count()).where(TeamRevision.team_id == "T2")
        assert session.scalar(parts) == 0


@pytest.mark.parametrize(
    ("team", "message"),
    [
        ("T404", "slackapp: no data for team T404 in this database; nothing to delete"),
        ("'; drop", 'slackapp: --team "\'; drop" is not a Slack team id like T0123ABCD'),
    ],
)
def test_bad_input_gets_one_clear_line(
    two_teams: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    team: str,
    message: str,
) -> None:
    monkeypatch.setattr(sys, "stdin", Terminal("T404\n"))
    assert main(["purge", "--team", team, "--yes"]) == 2
    _, err = capsys.readouterr()
    assert said(err) == [message]
    assert (rows(two_teams, "T1"), rows(two_teams, "T2")) == (4, 4)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("0", "DATA_RETENTION_DAYS must be between 1 and 3650, got 0"),
        ("a month", "DATA_RETENTION_DAYS must be a whole number, got 'a month'"),
    ],
)
def test_a_bad_retention_period_stops_start_up_naming_the_setting(raw: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({"DATA_RETENTION_DAYS": raw}, dotenv_path=None)


def test_the_retention_period_defaults_to_thirty_days() -> None:
    assert load_settings({}, dotenv_path=None).data_retention_days == 30
    assert load_settings({"DATA_RETENTION_DAYS": "7"}, dotenv_path=None).data_retention_days == 7
