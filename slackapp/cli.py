"""`slackapp` / `python -m slackapp`: the command line (`slackapp --help` lists its commands)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import threading
import traceback
from collections.abc import Sequence
from datetime import date, datetime
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from slackapp.clock import system_clock
from slackapp.config import ConfigError, Settings, load_settings
from slackapp.runtime.database import open_database
from slackapp.runtime.doctor import run_doctor
from slackapp.runtime.logs import configure_logging
from slackapp.runtime.startup import (
    StartupError,
    check_address,
    check_api_url,
    check_app_token,
    check_bot_token,
    database_problem,
    migrate_database,
    slack_problem,
)
from slackapp.sandbox import command as sandbox_command
from slackapp.store.db import Database
from slackapp.store.export import export_connections, write_csv

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
    doctor = sub.add_parser(
        "doctor", help="check settings, database, schema and Slack tokens; one line each"
    )
    doctor.add_argument(
        "--debug", action="store_true", help="also print each failure's traceback (to stderr)"
    )
    export = sub.add_parser("export", help="write every logged connection to stdout")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--since", type=_date, help="first local date to include (YYYY-MM-DD)")
    export.add_argument("--until", type=_date, help="last local date to include (YYYY-MM-DD)")
    export.add_argument("--user", help="only this Slack user id")
    export.add_argument("--team", help="only this Slack team id")
    purge = sub.add_parser(
        "purge", help="delete every row of one workspace now (after showing what, and asking)"
    )
    purge.add_argument("--team", required=True, help="the Slack team id (T…) to delete")
    purge.add_argument(
        "--yes", action="store_true", help="do not ask (for scripts); without it, a terminal asks"
    )
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
    debug = False
    try:
        if args.command == "doctor":
            # Before the settings are loaded: reporting on bad ones is part of its job.
            debug = args.debug
            return run_doctor(out=sys.stdout, err=sys.stderr, debug=args.debug)
        settings = load_settings()
        debug = settings.log_level == "DEBUG"
        configure_logging(settings.log_level)
        return _dispatch(args, settings)
    except (ConfigError, CliError) as error:
        return _fail(error, str(error), status=2, debug=debug)
    except StartupError as error:
        return _fail(error, str(error), status=1, debug=debug)
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        # Unforeseen: still one line, with the traceback for whoever asks for it.
        summary = (str(error).strip().splitlines() or [""])[0][:200]
        message = (
            f"{args.command} failed: {type(error).__name__}: {summary} "
            "(set LOG_LEVEL=DEBUG to see where)"
        )
        return _fail(error, message, status=1, debug=debug)


def _fail(error: BaseException, message: str, *, status: int, debug: bool) -> int:
    """Print `message` as the one line a person reads; the traceback only with LOG_LEVEL=DEBUG."""
    if debug:
        traceback.print_exception(error, file=sys.stderr)
    print(f"slackapp: {message}", file=sys.stderr)
    return status


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "migrate":
        print(f"Database is up to date ({migrate_database(settings)}).")
        return 0
    if args.command == "export":
        if args.since and args.until and args.since > args.until:
            raise CliError("--since must not be after --until")
        migrate_database(settings)
        # An export of years of data may take a while: no statement limit.
        db = open_database(settings, statement_timeout=False)
        try:
            export(
                db,
                out=sys.stdout,
                fmt=args.format,
                since=args.since,
                until=args.until,
                user_id=args.user,
                team_id=args.team,
            )
        except SQLAlchemyError as error:
            raise database_problem(error, settings) from error
        finally:
            db.dispose()
        return 0
    if args.command == "deliver":
        return deliver(settings, at=args.at)
    if args.command == "purge":
        return purge(settings, team_id=args.team, yes=args.yes)
    if args.command == "sandbox":
        return run_sandbox(args, settings)
    if args.command == "run":
        if settings.socket_mode:
            return run_socket(settings)
        if (settings.bot_token or settings.oauth) and settings.signing_secret:
            return run_http(settings, host=None, port=None)
        if not (
            settings.bot_token or settings.signing_secret or settings.app_token or settings.oauth
        ):
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
            "  Many workspaces (Add to Slack, HTTP): SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and "
            "SLACK_SIGNING_SECRET\n"
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
    # A read, without the write lock or a place at the read gate: an export can be long.
    with db.read_scope(take_turn=False) as session:
        rows = export_connections(
            session, since=since, until=until, user_id=user_id, team_id=team_id
        )
        if fmt == "csv":
            count = write_csv(out, rows)
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


def purge(
    settings: Settings,
    *,
    team_id: str,
    yes: bool,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
) -> int:
    """`slackapp purge --team T`: show what the workspace holds, confirm, delete it all."""
    from slackapp.usecases import retention
    from slackapp.usecases.deps import Deps

    stdin = stdin or sys.stdin
    out = out or sys.stdout
    team_id = team_id.strip()
    if not team_id or not team_id.isalnum():
        raise CliError(f"--team {team_id!r} is not a Slack team id like T0123ABCD")
    migrate_database(settings)
    # A large workspace goes in bounded batches, so the usual statement limit holds.
    db = open_database(settings)
    try:
        deps = Deps(settings=settings, db=db)
        counts = retention.team_rows(deps, team_id=team_id)
        if not counts:
            raise CliError(f"no data for team {team_id} in this database; nothing to delete")
        print(f"Team {team_id} has {sum(counts.values()):,} rows:", file=out)
        for table, count in sorted(counts.items()):
            print(f"  {table:<24} {count:>10,}", file=out)
        if not yes:
            if not stdin.isatty():
                raise CliError(
                    "purge deletes data for good, so it asks first: run it in a terminal, "
                    "or add --yes to confirm from a script"
                )
            print(
                f"Type the team id ({team_id}) to delete all of this for good: ", end="", file=out
            )
            out.flush()
            if stdin.readline().strip() != team_id:
                raise CliError("not confirmed; nothing was deleted")
        result = retention.purge_now(deps, team_id=team_id)
    except SQLAlchemyError as error:
        raise database_problem(error, settings) from error
    finally:
        db.dispose()
    print(f"Deleted {result.total:,} rows of team {team_id}.", file=out)
    return 0


def deliver(settings: Settings, *, at: datetime | None) -> int:
    """Run one delivery tick and print what it sent and skipped."""
    settings.require_token()
    from slackapp.runtime.app import build_team_clients
    from slackapp.scheduling.report import describe_report
    from slackapp.scheduling.retention import purge_expired_teams
    from slackapp.scheduling.tick import resume_reinstalled_team, run_tick

    migrate_database(settings)
    db = open_database(settings)
    try:
        from slackapp.usecases.deps import Deps

        client = build_team_clients(settings, Deps(settings=settings, db=db))
        resume_reinstalled_team(db=db, client=client)
        report = run_tick(settings=settings, db=db, client=client, at=at or system_clock())
        # With SCHEDULER_ENABLED=false this is the only retention check: cron runs it. It
        # reads the real clock even with --at: a rehearsal of next month must not delete data.
        purged = purge_expired_teams(
            db=db, at=system_clock(), retention_days=settings.data_retention_days
        )
    except SQLAlchemyError as error:
        raise database_problem(error, settings) from error
    finally:
        db.dispose()
    for line in describe_report(report):
        print(line)
    for result in purged:
        if result.total and not result.stopped:
            print(
                f"deleted the data of team {result.team_id} ({result.total:,} rows): "
                f"uninstalled more than {settings.data_retention_days} days ago"
            )
    # Per-delivery failures are normal outcomes; only a tick that could not do its job fails.
    return 1 if report.errors else 0


def run_http(settings: Settings, *, host: str | None, port: int | None) -> int:
    """Check the address, database and token, migrate, then serve Slack's requests (gunicorn)."""
    settings.require_http()
    settings = dataclasses.replace(settings, host=host or settings.host, port=port or settings.port)
    # In this (gunicorn's master) process, before any worker forks: see slackapp.runtime.startup.
    check_address(settings.host, settings.port)
    if settings.oauth:
        check_api_url(settings)
    else:
        check_bot_token(settings)
    migrate_database(settings)
    from slackapp.runtime.server import serve

    serve(settings)
    return 0


def run_socket(settings: Settings) -> int:
    """Check the database and tokens, migrate, then connect over Socket Mode."""
    settings.require_socket()
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackClientError

    from slackapp.runtime.app import build_app, build_client
    from slackapp.scheduling.tick import start_scheduler
    from slackapp.usecases.deps import Deps

    check_bot_token(settings)
    check_app_token(settings)
    migrate_database(settings)
    db = open_database(settings)
    app = build_app(settings, deps=Deps(settings=settings, db=db))
    handler = SocketModeHandler(app, settings.app_token)
    log.info("Valueboard is connecting to Slack over Socket Mode")
    try:
        handler.connect()  # type: ignore[no-untyped-call]
    except (SlackClientError, OSError) as error:
        raise slack_problem(error, settings, setting="SLACK_APP_TOKEN") from error
    if settings.scheduler_enabled:
        start_scheduler(
            settings=settings,
            db=db,
            client=build_client(settings, scheduled=True),
            clock=system_clock,
        )
    log.info("Valueboard is connected over Socket Mode; stop it with Ctrl-C")
    threading.Event().wait()
    return 0
