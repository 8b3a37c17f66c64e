"""The emulator's command line: members, channels and faults, and a log a person can read."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackapp.sandbox.emulator.cli import build_parser, parse_delay, parse_fault


def test_members_channels_and_faults_are_read_from_the_command_line() -> None:
    args = build_parser().parse_args(
        [
            "--user", "U1:ana:Europe/Berlin:admin",
            "--user", "U2:ben",
            "--channel", "C1:general",
            "--channel", "C2:secret:private:out",
            "--fail", "chat.postMessage:not_in_channel:2",
            "--fail", "users.info:fatal_error:always",
            "--slow", "views.open:2.5",
        ]
    )  # fmt: skip

    assert args.user == [
        ("U1", "ana", "Europe/Berlin", True),
        ("U2", "ben", "America/New_York", False),
    ]
    assert args.channel == [("C1", "general", False, True), ("C2", "secret", True, False)]
    assert args.fail == [
        ("chat.postMessage", "not_in_channel", 2),
        ("users.info", "fatal_error", None),
    ]
    assert args.slow == [("views.open", 2.5)]


def test_a_fault_without_an_error_is_refused() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="METHOD:ERROR"):
        parse_fault("chat.postMessage")


def test_a_delay_needs_seconds() -> None:
    assert parse_delay("users.info:0.5") == ("users.info", 0.5)
    with pytest.raises(argparse.ArgumentTypeError, match="METHOD:SECONDS"):
        parse_delay("users.info:soon")


@pytest.mark.slow
def test_the_emulator_runs_in_the_foreground_as_told() -> None:
    process = subprocess.Popen(
        [
            sys.executable, "-m", "slackapp.sandbox.emulator", "--port", "0",
            "--user", "U1:ana:Europe/Berlin:admin", "--channel", "C1:general",
            "--fail", "chat.postMessage:not_in_channel:1",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        api_url = banner.split(" at ", 1)[1].split()[0]
        assert (
            process.stdout.readline().strip() == "fault: chat.postMessage fail: not_in_channel (x1)"
        )
        client = WebClient(token="xoxb-standin", base_url=api_url)

        assert client.users_info(user="U1")["user"]["tz"] == "Europe/Berlin"
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="C1", text="refused once")
        client.chat_postEphemeral(channel="C1", user="U1", text="only for Ana")

        lines = [process.stdout.readline() for _ in range(3)]
    finally:
        process.terminate()
        process.wait(timeout=5)
    assert lines[0].startswith("users.info") and "ana" in lines[0].lower()
    assert lines[1].startswith("chat.postMessage") and "not_in_channel (scripted)" in lines[1]
    assert lines[2].startswith("chat.postEphemeral")
    assert '#general, only Ana: "only for Ana"' in lines[2]
    assert process.returncode == 0
