"""`slackapp doctor`: one line per check, the fix named on each failure, non-zero on any."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from slackapp.cli import main
from slackapp.config import load_settings
from slackapp.runtime import doctor
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.slack.scopes import BOT_SCOPES
from slackapp.store.db import Database
from slackapp.store.installations import installed_bots
from slackapp.store.migrate import alembic_config, head_revision, upgrade
from tests.runtime.fakes import SilentServer
from tests.slack.test_installations import CLIENT_ID, SECRET, installed
from tests.support.databases import write_lock_held


def closed_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def healthy(standin: SlackEmulator, url: str) -> dict[str, str]:
    """An HTTP-mode environment against the stand-in and a database; each test breaks one thing."""
    return {
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_SIGNING_SECRET": "doctor-secret",
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": url,
    }


def run(env: dict[str, str], *, debug: bool = False) -> tuple[int, dict[str, str], str]:
    """Exit status, each check's line by check name, and what went to stderr."""
    out, err = io.StringIO(), io.StringIO()
    status = doctor.run_doctor(out=out, err=err, debug=debug, environ=env, dotenv_path=None)
    lines = out.getvalue().splitlines()
    by_check = {}
    for line in lines:
        state, _, rest = line.partition("  ")
        check, _, detail = rest.strip().partition(": ")
        assert state.strip() in {"ok", "fail", "skip"}, line
        by_check[check] = f"{state.strip()} {detail}"
    assert len(by_check) == len(lines), "a check was reported twice"
    return status, by_check, err.getvalue()


def test_a_healthy_setup_passes_every_check(standin: SlackEmulator, db: Database) -> None:
    status, lines, err = run(healthy(standin, db.url))
    assert status == 0, lines
    assert list(lines) == [
        "configuration",
        "database",
        "schema",
        "Slack SLACK_BOT_TOKEN",
        "scopes of SLACK_BOT_TOKEN",
    ]
    assert all(line.startswith("ok ") for line in lines.values()), lines
    assert f"({head_revision()})" in lines["schema"]
    assert "Acme (T0TEAM)" in lines["Slack SLACK_BOT_TOKEN"]
    assert err == ""
    assert [call.method for call in standin.calls()] == ["auth.test"]


def test_a_database_busy_saving_is_not_called_down(standin: SlackEmulator, db: Database) -> None:
    # The checks read: on SQLite they took the write lock, so a live app's writer made the
    # doctor wait out its timeout and report the database failing.
    with write_lock_held(db):
        status, lines, _ = run(healthy(standin, db.url))
    assert lines["database"].startswith("ok "), lines
    assert lines["schema"].startswith("ok "), lines
    assert status == 0, lines


def test_socket_mode_checks_the_app_token_too(standin: SlackEmulator, db: Database) -> None:
    env = {**healthy(standin, db.url), "SLACK_APP_TOKEN": standin.app_token}
    del env["SLACK_SIGNING_SECRET"]
    status, lines, _ = run(env)
    assert status == 0, lines
    assert lines["configuration"].startswith("ok Socket Mode")
    assert lines["Slack SLACK_APP_TOKEN"].startswith("ok ")


def test_a_malformed_database_url_fails_the_configuration(
    standin: SlackEmulator, tmp_path: Path
) -> None:
    status, lines, err = run(healthy(standin, "mysql://root@db/valueboard"))
    assert status == 1
    assert lines["configuration"].startswith("fail ")
    assert "DATABASE_URL names 'mysql'" in lines["configuration"]
    assert [line.split()[0] for line in lines.values()] == ["fail", "skip", "skip", "skip"]
    assert err == ""  # no traceback without --debug


def test_a_missing_setting_is_named_and_the_rest_is_still_checked(
    standin: SlackEmulator, db: Database
) -> None:
    env = healthy(standin, db.url)
    del env["SLACK_SIGNING_SECRET"]
    status, lines, _ = run(env)
    assert status == 1
    assert lines["configuration"].startswith("fail HTTP mode")
    assert "SLACK_SIGNING_SECRET: Basic Information" in lines["configuration"]
    assert lines["database"].startswith("ok ")
    assert lines["Slack SLACK_BOT_TOKEN"].startswith("ok ")


