"""`slackapp` / `python -m slackapp`: serve, socket, run, sandbox, migrate, export, deliver."""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import logging
import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import TextIO

from slackapp.clock import system_clock
from slackapp.config import ConfigError, Settings, load_settings
from slackapp.runtime.logs import configure_logging
from slackapp.sandbox import command as sandbox_command
from slackapp.store.connections import EXPORT_FIELDS, export_connections
from slackapp.store.db import Database
from slackapp.store.migrate import upgrade

log = logging.getLogger("slackapp")


class CliError(Exception):
    """A problem the person at the terminal can fix; printed without a traceback."""


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-11-27") from None


def _instant(value: str) -> datetime:
    try:
        instant = datetime.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO-8601 instant like 2027-03-15T13:00:00Z"
        ) from None
    if instant.utcoffset() is None:
        # A bare wall time means a different instant in every zone: make the caller say which.
        raise argparse.ArgumentTypeError(
            f"{value!r} has no UTC offset; add one, like 2027-03-15T09:00-04:00 or ...T13:00Z"
        )
    return instant


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slackapp", description="Valueboard: log real connections from Slack."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="serve Slack's HTTP requests (gunicorn)")
    serve.add_argument("--host", help="address to bind (default HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind (default PORT or 3000)")
    sub.add_parser("socket", help="connect to Slack over Socket Mode")
    sub.add_parser("run", help="socket or serve, whichever .env is set up for")
    sub.add_parser("migrate", help="bring the database schema up to date")
    export = sub.add_parser("export", help="write every logged connection to stdout")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--since", type=_date, help="first local date to include (YYYY-MM-DD)")
    export.add_argument("--until", type=_date, help="last local date to include (YYYY-MM-DD)")
    export.add_argument("--user", help="only this Slack user id")
    export.add_argument("--team", help="only this Slack team id")
    deliver = sub.add_parser(
        "deliver", help="send the nudges and digests that are due (one scheduler tick)"
    )
    deliver.add_argument(
        "--at",
        type=_instant,
        help="act as if the clock read this ISO-8601 instant, with its offset (default: now)",
    )
    sandbox_command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.log_level)
        return _dispatch(args, settings)
    except (ConfigError, CliError) as error:
        print(f"slackapp: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "migrate":
        db = Database(settings.database_url)
        upgrade(db)
        print(f"Database is up to date ({_safe_url(db)}).")
        return 0
    if args.command == "export":
        db = Database(settings.database_url)
        upgrade(db)
        if args.since and args.until and args.since > args.until:
            raise CliError("--since must not be after --until")
        export(
            db,
            out=sys.stdout,
            fmt=args.format,
            since=args.since,
            until=args.until,
            user_id=args.user,
            team_id=args.team,
        )
        return 0
    if args.command == "deliver":
        return deliver(settings, at=args.at)
    if args.command == "sandbox":
        return run_sandbox(args, settings)
    if args.command == "run":
        if settings.socket_mode:
            return run_socket(settings)
        if settings.bot_token and settings.signing_secret:
            return run_http(settings, host=None, port=None)
        if not (settings.bot_token or settings.signing_secret or settings.app_token):
            print(
                "slackapp: no Slack credentials in .env, so this starts the sandbox: the real "
                "app against a local Slack in your browser.\n"
                "          To connect to your own Slack, see 'Create the Slack app' in the README.",
                file=sys.stderr,
            )
            return run_sandbox(args, settings)
        raise ConfigError(
            "nothing to connect to yet. Put your app's credentials in .env "
            "(copy .env.example):\n"
            "  Socket Mode (simplest on a laptop): SLACK_BOT_TOKEN and SLACK_APP_TOKEN\n"
            "  HTTP mode (public URL): SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET\n"
            "The README's 'Create the Slack app' section shows where each one is."
        )
    if args.command == "socket":
        return run_socket(settings)
    if args.command == "serve":
        return run_http(settings, host=args.host, port=args.port)
    raise CliError(f"unknown command {args.command}")


def run_sandbox(args: argparse.Namespace, settings: Settings) -> int:
    """`slackapp sandbox [send …]` (and `run` with no credentials): see slackapp.sandbox."""
    from slackapp.sandbox.command import run_command
    from slackapp.sandbox.errors import SandboxError

    try:
        return run_command(args, settings)
    except SandboxError as error:
        raise CliError(str(error)) from error


def _safe_url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=True)


def export(
    db: Database,
    *,
    out: TextIO,
    fmt: str,
    since: date | None = None,
    until: date | None = None,
    user_id: str | None = None,
    team_id: str | None = None,
) -> int:
    """Write the matching connections to `out` as CSV or JSON lines; returns how many."""
    count = 0
    with db.session_scope() as session:
        rows = export_connections(
            session, since=since, until=until, user_id=user_id, team_id=team_id
        )
        if fmt == "csv":
            writer = csv.writer(out)
            writer.writerow(EXPORT_FIELDS)
            for row in rows:
                writer.writerow(dataclasses.astuple(row))
                count += 1
        else:
            out.write("[")
            for row in rows:
                out.write(
                    ("," if count else "")
                    + "\n"
                    + json.dumps(dataclasses.asdict(row), ensure_ascii=False)
                )
                count += 1
            out.write("\n]\n" if count else "]\n")
    return count


def deliver(settings: Settings, *, at: datetime | None) -> int:
    """Run one delivery tick and print what it sent and skipped."""
    settings.require_token()
    from slackapp.runtime.app import build_client
    from slackapp.scheduling.report import describe_report
    from slackapp.scheduling.tick import resume_reinstalled_team, run_tick

    db = Database(settings.database_url)
    upgrade(db)
    client = build_client(settings, scheduled=True)
    resume_reinstalled_team(db=db, client=client)
    report = run_tick(settings=settings, db=db, client=client, at=at or system_clock())
    for line in describe_report(report):
        print(line)
    db.dispose()
    # Per-delivery failures are normal outcomes; only a tick that could not do its job fails.
    return 1 if report.errors else 0


def run_http(settings: Settings, *, host: str | None, port: int | None) -> int:
    """Migrate, then serve Slack's requests with gunicorn."""
    settings.require_http()
    settings = dataclasses.replace(settings, host=host or settings.host, port=port or settings.port)
    upgrade(Database(settings.database_url))
    from slackapp.runtime.server import serve

    serve(settings)
    return 0


def run_socket(settings: Settings) -> int:
    """Migrate, then connect over Socket Mode."""
    settings.require_socket()
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from slackapp.runtime.app import build_app, build_client
    from slackapp.scheduling.tick import start_scheduler
    from slackapp.usecases.deps import Deps

    db = Database(settings.database_url)
    upgrade(db)
    app = build_app(settings, deps=Deps(settings=settings, db=db))
    if settings.scheduler_enabled:
        start_scheduler(
            settings=settings,
            db=db,
            client=build_client(settings, scheduled=True),
            clock=system_clock,
        )
    log.info("Valueboard is connecting to Slack over Socket Mode")
    SocketModeHandler(app, settings.app_token).start()  # type: ignore[no-untyped-call]
    return 0
