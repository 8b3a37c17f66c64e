"""Where a sandbox keeps its things: one folder, apart from any real deployment's data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

DEFAULT_DATA_DIR: Final = Path("var/sandbox")


@dataclass(frozen=True, slots=True)
class SandboxPaths:
    """The files of one sandbox under its data folder."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "valueboard.db"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.database}"

    @property
    def clock(self) -> Path:
        return self.root / "clock.json"

    @property
    def workspace(self) -> Path:
        """The emulated Slack's conversations and files."""
        return self.root / "slack.json"

    @property
    def run_file(self) -> Path:
        """Where a running sandbox notes its URL, for `slackapp sandbox send`."""
        return self.root / "running.json"
