"""Checks made once at start, each turning a failure into one line that names the setting to fix.

`serve` runs them in gunicorn's master, before any worker forks: a worker that fails to boot
prints a traceback and takes the master down with it, and would hide which setting was wrong.
"""

from __future__ import annotations

import errno
import logging
import socket

from alembic.util.exc import CommandError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from slackapp.config import DEFAULT_API_URL, Settings
from slackapp.runtime.database import open_database
from slackapp.store.migrate import MigrationLockTimeout, upgrade

_APPS_PAGE = "your app's page at https://api.slack.com/apps"
_WHERE_TOKEN = {
    "SLACK_BOT_TOKEN": f"OAuth & Permissions > Bot User OAuth Token (xoxb-…) on {_APPS_PAGE}",
    "SLACK_APP_TOKEN": f"Basic Information > App-Level Tokens (xapp-…) on {_APPS_PAGE}",
}
#: Seconds each start-up call to Slack may take.
STARTUP_API_TIMEOUT = 10


class StartupError(Exception):
    """Valueboard cannot start as configured; the message names the setting and the fix."""


# -- the database ---------------------------------------------------------------------------


def migrate_database(settings: Settings) -> str:
    """Bring the schema up to date, proving the database answers; returns its safe URL."""
    try:
        # Migrations may legitimately run long: no statement limit, but connect and pool limits.
        db = open_database(settings, statement_timeout=False)
    except (SQLAlchemyError, OSError) as error:
        raise database_problem(error, settings) from error
    try:
        upgrade(db, lock_timeout=settings.db_migration_lock_timeout)
    except MigrationLockTimeout as error:
        raise StartupError(
            f"DATABASE_URL {safe_url(settings.database_url)}: another process has been "
            f"migrating the schema for over DB_MIGRATION_LOCK_TIMEOUT="
            f"{settings.db_migration_lock_timeout:g} s. Let it finish (or stop it), then start "
            "again; raise DB_MIGRATION_LOCK_TIMEOUT if a long migration is expected."
        ) from error
    except (SQLAlchemyError, OSError, CommandError) as error:
        raise database_problem(error, settings) from error
    finally:
        db.dispose()
    return safe_url(settings.database_url)


def database_problem(error: BaseException, settings: Settings) -> StartupError:
    """A one-line StartupError for a database failure, naming DATABASE_URL and its timeout."""
    url = safe_url(settings.database_url)
    reason = _first_line(getattr(error, "orig", None) or error)
    if isinstance(error, CommandError):
        return StartupError(
            f"DATABASE_URL {url}: its schema cannot be brought up to date ({reason}). "
            "Was it created by a newer Valueboard? Point DATABASE_URL at this version's database."
        )
    if "timeout" in reason.lower() or "timed out" in reason.lower():
        return StartupError(
            f"DATABASE_URL {url}: the database did not answer within "
            f"DB_CONNECT_TIMEOUT={settings.db_connect_timeout:g} s ({reason}). "
            "Check that it is running and that the host and port are right."
        )
    if settings.database_url.startswith("sqlite"):
        return StartupError(
            f"DATABASE_URL {url}: cannot use the database ({reason}). "
            "Check that its folder exists and is writable, or point DATABASE_URL elsewhere."
        )
    return StartupError(
        f"DATABASE_URL {url}: cannot use the database ({reason}). Check that PostgreSQL is "
        "running and that the URL's host, port, database name and credentials are right."
    )


