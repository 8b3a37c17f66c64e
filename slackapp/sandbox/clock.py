"""The sandbox's clock: real time plus an offset the page can move, shared through a small file.

The app's gunicorn worker, its scheduler and the emulator (in the sandbox's own process) all read
the same file, so "jump to Monday 09:00" moves the whole pretend world at once. Reading is a
stat() per call; the file is read again only when it changed.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path


class SandboxClock:
    """A clock (`() -> datetime`, aware UTC) running at real speed from wherever it was set."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._seen: tuple[int, int, int] | None = None
        self._offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset()

    def offset(self) -> timedelta:
        """How far the sandbox's time is from the real time."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return timedelta(0)
        # os.replace() gives every write a new inode, so a change is never missed.
        seen = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if seen != self._seen:
                self._offset = self._read()
                self._seen = seen
            return self._offset

    def _read(self) -> timedelta:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return timedelta(seconds=float(data["offset_seconds"]))
        except (OSError, ValueError, KeyError, TypeError):
            return timedelta(0)

    def set(self, instant: datetime) -> None:
        """Make the clock read `instant` now (then run on from there)."""
        if instant.utcoffset() is None:
            raise ValueError("the sandbox clock needs an aware datetime")
        self._write(instant - datetime.now(UTC))

    def reset(self) -> None:
        """Back to the real time."""
        self._write(timedelta(0))

    @property
    def shifted(self) -> bool:
        """Whether the clock is away from the real time (by more than a second)."""
        return abs(self.offset()) > timedelta(seconds=1)

    def _write(self, offset: timedelta) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(
            json.dumps({"offset_seconds": offset.total_seconds()}), encoding="utf-8"
        )
        os.replace(temporary, self.path)
        with self._lock:
            self._seen = None
