"""The emulator's command line (`python -m slackapp.sandbox.emulator`): serve it in the foreground.

Members, channels and faults come from the command line, so a developer can reproduce a Slack
that refuses, throttles or dawdles without writing a test:

    python -m slackapp.sandbox.emulator --port 8099 \\
        --user U1:ana:America/New_York:admin --channel C1:general \\
        --fail chat.postMessage:not_in_channel:2 --slow users.info:2.5
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from slackapp.sandbox.emulator.core import SlackEmulator
from slackapp.sandbox.seed import VALUEBOARD


def _user(value: str) -> tuple[str, str, str, bool]:
    parts = value.split(":")
    if len(parts) < 2:
        raise argparse.ArgumentTypeError(f"{value!r}: expected ID:handle[:Zone/Name][:admin]")
    tz = parts[2] if len(parts) > 2 and parts[2] else "America/New_York"
    return parts[0], parts[1], tz, "admin" in parts[3:]


def _channel(value: str) -> tuple[str, str, bool, bool]:
    parts = value.split(":")
    if len(parts) < 2:
        raise argparse.ArgumentTypeError(f"{value!r}: expected ID:name[:private][:out]")
    flags = set(parts[2:])
    return parts[0], parts[1], "private" in flags, "out" not in flags


def parse_fault(value: str) -> tuple[str, str, int | None]:
    """METHOD:ERROR[:TIMES|always], as --fail takes it."""
    parts = value.split(":")
    if len(parts) < 2:
        raise argparse.ArgumentTypeError(f"{value!r}: expected METHOD:ERROR[:TIMES|always]")
    times = None if len(parts) < 3 or parts[2] == "always" else int(parts[2])
    return parts[0], parts[1], times


def parse_delay(value: str) -> tuple[str, float]:
    """METHOD:SECONDS, as --slow takes it."""
    method, _, seconds = value.rpartition(":")
    try:
        return method, float(seconds)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r}: expected METHOD:SECONDS") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m slackapp.sandbox.emulator",
        description="Serve a local Slack (Web API, Socket Mode, signed requests) until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--team-id", default="T0TEAM")
    parser.add_argument("--team-name", default="Acme")
    parser.add_argument("--bot-user-id", default="UBOT")
    parser.add_argument("--bot-token", default="xoxb-standin")
    parser.add_argument("--app-token", default="xapp-1-emulator")
    parser.add_argument("--signing-secret", default="emulator-signing-secret")
    parser.add_argument(
        "--scopes",
        help="the bot token's scopes, comma-separated, as Slack reports them in x-oauth-scopes "
        "(default: manifest.yml's)",
    )
    parser.add_argument(
        "--request-url", help="the app's /slack/events, for commands and clicks sent over HTTP"
    )
    parser.add_argument(
        "--user", type=_user, action="append", default=[], metavar="ID:HANDLE[:ZONE][:admin]"
    )
    parser.add_argument(
        "--channel", type=_channel, action="append", default=[], metavar="ID:NAME[:private][:out]"
    )
    parser.add_argument(
        "--fail", type=parse_fault, action="append", default=[], metavar="METHOD:ERROR[:TIMES]"
    )
    parser.add_argument(
        "--slow", type=parse_delay, action="append", default=[], metavar="METHOD:SECONDS"
    )
    parser.add_argument(
        "--rate-limit", type=parse_delay, action="append", default=[], metavar="METHOD:RETRY_AFTER"
    )
    parser.add_argument("--quiet", action="store_true", help="do not print each call")
    return parser


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator in the foreground until interrupted, printing its URL and each call."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(stream=sys.stdout, format="%(message)s", level=logging.INFO)
    emulator = SlackEmulator(
        team_id=args.team_id,
        team_name=args.team_name,
        bot_user_id=args.bot_user_id,
        bot_token=args.bot_token,
        app_token=args.app_token,
        signing_secret=args.signing_secret,
        request_url=args.request_url,
        # Valueboard's commands and shortcut, as its manifest declares them.
        surface=VALUEBOARD,
        host=args.host,
        port=args.port,
        log_calls=not args.quiet,
    )
    if args.scopes is not None:
        emulator.set_scopes(
            args.bot_token, (s.strip() for s in args.scopes.split(",") if s.strip())
        )
    for user_id, handle, tz, admin in args.user:
        emulator.add_user(user_id, name=handle, display_name=handle.title(), tz=tz, is_admin=admin)
    for channel_id, name, private, member in args.channel:
        emulator.add_channel(channel_id, name=name, is_private=private, is_member=member)
    for method, error, times in args.fail:
        emulator.fail(method, error, times=times)
    for method, seconds in args.slow:
        emulator.slow(method, seconds)
    for method, retry_after in args.rate_limit:
        emulator.rate_limit(method, retry_after=int(retry_after), times=1_000_000)
    emulator.start()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    print(
        f"Slack emulator ready at {emulator.api_url} "
        f"(bot token {args.bot_token}, app token {args.app_token})",
        flush=True,
    )
    for line in emulator.describe_faults():
        print(f"  fault: {line}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0
