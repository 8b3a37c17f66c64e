"""The sandbox's workspace: Valueboard as installed, its members, channels and first messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from slackapp.sandbox.emulator import AppSurface, Shortcut, SlackEmulator, SlashCommand

TEAM_ID: Final = "T0SANDBOX"
TEAM_NAME: Final = "Acme"
BOT_USER_ID: Final = "U0VALUEBRD"

#: Valueboard's slash commands and shortcut, as manifest.yml declares them (a test checks).
VALUEBOARD: Final = AppSurface(
    name="Valueboard",
    commands=(
        SlashCommand(
            "/connect",
            "Log a real connection (or /connect help, settings, export, forget-me)",
            "solve @jane on twitter answered her question https://x.com/jane/status/1",
            should_escape=True,
        ),
        SlashCommand(
            "/leaderboard",
            "Where the team stands on value given",
            "[people|relationships] [today|week|month|all|7d|30d] [solve|care|laugh|opportunity]",
        ),
        SlashCommand("/mystats", "Your day, your streaks and your week"),
    ),
    shortcuts=(
        Shortcut(
            "Log as a connection",
            "log_message_as_connection",
            description="Log this message as a real connection you made",
        ),
    ),
    messages_tab_read_only=True,
    about={"description": "Count real connections, not followers."},
)


@dataclass(frozen=True, slots=True)
class SeedMember:
    """A member of the sandbox workspace."""

    user_id: str
    handle: str
    name: str
    tz: str
    title: str
    is_admin: bool = False


@dataclass(frozen=True, slots=True)
class SeedChannel:
    """A channel of the sandbox workspace; `bot_member` says whether Valueboard is in it."""

    channel_id: str
    name: str
    topic: str
    bot_member: bool = True
    is_private: bool = False


MEMBERS: Final = (
    SeedMember("U0ANA", "ana", "Ana Souza", "America/New_York", "Head of marketing", True),
    SeedMember("U0BEN", "ben", "Ben Okafor", "Europe/Berlin", "Community manager"),
    SeedMember("U0PRIYA", "priya", "Priya Raman", "Asia/Kolkata", "Developer advocate"),
    SeedMember("U0KENJI", "kenji", "Kenji Sato", "Asia/Tokyo", "Content lead"),
    SeedMember("U0MAYA", "maya", "Maya Levi", "America/Los_Angeles", "Social media"),
)
ADMIN: Final = MEMBERS[0]

CHANNELS: Final = (
    SeedChannel("C0GENERAL", "general", "Company-wide news and hellos"),
    SeedChannel("C0MARKETING", "marketing", "Where the team shares wins; Valueboard posts here"),
    SeedChannel("C0RANDOM", "random", "Anything goes", bot_member=False),
)
MARKETING: Final = CHANNELS[1]

#: Messages members wrote before the sandbox opened: something to run the shortcut on.
FIRST_MESSAGES: Final = (
    (
        "C0GENERAL",
        "U0ANA",
        "Welcome to the Valueboard sandbox :wave: It is a pretend Slack with the real app "
        "behind it. Try `/connect help` in #marketing, or open Valueboard under Apps.",
    ),
    (
        "C0MARKETING",
        "U0BEN",
        "A founder on Reddit was stuck on webhook retries; I walked her through idempotency "
        "keys and she shipped the fix tonight: https://www.reddit.com/r/SaaS/comments/1abc2de",
    ),
    (
        "C0MARKETING",
        "U0PRIYA",
        "Someone on LinkedIn asked for a podcast guest on developer experience, so I sent "
        "them our guide and introduced @kenji :microphone:",
    ),
    (
        "C0RANDOM",
        "U0MAYA",
        "Our meme about flaky tests got 40 replies from engineers tagging each other :joy:",
    ),
)


def populate(emulator: SlackEmulator) -> None:
    """Add the members and channels, and the first messages into an empty workspace."""
    for member in MEMBERS:
        emulator.add_user(
            member.user_id,
            name=member.handle,
            real_name=member.name,
            display_name=member.name.split()[0],
            tz=member.tz,
            is_admin=member.is_admin,
            title=member.title,
        )
    for channel in CHANNELS:
        emulator.add_channel(
            channel.channel_id,
            name=channel.name,
            is_private=channel.is_private,
            is_member=channel.bot_member,
        )
        emulator.set_topic(channel.channel_id, channel.topic)
    if not any(emulator.messages(c.channel_id) for c in CHANNELS):
        for channel_id, user_id, text in FIRST_MESSAGES:
            emulator.members.post(user=user_id, channel=channel_id, text=text)
