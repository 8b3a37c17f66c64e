"""The command line: migrate, export, and the friendly errors, run as a person would."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from slackapp.cli import export, main
from slackapp.domain.vocabulary import Platform, Principle
from slackapp.store.db import Database
from tests.support.factories import add_connection


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-m", "slackapp", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def logged(db: Database) -> Database:
    with db.session_scope() as session:
        add_connection(
            session,
            team_id="T1",
            user_id="U1",
            principle=Principle.SOLVE,
            platform=Platform.TWITTER,
            who="@jane",
            note='answered, "quoted"\nand multi-line',
            link="https://x.com/jane/status/1",
            local_date=date(2026, 11, 20),
        )
        add_connection(
            session,
            team_id="T1",
            user_id="U2",
            principle=Principle.CARE,
            local_date=date(2026, 11, 25),
        )
        add_connection(
            session,
            team_id="T2",
            user_id="U1",
            principle=Principle.LAUGH,
            local_date=date(2026, 11, 26),
        )
    return db


def test_export_csv_has_every_field_and_survives_commas_and_newlines(logged: Database) -> None:
    out = io.StringIO()
    assert export(logged, out=out, fmt="csv") == 3
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == [
        "team_id",
        "user_id",
        "principle",
        "platform",
        "who",
        "note",
        "link",
        "local_date",
        "created_at",
        "follow_up_due",
        "follow_up_state",
        "follow_up_answered_on",
    ]
    assert rows[0]["follow_up_due"] == ""  # no follow-up was asked for
    assert rows[0]["note"] == 'answered, "quoted"\nand multi-line'
    assert rows[0]["local_date"] == "2026-11-20"
    assert rows[0]["created_at"].endswith("+00:00")


def test_the_app_saves_while_an_export_streams(logged: Database) -> None:
    # An export held the write lock (and the writers' gate) until its last row was written:
    # every entry saved meanwhile failed as busy, for as long as the output took.
    if logged.backend != "sqlite":
        pytest.skip("the write lock is SQLite's")
    saved: list[int] = []

    class Output(io.StringIO):
        def write(self, text: str) -> int:
            if len(saved) == 0 and self.tell():  # past "[": the export is reading its rows
                with logged.session_scope() as session:
                    saved.append(
                        add_connection(
                            session,
                            team_id="T1",
                            user_id="U3",
                            principle=Principle.CARE,
                            local_date=date(2026, 11, 27),
                        ).id
                    )
            return super().write(text)

    assert export(logged, out=Output(), fmt="json") == 3  # its rows were read before the save
    assert len(saved) == 1
    assert export(logged, out=io.StringIO(), fmt="json") == 4


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"since": date(2026, 11, 21)}, [("T1", "U2"), ("T2", "U1")]),
        ({"until": date(2026, 11, 25)}, [("T1", "U1"), ("T1", "U2")]),
        ({"user_id": "U1"}, [("T1", "U1"), ("T2", "U1")]),
        ({"team_id": "T2"}, [("T2", "U1")]),
    ],
)
def test_export_filters(
    logged: Database, filters: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    out = io.StringIO()
    export(logged, out=out, fmt="json", **filters)  # type: ignore[arg-type]
    data = json.loads(out.getvalue())
    assert [(r["team_id"], r["user_id"]) for r in data] == expected


def test_export_json_of_nothing_is_an_empty_list(db: Database) -> None:
    out = io.StringIO()
    export(db, out=out, fmt="json")
    assert json.loads(out.getvalue()) == []


@pytest.mark.slow
def test_export_from_the_command_line(logged: Database, tmp_path: Path) -> None:
    result = run_cli(
        "export",
        "--format",
        "json",
        "--user",
        "U2",
        env={"DATABASE_URL": logged.url},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert [r["principle"] for r in json.loads(result.stdout)] == ["care"]


@pytest.mark.slow
def test_bad_dates_are_clear_cli_errors(tmp_path: Path) -> None:
    result = run_cli("export", "--since", "yesterday", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert "'yesterday' is not a date like 2026-11-27" in result.stderr
    result = run_cli(
        "export",
        "--since",
        "2026-11-27",
        "--until",
        "2026-11-01",
        env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"},
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "--since must not be after --until" in result.stderr


@pytest.mark.slow
def test_migrate_creates_the_default_sqlite_database_under_var(tmp_path: Path) -> None:
    result = run_cli("migrate", env={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "valueboard.db").is_file()
    assert "up to date" in result.stdout


@pytest.mark.slow
def test_run_with_half_the_credentials_says_what_to_set(tmp_path: Path) -> None:
    # With none at all, `run` starts the sandbox instead (tests/sandbox/test_runner.py).
    result = run_cli("run", env={"SLACK_BOT_TOKEN": "xoxb-only-this"}, cwd=tmp_path)
    assert result.returncode == 2
    for words in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", ".env.example"):
        assert words in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_run_with_a_client_id_and_no_signing_secret_says_so_and_starts_no_sandbox(
    tmp_path: Path,
) -> None:
    env = {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "shh"}
    result = run_cli("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET" in result.stderr
    assert "sandbox" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_bad_settings_name_the_variable(tmp_path: Path) -> None:
    result = run_cli(
        "migrate", env={"PORT": "eighty", "DEFAULT_TIMEZONE": "Mars/Olympus"}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "PORT must be a whole number" in result.stderr
    assert "DEFAULT_TIMEZONE must be an IANA time zone" in result.stderr


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///from-dotenv.db\nPORT=4000\n")
    from slackapp.config import load_settings

    settings = load_settings({"PORT": "5000"}, dotenv_path=tmp_path / ".env")
    assert settings.database_url == "sqlite:///from-dotenv.db"
    assert settings.port == 5000


def test_main_returns_2_on_config_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    assert main(["migrate"]) == 2
