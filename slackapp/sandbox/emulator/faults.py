"""Faults the emulator can be told to inject: errors, rate limits and slow answers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Injection:
    """One scripted failure of a method: an error code or a 429, for some calls or all."""

    kind: str  # "fail" or "ratelimit"
    error: str
    retry_after: int
    remaining: int | None  # None: every call, forever
    channel: str | None = None  # only calls to this channel (None: any call)


class Faults:
    """Scripted failures and delays per method; the emulator's lock guards every use."""

    def __init__(self) -> None:
        self._injections: dict[str, list[Injection]] = {}
        self._delays: dict[str, float] = {}

    def fail(
        self, method: str, error: str, *, times: int | None, channel: str | None = None
    ) -> None:
        """Answer the next `times` calls (None: all) of `method` with `error`.

        With `channel`, only calls whose `channel` argument is that id count.
        """
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for every call")
        self._injections.setdefault(method, []).append(Injection("fail", error, 0, times, channel))

    def rate_limit(
        self, method: str, *, retry_after: int, times: int, channel: str | None = None
    ) -> None:
        """Answer the next `times` calls of `method` with HTTP 429 and Retry-After."""
        if times < 1 or retry_after < 0:
            raise ValueError("times must be at least 1 and retry_after not negative")
        self._injections.setdefault(method, []).append(
            Injection("ratelimit", "ratelimited", retry_after, times, channel)
        )

    def slow(self, method: str, seconds: float) -> None:
        """Delay every answer of `method` by `seconds` (0 makes it quick again)."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        if seconds:
            self._delays[method] = seconds
        else:
            self._delays.pop(method, None)

    def delay(self, method: str) -> float:
        """Seconds to wait before answering `method`."""
        return self._delays.get(method, 0.0)

    def take(self, method: str, channel: str | None = None) -> Injection | None:
        """The failure to answer this call of `method` (to `channel`) with, if one is scripted."""
        queue = self._injections.get(method)
        if not queue:
            return None
        injection = next((i for i in queue if i.channel is None or i.channel == channel), None)
        if injection is None:
            return None
        if injection.remaining is not None:
            injection.remaining -= 1
            if injection.remaining <= 0:
                queue.remove(injection)
        return injection

    def clear(self) -> None:
        """Forget scripted failures (delays stay: they describe the Slack being emulated)."""
        self._injections.clear()

    def describe(self) -> list[str]:
        """The scripted faults in words, for the emulator's banner and the page."""
        lines = [f"{method} slow: {seconds:g}s" for method, seconds in self._delays.items()]
        for method, queue in self._injections.items():
            for item in queue:
                times = "always" if item.remaining is None else f"x{item.remaining}"
                lines.append(f"{method} {item.kind}: {item.error} ({times})")
        return lines
