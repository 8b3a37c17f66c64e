"""The `slackapp sandbox` command line: start the sandbox, or `send` to a running one."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from slackapp.config import Settings
from slackapp.sandbox.emulator.cli import parse_delay, parse_fault
from slackapp.sandbox.paths import DEFAULT_DATA_DIR, SandboxPaths
from slackapp.sandbox.seed import ADMIN, MARKETING


def add_parser(sub: Any) -> None:
    """Add `sandbox` (and `sandbox send`) to the `slackapp` subcommands."""
    sandbox = sub.add_parser(
        "sandbox", help="try Valueboard without Slack: a local Slack in your browser"
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="address of the page")
    sandbox.add_argument("--port", type=int, help="port of the page (default PORT or 3000)")
    sandbox.add_argument(
        "--data", type=Path, default=DEFAULT_DATA_DIR, help="the sandbox's own data folder"
    )
    sandbox.add_argument(
        "--fail",
        type=parse_fault,
        action="append",
        default=[],
        metavar="METHOD:ERROR[:TIMES]",
        help="make the local Slack refuse a Web API method (e.g. chat.postMessage:not_in_channel)",
    )
    sandbox.add_argument(
        "--slow",
        type=parse_delay,
        action="append",
        default=[],
        metavar="METHOD:SECONDS",
        help="make the local Slack answer a method slowly (e.g. users.info:2.5)",
    )
    actions = sandbox.add_subparsers(dest="sandbox_action", metavar="ACTION")
    send = actions.add_parser(
        "send",
        help="act as a member of a running sandbox",
        description='Send a slash command or a message as a member, e.g. send "/connect help".',
    )
    send.add_argument("text", help='"/connect …", "/leaderboard week", or a plain message')
    send.add_argument(
        "--as", dest="member", default=ADMIN.handle, help="member handle or id (default ana)"
    )
    send.add_argument(
        "--channel", default=MARKETING.name, help="channel name, or dm (default marketing)"
    )
    send.add_argument("--url", help="the sandbox's URL (default: noted in its data folder)")
    send.add_argument("--wait", type=float, default=3.0, help="seconds to wait for replies")
    send.add_argument("--data", type=Path, default=argparse.SUPPRESS)


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run `slackapp sandbox [send …]`; raises SandboxError for what a person can fix."""
    data = Path(getattr(args, "data", DEFAULT_DATA_DIR))
    port = getattr(args, "port", None) or settings.port
    if getattr(args, "sandbox_action", None) == "send":
        from slackapp.sandbox.send import sandbox_url, send

        base = sandbox_url(SandboxPaths(data), given=args.url, port=port)
        lines = send(base, text=args.text, member=args.member, channel=args.channel, wait=args.wait)
        print("\n".join(lines))
        return 0
    from slackapp.sandbox.runner import run_sandbox

    host = getattr(args, "host", None) or "127.0.0.1"
    faults = [*getattr(args, "fail", [])]
    delays = [*getattr(args, "slow", [])]
    return run_sandbox(settings, data_dir=data, host=host, port=port, faults=faults, delays=delays)
