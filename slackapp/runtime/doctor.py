"""`slackapp doctor`: check a deployment from its settings to Slack, one line per check.

It runs what start-up runs (the settings' validation, the database with its timeouts, auth.test)
and what start-up cannot know is wrong until a member finds out: a schema behind this version's
migrations, and a token granted fewer scopes than manifest.yml asks for. It changes nothing: it
neither migrates nor creates a SQLite file.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

from slack_sdk.errors import SlackApiError, SlackClientError, SlackTokenRotationError
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from slackapp.config import ConfigError, Settings, load_settings
from slackapp.runtime.app import build_team_clients
from slackapp.runtime.database import open_database
from slackapp.runtime.startup import (
    StartupError,
    auth_test,
    check_app_token,
    database_problem,
    safe_url,
    slack_problem,
)
from slackapp.slack.clients import CLIENT_ERRORS
from slackapp.slack.scopes import BOT_SCOPES, granted_scopes
from slackapp.store.db import Database, single_statement_reads
from slackapp.store.installations import installed_bots
from slackapp.store.migrate import current_revision, head_revision, is_known_revision
from slackapp.usecases.deps import Deps

Status = Literal["ok", "fail", "skip"]

_MIGRATE = "run `slackapp migrate` (or start the app: it migrates on start)"
_ADD_SCOPES = (
    "add them under OAuth & Permissions > Scopes on your app's page at "
    "https://api.slack.com/apps (or paste manifest.yml again under App Manifest), "
    "then reinstall the app to the workspace"
)


@dataclass(frozen=True, slots=True)
class Finding:
    """The outcome of one check: what was checked, how it went, and what to do about it."""

    check: str
    status: Status
    detail: str
    error: BaseException | None = None

    def line(self) -> str:
        """The one line a person reads."""
        return f"{self.status:<4}  {self.check}: {self.detail}"


def run_doctor(
    *,
    out: TextIO,
    err: TextIO,
    debug: bool = False,
    environ: Mapping[str, str] | None = None,
    dotenv_path: str | Path | None = ".env",
) -> int:
    """Print one line per check to `out`; 1 if any failed, else 0.

    Tracebacks of failures go to `err` only with `debug` (or LOG_LEVEL=DEBUG).
    """
    debug = debug or _debug_logging(environ, dotenv_path)
    failed = False
    for finding in diagnose(environ=environ, dotenv_path=dotenv_path):
        if finding.error is not None and debug:
            traceback.print_exception(finding.error, file=err)
        print(finding.line(), file=out, flush=True)
        failed = failed or finding.status == "fail"
    return 1 if failed else 0


def _debug_logging(environ: Mapping[str, str] | None, dotenv_path: str | Path | None) -> bool:
    try:
        return load_settings(environ, dotenv_path=dotenv_path).log_level == "DEBUG"
    except ConfigError:
        return False


def diagnose(
    *, environ: Mapping[str, str] | None = None, dotenv_path: str | Path | None = ".env"
) -> Iterator[Finding]:
    """Every check in order, each yielded as soon as it is done."""
    try:
        settings = load_settings(environ, dotenv_path=dotenv_path)
    except ConfigError as error:
        yield Finding("configuration", "fail", _one_line(str(error)), error)
        for check in ("database", "schema", "Slack"):
            yield Finding(check, "skip", "not checked until the configuration is fixed")
        return
    yield _configuration(settings)

    db: Database | None = None
    try:
        found, db = _database(settings)
        yield found
        if db is None:
            yield Finding("schema", "skip", "not checked until the database answers")
        else:
            yield _schema(db, settings)
        tokens = _tokens_to_check(settings, db)
        refreshed = _refreshed(settings, db, tokens)
    finally:
        if db is not None:
            db.dispose()
    if not tokens and settings.oauth:
        yield Finding(
            "Slack",
            "skip",
            "no installation yet: open /slack/install on this server and press Add to Slack"
            if db is not None
            else "installations not checked until the database answers",
        )
    elif not tokens:
        yield Finding("Slack", "skip", "no bot token to check (set SLACK_BOT_TOKEN)")
    for label, token in tokens:
        fresh = refreshed.get(label, token)
        if isinstance(fresh, Finding):
            yield fresh
            yield Finding(f"scopes of {label}", "skip", "not checked until the token works")
        else:
            yield from _token(settings, label=label, token=fresh)
    if settings.app_token:
        yield _app_token(settings)


def _refreshed(
    settings: Settings, db: Database | None, tokens: list[tuple[str, str]]
) -> dict[str, str | Finding]:
    """Each installation's token as the app would act with it: a rotating token that expires
    within TOKEN_ROTATION_MINUTES is refreshed first (and saved, as the app saves it), or the
    refresh's failure. Empty with one bot token."""
    if not settings.oauth or db is None or not tokens or not settings.client_id:
        return {}
    clients = build_team_clients(settings, Deps(settings=settings, db=db))
    try:
        with single_statement_reads(db.engine).connect() as connection:
            found = installed_bots(connection, client_id=settings.client_id)
    except SQLAlchemyError:
        return {}  # the schema check says what is wrong
    bots = {bot.label: bot for bot in found}
    fresh: dict[str, str | Finding] = {}
    for label, _token_now in tokens:
        bot = bots.get(label)
        if bot is None:
            continue
        try:
            client = clients.client_for(bot.team_id or "", bot.enterprise_id)
        except CLIENT_ERRORS as error:
            fresh[label] = Finding(
                f"Slack {label}", "fail", _refresh_problem(error, settings), error
            )
            continue
        if client is not None and client.token:
            fresh[label] = client.token
    return fresh