def safe_url(url: str) -> str:
    """`url` with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(not a URL)"


# -- Slack ----------------------------------------------------------------------------------


def check_bot_token(settings: Settings) -> None:
    """Call auth.test with the bot token, so that a wrong token or API URL stops start-up."""
    try:
        auth_test(settings, token=settings.bot_token or "")
    except (SlackClientError, OSError) as error:
        raise slack_problem(error, settings, setting="SLACK_BOT_TOKEN") from error


def check_api_url(settings: Settings) -> None:
    """With installations there is no one token to test: check that SLACK_API_URL answers."""
    try:
        _client(settings, token=None).api_test()
    except (SlackClientError, OSError) as error:
        raise slack_problem(error, settings, setting="SLACK_API_URL") from error


def auth_test(settings: Settings, *, token: str) -> SlackResponse:
    """Slack's answer to auth.test with `token`: one try, within STARTUP_API_TIMEOUT.

    Raises SlackClientError or OSError; `slack_problem` turns either into one line.
    """
    return _client(settings, token=token).auth_test()


def check_app_token(settings: Settings) -> None:
    """Ask for a Socket Mode URL with the app-level token, so that a wrong one stops start-up.

    The URL is not used (it expires unused); Socket Mode asks for its own when it connects.
    """
    try:
        _client(settings, token=None).apps_connections_open(app_token=settings.app_token or "")
    except (SlackClientError, OSError) as error:
        raise slack_problem(error, settings, setting="SLACK_APP_TOKEN") from error


def _client(settings: Settings, *, token: str | None) -> WebClient:
    return WebClient(
        token=token,
        base_url=settings.api_url,
        timeout=STARTUP_API_TIMEOUT,
        # One try, and no log lines of slack_sdk's own: the StartupError says it all.
        retry_handlers=[],
        logger=_quiet_logger(),
    )


def _quiet_logger() -> logging.Logger:
    quiet = logging.getLogger(f"{__name__}.web_api")
    # Its failures become one StartupError line; under LOG_LEVEL=DEBUG, show everything.
    quiet.setLevel(
        logging.DEBUG if logging.getLogger().level <= logging.DEBUG else logging.CRITICAL
    )
    return quiet


def slack_problem(error: BaseException, settings: Settings, *, setting: str) -> StartupError:
    """A one-line StartupError for a failed start-up call to Slack's Web API."""
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        data = error.response.data
        code = data.get("error") if isinstance(data, dict) else None
        if status == 200 and isinstance(code, str):
            where = _WHERE_TOKEN.get(setting)
            if where is None:  # an installation's token, not a setting: only a reinstall helps
                return StartupError(
                    f"{setting} was refused by Slack ({code}). Reinstall the app to that "
                    "workspace, or remove the installation if the workspace left."
                )
            return StartupError(
                f"{setting} was refused by Slack ({code}). Copy it again from "
                f"{where}, and reinstall the app if it was removed."
            )
        return StartupError(
            f"SLACK_API_URL {settings.api_url} answered HTTP {status}, not like Slack's Web API. "
            f"Leave SLACK_API_URL unset to use {DEFAULT_API_URL}."
        )
    return StartupError(
        f"SLACK_API_URL {settings.api_url} could not be reached ({_first_line(error)}). "
        f"Check the network, or leave SLACK_API_URL unset to use {DEFAULT_API_URL}."
    )


# -- the listening address ----------------------------------------------------------------------


def check_address(host: str, port: int) -> None:
    """Fail with a clear message unless `host:port` can be listened on right now."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as error:
        raise StartupError(
            f"HOST {host!r} is not an address to listen on ({_first_line(error)}). "
            "Use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)."
        ) from error
    with socket.socket(family, kind, proto) as probe:
        # As gunicorn binds: a port left in TIME_WAIT by a previous run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise StartupError(_bind_problem(error, host, port)) from error


def _bind_problem(error: OSError, host: str, port: int) -> str:
    if error.errno == errno.EADDRINUSE:
        return (
            f"PORT {port} is already in use on {host}: stop what is listening there, "
            "or choose another port with PORT (in .env) or --port."
        )
    if error.errno == errno.EACCES:
        return f"PORT {port} needs privileges this user lacks; choose a port above 1023 with PORT."
    if error.errno == errno.EADDRNOTAVAIL:
        return f"HOST {host} is not an address of this machine; use 127.0.0.1 or 0.0.0.0."
    return f"cannot listen on {host}:{port} ({error.strerror}); check HOST and PORT."


def _first_line(error: object) -> str:
    wrapped = getattr(error, "reason", None)  # urllib's URLError wraps the socket error
    if isinstance(error, OSError) and isinstance(wrapped, BaseException | str):
        error = wrapped
    text = str(error).strip() or type(error).__name__
    line = text.splitlines()[0].strip()
    return line if len(line) <= 200 else line[:197] + "..."
