"""What the emulated Slack knows of the app installed in it: its name, commands and shortcuts.

Real Slack reads these from the app's manifest; the sandbox passes Valueboard's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SlashCommand:
    """A slash command as the manifest declares it."""

    command: str
    description: str = ""
    usage_hint: str = ""
    #: Slack rewrites @names and #channels in the text to <@U…|name> and <#C…|name>.
    should_escape: bool = False


@dataclass(frozen=True, slots=True)
class Shortcut:
    """A global or message shortcut as the manifest declares it."""

    name: str
    callback_id: str
    type: str = "message"
    description: str = ""


@dataclass(frozen=True, slots=True)
class AppSurface:
    """The installed app: how it is named, and what members can invoke."""

    name: str = "App"
    commands: tuple[SlashCommand, ...] = ()
    shortcuts: tuple[Shortcut, ...] = ()
    home_tab: bool = True
    messages_tab: bool = True
    #: Members can read the app's DM but not write in it (the manifest's read-only flag).
    messages_tab_read_only: bool = False
    #: Extra fields for the page (e.g. a short description under the app's name).
    about: dict[str, str] = field(default_factory=dict)

    def command(self, name: str) -> SlashCommand | None:
        return next((c for c in self.commands if c.command == name), None)

    def shortcut(self, callback_id: str) -> Shortcut | None:
        return next((s for s in self.shortcuts if s.callback_id == callback_id), None)

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "commands": [
                {
                    "command": c.command,
                    "description": c.description,
                    "usage_hint": c.usage_hint,
                }
                for c in self.commands
            ],
            "shortcuts": [
                {"name": s.name, "callback_id": s.callback_id, "type": s.type}
                for s in self.shortcuts
            ],
            "home_tab": self.home_tab,
            "messages_tab": self.messages_tab,
            "messages_tab_read_only": self.messages_tab_read_only,
            "about": dict(self.about),
        }
