"""What the emulator received, in arrival order, for tests and for its log."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """One request the emulator received, as the app sent it."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    body: bytes
    token: str | None
    at: float

    def json_param(self, name: str) -> Any:
        """Return params[name] decoded from JSON when it was sent as a string."""
        value = self.params[name]
        return json.loads(value) if isinstance(value, str) else value


class CallLog:
    """Recorded calls under the emulator's one lock; `wait_for` sleeps until enough arrive."""

    def __init__(self, cond: threading.Condition) -> None:
        self._cond = cond
        self._calls: list[RecordedCall] = []

    def record(self, call: RecordedCall) -> None:
        """Append a call; the caller holds the lock."""
        self._calls.append(call)
        self._cond.notify_all()

    def clear(self) -> None:
        """Forget every call; the caller holds the lock."""
        self._calls.clear()

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        """Recorded calls in arrival order, optionally only those of one method."""
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(self, method: str, *, count: int, timeout: float) -> list[RecordedCall]:
        """Block until `count` calls of `method` arrived and return them, else AssertionError."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matching = [c for c in self._calls if c.method == method]
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    arrived = Counter(c.method for c in self._calls)
                    seen = ", ".join(f"{m} x{n}" for m, n in arrived.items()) or "nothing"
                    raise AssertionError(
                        f"waited {timeout}s for {count} {method} call(s), got {len(matching)}; "
                        f"arrived: {seen}"
                    )
                self._cond.wait(remaining)

    def as_json(self, method: str | None) -> dict[str, Any]:
        """The calls as JSON, so a process that did not start the emulator can read them."""
        calls = [
            {"method": c.method, "params": c.params, "token": c.token, "at": c.at}
            for c in self.calls(method)
        ]
        return {"ok": True, "calls": calls}
