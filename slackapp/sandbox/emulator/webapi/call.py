"""One Web API call as a method sees it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slackapp.sandbox.emulator.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Call:
    """The workspace (lock held), the call's params and token, and where the emulator listens."""

    ws: Workspace
    params: dict[str, Any]
    token: str | None
    base_url: str
