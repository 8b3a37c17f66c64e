"""A local Slack for Valueboard: the Web API, Slack's requests to the app, Socket Mode, and what
members see. Used by the sandbox (`slackapp sandbox`) and by the tests.

    python -m slackapp.sandbox.emulator --help
"""

from slackapp.sandbox.emulator.core import Route, SlackEmulator
from slackapp.sandbox.emulator.recording import RecordedCall
from slackapp.sandbox.emulator.surface import AppSurface, Shortcut, SlashCommand

__all__ = ["AppSurface", "RecordedCall", "Route", "Shortcut", "SlackEmulator", "SlashCommand"]
