"""The sandbox's own endpoints beside the emulator's: the clock, sample data, where data lives.

They run in the sandbox's process (gunicorn's master), which opens the database only when one
is called; the app itself runs in gunicorn's worker as always.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient

from slackapp.config import Settings
from slackapp.domain.calendar import is_valid_zone
from slackapp.runtime.app import build_client
from slackapp.sandbox.clock import SandboxClock
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.sandbox.paths import SandboxPaths
from slackapp.sandbox.sample import fill_sample_history
from slackapp.sandbox.timeline import PAST_DUE, in_words, jump, upcoming
from slackapp.store.db import Database


def _instant(value: Any, tz: Any) -> datetime | str:
    """An ISO instant; a wall time is read in `tz` (the member's zone on the page)."""
    try:
        instant = datetime.fromisoformat(str(value))
    except ValueError:
        return f"{value!r} is not a date and time like 2026-11-30T09:00"
    if instant.utcoffset() is None:
        if not isinstance(tz, str) or not is_valid_zone(tz):
            return f"{value!r} needs a UTC offset or a time zone"
        instant = instant.replace(tzinfo=ZoneInfo(tz))
    return instant


#: The jumps to the next post of a kind, and what to say when none is coming.
_NOTHING_NEXT = {
    "next_nudge": "No nudge is scheduled. An admin can switch it on with /connect settings "
    "(or press Sample data).",
    "next_digest": "No digest is scheduled. An admin can switch it on with /connect settings "
    "(or press Sample data).",
    "next_followup": "No follow-up is waiting. End a log with `follow up tomorrow` and "
    "Valueboard asks you at 9:00 that day whether they replied.",
}


class SandboxRoutes:
    """/sandbox/clock (GET, POST), /sandbox/sample (POST), /sandbox/info (GET)."""

    def __init__(self, *, settings: Settings, clock: SandboxClock, paths: SandboxPaths) -> None:
        self.settings = settings
        self.clock = clock
        self.paths = paths
        self._lock = threading.Lock()
        self._db: Database | None = None
        self._client: WebClient | None = None
        self._emulator: SlackEmulator | None = None

    def install(self, emulator: SlackEmulator) -> None:
        self._emulator = emulator
        emulator.add_route("GET", "/sandbox/clock", self.get_clock)
        emulator.add_route("POST", "/sandbox/clock", self.set_clock)
        emulator.add_route("POST", "/sandbox/sample", self.sample)
        emulator.page_info.update(self.info())

    def info(self) -> dict[str, Any]:
        return {
            "sandbox": True,
            "data_dir": str(self.paths.root),
            "database": str(self.paths.database),
            "note": (
                f"Sandbox data lives in {self.paths.root}/ (its own SQLite file), "
                "apart from any real deployment's database."
            ),
        }

    def _deps(self) -> tuple[Database, WebClient]:
        # Opened on first use, in whichever thread asks first, after gunicorn forked its worker.
        with self._lock:
            if self._db is None or self._client is None:
                self._db = Database(self.settings.database_url)
                self._client = build_client(self.settings, scheduled=True)
            return self._db, self._client

    def get_clock(self, params: dict[str, Any]) -> dict[str, Any]:
        db, _ = self._deps()
        now = self.clock()
        viewer = params.get("user") if isinstance(params.get("user"), str) else None
        coming = upcoming(db, now=now, viewer=viewer)
        return {
            "ok": True,
            "now": now.isoformat(),
            "shifted": self.clock.shifted,
            "offset_seconds": self.clock.offset().total_seconds(),
            "next": {kind: item.as_json() for kind, item in coming.items()},
        }

    def set_clock(self, params: dict[str, Any]) -> dict[str, Any]:
        """Jump to {"to": ISO instant | "next_nudge" | "next_digest" | "next_followup" | "now"}
        and deliver."""
        db, client = self._deps()
        target = params.get("to")
        if target == "now":
            self.clock.reset()
            return {"ok": True, "now": self.clock().isoformat(), "report": ["Back to real time."]}
        if target in _NOTHING_NEXT:
            kind = str(target).removeprefix("next_")
            viewer = params.get("user") if isinstance(params.get("user"), str) else None
            coming = upcoming(db, now=self.clock(), viewer=viewer).get(kind)
            if coming is None:
                return {
                    "ok": False,
                    "error": f"no_{kind}_scheduled",
                    "report": [_NOTHING_NEXT[str(target)]],
                }
            instant = coming.at + PAST_DUE
        else:
            instant_or_error = _instant(target, params.get("tz"))
            if isinstance(instant_or_error, str):
                return {"ok": False, "error": "invalid_instant", "report": [instant_or_error]}
            instant = instant_or_error
        report = jump(clock=self.clock, settings=self.settings, db=db, client=client, to=instant)
        lines = in_words(report, place=self._place)
        return {"ok": True, "now": self.clock().isoformat(), "report": lines}

    def _place(self, target: str) -> str:
        emulator = self._emulator
        if emulator is None:
            return target
        with emulator.lock:
            channel = emulator.ws.channels.get(target)
            user = emulator.ws.users.get(target)
        if channel is not None:
            return f"#{channel.name}"
        return f"{user.label}'s DM" if user is not None else target

    def sample(self, params: dict[str, Any]) -> dict[str, Any]:
        db, _ = self._deps()
        result = fill_sample_history(
            db,
            now=self.clock(),
            default_timezone=self.settings.default_timezone,
            daily_goal=self.settings.daily_goal,
            daily_cap=self.settings.daily_cap,
        )
        return {"ok": True, "added": result.added, "report": [result.summary()]}

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.dispose()