def test_a_database_that_refuses_names_the_url_and_skips_the_schema(
    standin: SlackEmulator,
) -> None:
    url = f"postgresql://valueboard:pw-secret@127.0.0.1:{closed_port()}/vb"
    status, lines, _ = run({**healthy(standin, url), "DB_CONNECT_TIMEOUT": "1"})
    assert status == 1
    assert lines["database"].startswith("fail DATABASE_URL postgresql://valueboard:***@127.0.0.1")
    assert "pw-secret" not in lines["database"]
    assert "Check that PostgreSQL is running" in lines["database"]
    assert lines["schema"].startswith("skip ")
    assert lines["Slack SLACK_BOT_TOKEN"].startswith("ok ")  # Slack is still checked


def test_a_database_that_never_answers_fails_within_the_configured_timeout(
    standin: SlackEmulator,
) -> None:
    with SilentServer() as silent:
        status, lines, _ = run({**healthy(standin, silent.url()), "DB_CONNECT_TIMEOUT": "2"})
    assert status == 1
    assert "DB_CONNECT_TIMEOUT=2 s" in lines["database"]


def test_a_sqlite_file_that_does_not_exist_is_not_created(
    standin: SlackEmulator, tmp_path: Path
) -> None:
    path = tmp_path / "var" / "valueboard.db"
    status, lines, _ = run(healthy(standin, f"sqlite:///{path}"))
    assert status == 1
    assert lines["database"].startswith("fail ")
    assert "does not exist yet; run `slackapp migrate`" in lines["database"]
    assert not path.exists() and not path.parent.exists()


def test_a_database_never_migrated_says_run_migrate(
    standin: SlackEmulator, database_url: str
) -> None:
    empty = Database(database_url)
    try:
        with empty.engine.begin() as connection:  # the database exists, without tables
            connection.execute(text("SELECT 1"))
    finally:
        empty.dispose()
    status, lines, _ = run(healthy(standin, database_url))
    assert status == 1
    assert lines["database"].startswith("ok ")
    assert lines["schema"] == "fail the database has no tables yet; " + (
        "run `slackapp migrate` (or start the app: it migrates on start)."
    )


def test_a_schema_behind_head_names_both_revisions_and_the_fix(
    standin: SlackEmulator, database_url: str
) -> None:
    head = head_revision()
    assert head is not None
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(head).down_revision
    assert isinstance(previous, str)
    behind = Database(database_url)
    try:
        upgrade(behind, revision=previous)
    finally:
        behind.dispose()
    status, lines, _ = run(healthy(standin, database_url))
    assert status == 1
    assert lines["schema"].startswith(f"fail at migration {previous}, behind this version's {head}")
    assert "run `slackapp migrate`" in lines["schema"]


def test_a_schema_from_a_newer_version_is_not_called_behind(
    standin: SlackEmulator, db: Database
) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    status, lines, _ = run(healthy(standin, db.url))
    assert status == 1
    assert "at migration 9999, which this version of Valueboard does not know" in lines["schema"]


def test_an_invalid_token_is_refused_and_its_scopes_are_not_checked(
    standin: SlackEmulator, db: Database
) -> None:
    status, lines, err = run({**healthy(standin, db.url), "SLACK_BOT_TOKEN": "xoxb-revoked"})
    assert status == 1
    assert lines["Slack SLACK_BOT_TOKEN"].startswith(
        "fail SLACK_BOT_TOKEN was refused by Slack (invalid_auth). Copy it again from"
    )
    assert lines["scopes of SLACK_BOT_TOKEN"].startswith("skip ")
    assert lines["database"].startswith("ok ") and lines["schema"].startswith("ok ")
    assert err == ""


def test_debug_adds_the_traceback_of_each_failure(standin: SlackEmulator, db: Database) -> None:
    env = {**healthy(standin, db.url), "SLACK_BOT_TOKEN": "xoxb-revoked"}
    status, _, err = run(env, debug=True)
    assert status == 1
    assert "Traceback" in err and "SlackApiError" in err
    _, _, err = run({**env, "LOG_LEVEL": "DEBUG"})
    assert "Traceback" in err


