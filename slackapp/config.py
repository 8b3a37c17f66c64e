"""One typed settings object, read once at start and passed in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///var/valueboard.db"
DEFAULT_AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"
#: Serving processes when WEB_WORKERS is not set (each with WEB_THREADS threads).
DEFAULT_WEB_WORKERS = 2

_WHERE_APP = "your app's page at https://api.slack.com/apps"
_HINTS: dict[str, str] = {
    "SLACK_BOT_TOKEN": f"OAuth & Permissions > Bot User OAuth Token (xoxb-…) on {_WHERE_APP}",
    "SLACK_SIGNING_SECRET": f"Basic Information > App Credentials > Signing Secret on {_WHERE_APP}",
    "SLACK_APP_TOKEN": (
        f"Basic Information > App-Level Tokens (xapp-…, scope connections:write) on {_WHERE_APP}"
    ),
    "SLACK_CLIENT_ID": f"Basic Information > App Credentials > Client ID on {_WHERE_APP}",
    "SLACK_CLIENT_SECRET": f"Basic Information > App Credentials > Client Secret on {_WHERE_APP}",
}


class ConfigError(ValueError):
    """The environment does not describe a runnable app; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the app reads from its environment, validated."""

    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    # Many workspaces ("Add to Slack"): the app's OAuth credentials instead of one bot token.
    client_id: str | None = None
    client_secret: str | None = None
    redirect_uri: str | None = None
    authorize_url: str = DEFAULT_AUTHORIZE_URL
    # Minutes before a rotating token expires that it is refreshed (requests and scheduler).
    token_rotation_minutes: int = 120
    api_url: str = DEFAULT_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 3000
    log_level: str = "INFO"
    daily_goal: int = 10
    daily_cap: int = 50
    default_timezone: str = "UTC"
    admin_user_ids: frozenset[str] = field(default_factory=frozenset)
    scheduler_enabled: bool = True
    # How late a scheduled post may still go out after downtime; older ones are skipped.
    delivery_grace_minutes: int = 120
    # Scheduled posts in flight at once per process, and each workspace's budget of posts per
    # minute (Slack allows about one a second per channel plus a workspace-wide limit).
    delivery_concurrency: int = 16
    delivery_workspace_per_minute: int = 300
    listener_workers: int = 16
    web_threads: int = 16
    web_queue_limit: float = 2
    web_workers: int = 2
    # Seconds to wait for the database: to connect, for a free pooled connection, per statement.
    db_connect_timeout: float = 3
    db_pool_timeout: float = 2
    db_statement_timeout: float = 5
    # Seconds a starting process waits while another one migrates the schema.
    db_migration_lock_timeout: float = 300
    # Days a workspace's data is kept after it uninstalls Valueboard (or revokes its token).
    data_retention_days: int = 30

    @property
    def oauth(self) -> bool:
        """Whether installations come from "Add to Slack" (OAuth) rather than one bot token."""
        return bool(self.client_id)

    @property
    def socket_mode(self) -> bool:
        """Whether the app should connect over Socket Mode rather than serve HTTP."""
        return bool(self.app_token)

    def require_http(self) -> None:
        """Fail with a helpful message unless HTTP mode has what it needs."""
        if self.oauth:
            _require(self, "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_SIGNING_SECRET")
        else:
            _require(self, "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")

    def require_socket(self) -> None:
        """Fail with a helpful message unless Socket Mode has what it needs."""
        if self.oauth:
            raise ConfigError(
                "Socket Mode serves one workspace with SLACK_BOT_TOKEN; installing to many "
                "workspaces (SLACK_CLIENT_ID) needs HTTP mode. Remove SLACK_APP_TOKEN to serve "
                "HTTP, or remove SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to use Socket Mode."
            )
        _require(self, "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")

    def require_token(self) -> None:
        """Fail with a helpful message unless the app has tokens: one, or installations."""
        if self.oauth:
            _require(self, "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
        else:
            _require(self, "SLACK_BOT_TOKEN")


def _require(settings: Settings, *names: str) -> None:
    values = {
        "SLACK_BOT_TOKEN": settings.bot_token,
        "SLACK_SIGNING_SECRET": settings.signing_secret,
        "SLACK_APP_TOKEN": settings.app_token,
        "SLACK_CLIENT_ID": settings.client_id,
        "SLACK_CLIENT_SECRET": settings.client_secret,
    }
    missing = [name for name in names if not values[name]]
    if missing:
        lines = [f"  {name}: {_HINTS[name]}" for name in missing]
        raise ConfigError(
            "Valueboard needs these settings (in the environment or in .env):\n"
            + "\n".join(lines)
            + "\nSee .env.example and the README for the walk-through."
        )


def load_settings(
    environ: Mapping[str, str] | None = None, *, dotenv_path: str | Path | None = ".env"
) -> Settings:
    """Read settings from `environ` (default: the process environment) over `.env`; validate."""
    env: dict[str, str] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        env.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    env.update(os.environ if environ is None else environ)
    errors: list[str] = []

    def text(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    def integer(name: str, default: int, low: int, high: int) -> int:
        raw = text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            errors.append(f"{name} must be a whole number, got {raw!r}")
            return default
        if not low <= value <= high:
            errors.append(f"{name} must be between {low} and {high}, got {value}")
        return value

    def seconds(name: str, default: float, low: float, high: float) -> float:
        raw = text(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            errors.append(f"{name} must be a number of seconds, got {raw!r}")
            return default
        if not low <= value <= high:  # also refuses nan
            errors.append(f"{name} must be between {low:g} and {high:g} seconds, got {raw}")
            return default
        return value

    def boolean(name: str, default: bool) -> bool:
        raw = text(name)
        if raw is None:
            return default
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        errors.append(f"{name} must be true or false, got {raw!r}")
        return default

    bot_token = text("SLACK_BOT_TOKEN")
    if bot_token and not bot_token.startswith("xoxb-"):
        errors.append(f"SLACK_BOT_TOKEN must start with xoxb- ({_HINTS['SLACK_BOT_TOKEN']})")
    app_token = text("SLACK_APP_TOKEN")
    if app_token and not app_token.startswith("xapp-"):
        errors.append(f"SLACK_APP_TOKEN must start with xapp- ({_HINTS['SLACK_APP_TOKEN']})")
    client_id, client_secret = text("SLACK_CLIENT_ID"), text("SLACK_CLIENT_SECRET")
    errors.extend(_oauth_problems(bot_token=bot_token, client_id=client_id, secret=client_secret))
    authorize_url = text("SLACK_AUTHORIZE_URL") or DEFAULT_AUTHORIZE_URL
    if not authorize_url.startswith(("http://", "https://")):
        errors.append(f"SLACK_AUTHORIZE_URL must be an http(s) URL, got {authorize_url!r}")
    redirect_uri = text("SLACK_REDIRECT_URI")
    if redirect_uri and not redirect_uri.startswith(("http://", "https://")):
        errors.append(
            "SLACK_REDIRECT_URI must be the http(s) URL of /slack/oauth_redirect, "
            f"like https://valueboard.example.com/slack/oauth_redirect, got {redirect_uri!r}"
        )
    api_url = text("SLACK_API_URL") or DEFAULT_API_URL
    if not api_url.startswith(("http://", "https://")):
        errors.append(f"SLACK_API_URL must be an http(s) URL, got {api_url!r}")
    if not api_url.endswith("/"):
        api_url += "/"
    log_level = (text("LOG_LEVEL") or "INFO").upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        errors.append(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}")
    default_tz = text("DEFAULT_TIMEZONE") or "UTC"
    try:
        ZoneInfo(default_tz)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(
            f"DEFAULT_TIMEZONE must be an IANA time zone like Europe/Berlin, got {default_tz!r}"
        )
    database_url = text("DATABASE_URL") or DEFAULT_DATABASE_URL
    database_problem = _database_url_problem(database_url)
    if database_problem:
        errors.append(f"DATABASE_URL {database_problem}")
    admins = frozenset(
        part.strip() for part in (text("ADMIN_USER_IDS") or "").split(",") if part.strip()
    )
    settings = Settings(
        bot_token=bot_token,
        signing_secret=text("SLACK_SIGNING_SECRET"),
        app_token=app_token,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        authorize_url=authorize_url,
        token_rotation_minutes=integer("SLACK_TOKEN_ROTATION_MINUTES", 120, 1, 11 * 60),
        api_url=api_url,
        database_url=database_url,
        host=text("HOST") or "127.0.0.1",
        port=integer("PORT", 3000, 1, 65535),
        log_level=log_level,
        daily_goal=integer("DAILY_GOAL", 10, 1, 100),
        daily_cap=integer("DAILY_CAP", 50, 1, 1000),
        default_timezone=default_tz,
        admin_user_ids=admins,
        scheduler_enabled=boolean("SCHEDULER_ENABLED", True),
        delivery_grace_minutes=integer("DELIVERY_GRACE_MINUTES", 120, 1, 24 * 60),
        delivery_concurrency=integer("DELIVERY_CONCURRENCY", 16, 1, 256),
        delivery_workspace_per_minute=integer("DELIVERY_WORKSPACE_PER_MINUTE", 300, 1, 6000),
        listener_workers=integer("LISTENER_WORKERS", 16, 1, 256),
        web_threads=integer("WEB_THREADS", 16, 1, 256),
        web_queue_limit=seconds("WEB_QUEUE_LIMIT", 2, 0.1, 30),
        web_workers=integer("WEB_WORKERS", DEFAULT_WEB_WORKERS, 1, 64),
        db_connect_timeout=seconds("DB_CONNECT_TIMEOUT", 3, 1, 60),
        db_pool_timeout=seconds("DB_POOL_TIMEOUT", 2, 0.1, 60),
        db_statement_timeout=seconds("DB_STATEMENT_TIMEOUT", 5, 0.1, 600),
        db_migration_lock_timeout=seconds("DB_MIGRATION_LOCK_TIMEOUT", 300, 1, 3600),
        data_retention_days=integer("DATA_RETENTION_DAYS", 30, 1, 3650),
    )
    if errors:
        raise ConfigError("Valueboard's settings need fixing:\n  " + "\n  ".join(errors))
    return settings


def _oauth_problems(
    *, bot_token: str | None, client_id: str | None, secret: str | None
) -> list[str]:
    """Whether the Slack credentials describe one mode: one bot token, or OAuth installs."""
    if bot_token and (client_id or secret):
        return [
            "SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set, but Valueboard "
            "runs either for one workspace (SLACK_BOT_TOKEN) or for many, installed with "
            "'Add to Slack' (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET). Remove SLACK_BOT_TOKEN "
            "to install to many workspaces, or remove SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
            "to keep one."
        ]
    if client_id and not secret:
        return [
            "SLACK_CLIENT_ID is set without SLACK_CLIENT_SECRET: add it "
            f"({_HINTS['SLACK_CLIENT_SECRET']}), or remove SLACK_CLIENT_ID to use one bot token."
        ]
    if secret and not client_id:
        return [
            "SLACK_CLIENT_SECRET is set without SLACK_CLIENT_ID: add it "
            f"({_HINTS['SLACK_CLIENT_ID']}), or remove SLACK_CLIENT_SECRET to use one bot token."
        ]
    return []


# PostgreSQL goes through psycopg 3 (installed with Valueboard); plain postgresql:// picks it.
_DRIVERS = frozenset({"sqlite", "sqlite+pysqlite", "postgresql", "postgres", "postgresql+psycopg"})
_DATABASE_EXAMPLES = "like sqlite:///var/valueboard.db or postgresql://user:password@host:5432/name"


def _database_url_problem(url: str) -> str | None:
    """What is wrong with a DATABASE_URL's shape (not whether it answers), or None."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return f"is not a database URL; write one {_DATABASE_EXAMPLES}"
    if parsed.drivername not in _DRIVERS:
        return (
            f"names {parsed.drivername!r}, which Valueboard does not support; "
            f"use SQLite or PostgreSQL, {_DATABASE_EXAMPLES}"
        )
    return None