def _refresh_problem(error: BaseException, settings: Settings) -> str:
    refused = error.api_error if isinstance(error, SlackTokenRotationError) else error
    if isinstance(refused, SlackApiError) and isinstance(refused.response.data, dict):
        code = refused.response.data.get("error") or "refused"
        return (
            f"Slack would not refresh its rotating token ({code}). Check SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET against your app's Basic Information page; if they are right, "
            "reinstall the app to that workspace."
        )
    return f"could not refresh its rotating token: {slack_problem(refused, settings, setting='')}"


def _tokens_to_check(settings: Settings, db: Database | None) -> list[tuple[str, str]]:
    """(label, token) for every bot token the app acts with; `db` is None when it is down.

    SLACK_BOT_TOKEN, or with "Add to Slack" each installation's newest bot token, labelled so
    that a person knows which workspace it is, e.g. "installation T0123 (Acme)".
    """
    if not settings.oauth:
        return [("SLACK_BOT_TOKEN", settings.bot_token)] if settings.bot_token else []
    if db is None or not settings.client_id:
        return []
    try:
        with single_statement_reads(db.engine).connect() as connection:
            bots = installed_bots(connection, client_id=settings.client_id)
    except SQLAlchemyError:
        return []  # the schema check says what is wrong (no installation tables yet)
    return [(bot.label, bot.bot_token) for bot in bots]


def _configuration(settings: Settings) -> Finding:
    mode, require = (
        ("Socket Mode", settings.require_socket)
        if settings.socket_mode
        else (
            "HTTP mode, many workspaces" if settings.oauth else "HTTP mode",
            settings.require_http,
        )
    )
    try:
        require()
    except ConfigError as error:
        return Finding("configuration", "fail", f"{mode}: {_one_line(str(error))}", error)
    return Finding("configuration", "ok", f"{mode}, every setting valid")


def _database(settings: Settings) -> tuple[Finding, Database | None]:
    """Whether the database answers within its timeouts, and the open database if it does."""
    url = safe_url(settings.database_url)
    missing = _missing_sqlite_file(settings.database_url)
    if missing is not None:
        return Finding(
            "database",
            "fail",
            f"DATABASE_URL {url}: the file {missing} does not exist yet; {_MIGRATE} "
            "to create it, or point DATABASE_URL at the existing one.",
        ), None
    db: Database | None = None
    try:
        db = open_database(settings)
        with single_statement_reads(db.engine).connect() as connection:
            connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as error:
        if db is not None:
            db.dispose()
        return Finding("database", "fail", str(database_problem(error, settings)), error), None
    return Finding("database", "ok", f"DATABASE_URL {url} answers"), db


def _missing_sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    name = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or name in {"", ":memory:"}:
        return None
    if name.startswith("file:"):
        return None
    path = Path(name)
    return None if path.exists() else path


def _schema(db: Database, settings: Settings) -> Finding:
    try:
        current = current_revision(db)
    except (SQLAlchemyError, OSError) as error:
        return Finding("schema", "fail", str(database_problem(error, settings)), error)
    head = head_revision()
    if current == head:
        return Finding("schema", "ok", f"at the newest migration ({head})")
    if current is None:
        return Finding("schema", "fail", f"the database has no tables yet; {_MIGRATE}.")
    if not is_known_revision(current):
        return Finding(
            "schema",
            "fail",
            f"at migration {current}, which this version of Valueboard does not know (a newer "
            "version migrated it): run that version, or restore a backup made for this one.",
        )
    return Finding(
        "schema", "fail", f"at migration {current}, behind this version's {head}; {_MIGRATE}."
    )


def _token(settings: Settings, *, label: str, token: str) -> Iterator[Finding]:
    """auth.test with `token`, then whether its scopes cover the manifest's."""
    try:
        answer = auth_test(settings, token=token)
    except (SlackClientError, OSError) as error:
        problem = slack_problem(error, settings, setting=label)
        yield Finding(f"Slack {label}", "fail", str(problem), error)
        yield Finding(f"scopes of {label}", "skip", "not checked until auth.test passes")
        return
    team = f"{answer.get('team') or '?'} ({answer.get('team_id') or '?'})"
    yield Finding(f"Slack {label}", "ok", f"auth.test passed as {answer.get('user')} in {team}")
    header = next(
        (value for name, value in answer.headers.items() if name.lower() == "x-oauth-scopes"),
        None,
    )
    granted = granted_scopes(header)
    if granted is None:
        yield Finding(
            f"scopes of {label}",
            "fail",
            f"SLACK_API_URL {settings.api_url} did not say which scopes the token has "
            "(no x-oauth-scopes header); Slack always does: check SLACK_API_URL.",
        )
        return
    missing = sorted(BOT_SCOPES - granted)
    if missing:
        yield Finding(
            f"scopes of {label}",
            "fail",
            f"missing {', '.join(missing)} of the scopes manifest.yml asks for; {_ADD_SCOPES}.",
        )
        return
    yield Finding(
        f"scopes of {label}", "ok", f"cover manifest.yml ({', '.join(sorted(BOT_SCOPES))})"
    )


def _app_token(settings: Settings) -> Finding:
    try:
        check_app_token(settings)
    except StartupError as error:
        return Finding("Slack SLACK_APP_TOKEN", "fail", str(error), error)
    return Finding("Slack SLACK_APP_TOKEN", "ok", "Socket Mode accepts it")


def _one_line(message: str) -> str:
    return " ".join(part.strip() for part in message.splitlines() if part.strip())