@pytest.mark.parametrize("missing", [{"files:write"}, {"users:read", "channels:join"}])
def test_a_token_without_every_manifest_scope_names_what_is_missing(
    standin: SlackEmulator, db: Database, missing: set[str]
) -> None:
    standin.set_scopes(standin.bot_token, BOT_SCOPES - missing)
    status, lines, _ = run(healthy(standin, db.url))
    assert status == 1
    assert lines["Slack SLACK_BOT_TOKEN"].startswith("ok ")
    scopes = lines["scopes of SLACK_BOT_TOKEN"]
    assert scopes.startswith(f"fail missing {', '.join(sorted(missing))} of the scopes manifest")
    assert "reinstall the app" in scopes


def test_extra_scopes_are_fine(standin: SlackEmulator, db: Database) -> None:
    standin.set_scopes(standin.bot_token, BOT_SCOPES | {"channels:read"})
    status, lines, _ = run(healthy(standin, db.url))
    assert status == 0, lines


def test_every_token_to_check_is_checked_on_its_own(
    standin: SlackEmulator, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # How OAuth installations will join in: more (label, token) pairs from one function.
    standin.add_token("xoxb-second-workspace", scopes=BOT_SCOPES - {"commands"})
    settings = load_settings(healthy(standin, db.url), dotenv_path=None)
    assert doctor._tokens_to_check(settings, None) == [("SLACK_BOT_TOKEN", standin.bot_token)]
    pairs = [
        ("SLACK_BOT_TOKEN", standin.bot_token),
        ("installation T2 (Second)", "xoxb-second-workspace"),
        ("installation T3 (Gone)", "xoxb-uninstalled"),
    ]
    monkeypatch.setattr(doctor, "_tokens_to_check", lambda settings, db: pairs)
    status, lines, _ = run(healthy(standin, db.url))
    assert status == 1
    assert lines["scopes of SLACK_BOT_TOKEN"].startswith("ok ")
    assert lines["scopes of installation T2 (Second)"].startswith("fail missing commands ")
    assert lines["Slack installation T3 (Gone)"] == (
        "fail installation T3 (Gone) was refused by Slack (invalid_auth). Reinstall the app to "
        "that workspace, or remove the installation if the workspace left."
    )


def test_the_command_line_prints_the_lines_and_exits_non_zero(
    standin: SlackEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in healthy(standin, f"sqlite:///{tmp_path / 'vb.db'}").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    assert main(["doctor"]) == 1
    captured = capsys.readouterr()
    assert "fail  database: DATABASE_URL sqlite:///" in captured.out
    assert "fail  Slack SLACK_BOT_TOKEN: SLACK_BOT_TOKEN was refused" in captured.out
    assert captured.err == ""
    assert main(["migrate"]) == 0
    monkeypatch.setenv("SLACK_BOT_TOKEN", standin.bot_token)
    capsys.readouterr()
    assert main(["doctor"]) == 0
    assert all(line.startswith("ok") for line in capsys.readouterr().out.splitlines())


def oauth_env(standin: SlackEmulator, url: str) -> dict[str, str]:
    return {
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "doctor-client-secret",
        "SLACK_SIGNING_SECRET": "doctor-secret",
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": url,
    }


def save_bot(db: Database, *, team_id: str, name: str, token: str) -> None:
    from slack_sdk.oauth.installation_store import Installation

    from slackapp.slack.installations import installation_store

    installation_store(client_id="111.222", engine=db.engine).save(
        Installation(
            app_id="A0APP",
            team_id=team_id,
            team_name=name,
            user_id="UADMIN",
            bot_token=token,
            bot_id="BBOT",
            bot_user_id="UBOT",
            bot_scopes=sorted(BOT_SCOPES),
        )
    )


def test_with_many_workspaces_each_installation_is_checked(
    standin: SlackEmulator, db: Database
) -> None:
    standin.add_token("xoxb-one")
    standin.add_token("xoxb-two", scopes=BOT_SCOPES - {"im:write"})
    save_bot(db, team_id="T0ONE", name="One", token="xoxb-one")
    save_bot(db, team_id="T0TWO", name="Two", token="xoxb-two")
    save_bot(db, team_id="T0OLD", name="Old", token="xoxb-revoked")

    status, lines, _ = run(oauth_env(standin, db.url))

    assert status == 1
    assert lines["configuration"] == "ok HTTP mode, many workspaces, every setting valid"
    assert lines["Slack installation T0ONE (One)"].startswith("ok auth.test passed")
    assert lines["scopes of installation T0ONE (One)"].startswith("ok ")
    assert lines["Slack installation T0TWO (Two)"].startswith("ok ")
    assert lines["scopes of installation T0TWO (Two)"].startswith("fail missing im:write")
    assert lines["Slack installation T0OLD (Old)"].startswith("fail ")
    assert "invalid_auth" in lines["Slack installation T0OLD (Old)"]
    assert "Reinstall the app to that workspace" in lines["Slack installation T0OLD (Old)"]
    assert sorted(call.token or "" for call in standin.calls("auth.test")) == [
        "xoxb-one",
        "xoxb-revoked",
        "xoxb-two",
    ]


def test_with_many_workspaces_a_busy_database_still_shows_each_installation(
    standin: SlackEmulator, db: Database
) -> None:
    # Listing the installations took SQLite's write lock: behind a live app's writer it failed,
    # and the doctor said nothing was installed yet.
    standin.add_token("xoxb-one")
    save_bot(db, team_id="T0ONE", name="One", token="xoxb-one")
    with write_lock_held(db):
        status, lines, _ = run(oauth_env(standin, db.url))
    assert lines["database"].startswith("ok "), lines
    assert lines["Slack installation T0ONE (One)"].startswith("ok auth.test passed"), lines
    assert status == 0, lines


def test_with_many_workspaces_and_none_installed_yet_it_says_how(
    standin: SlackEmulator, db: Database
) -> None:
    status, lines, _ = run(oauth_env(standin, db.url))
    assert status == 0, lines
    assert lines["Slack"] == (
        "skip no installation yet: open /slack/install on this server and press Add to Slack"
    )
    assert standin.calls() == []


def test_a_bot_token_and_a_client_id_together_fail_the_configuration(
    standin: SlackEmulator, db: Database
) -> None:
    env = {**oauth_env(standin, db.url), "SLACK_BOT_TOKEN": standin.bot_token}
    status, lines, _ = run(env)
    assert status == 1
    assert (
        "SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set"
        in (lines["configuration"])
    )


def test_an_expired_rotating_token_is_refreshed_as_the_app_would_then_checked(
    standin: SlackEmulator, db: Database
) -> None:
    # The app refreshes a rotating token before it uses it; so does the doctor, instead of
    # failing a workspace that works. The refreshed token is saved, as the app saves it.
    expired = installed(standin, db).bot_token
    env = {**oauth_env(standin, db.url), "SLACK_CLIENT_ID": CLIENT_ID}
    env["SLACK_CLIENT_SECRET"] = SECRET
    status, lines, _ = run(env)
    assert status == 1  # the test installation grants only `commands`
    assert lines["Slack installation T0ONE (One)"].startswith("ok auth.test passed")
    [checked] = [call.token for call in standin.calls("auth.test")]
    assert checked != expired
    with db.engine.connect() as connection:
        assert [bot.bot_token for bot in installed_bots(connection, client_id=CLIENT_ID)] == [
            checked
        ]


def test_a_rotating_token_slack_will_not_refresh_fails_with_the_reason(
    standin: SlackEmulator, db: Database
) -> None:
    installed(standin, db)
    env = {**oauth_env(standin, db.url), "SLACK_CLIENT_ID": CLIENT_ID}
    env["SLACK_CLIENT_SECRET"] = "not-the-secret"
    status, lines, _ = run(env)
    assert status == 1
    line = lines["Slack installation T0ONE (One)"]
    assert line.startswith("fail Slack would not refresh its rotating token ("), line
    assert "Check SLACK_CLIENT_ID and SLACK_CLIENT_SECRET" in line
    assert lines["scopes of installation T0ONE (One)"].startswith("skip ")
    assert standin.calls("auth.test") == []
