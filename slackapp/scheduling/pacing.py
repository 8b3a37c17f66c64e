"""Slack's pace for scheduled posts: a gap between posts to one channel, a budget per workspace.

`chat.postMessage` takes about one message per second per channel (short bursts allowed) and has
a workspace-wide limit on top. The pacer keeps both for the posts of one process: a channel has
one post in flight at a time and waits `channel_gap` seconds after Slack answered it (so Slack
sees them at least that far apart, however long the answer took), each workspace spends tokens
from a bucket that refills at its budget per minute, and a 429 pauses the whole workspace until
its Retry-After has passed. It only does arithmetic on a monotonic clock the caller passes in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["BURST", "CHANNEL_GAP", "Pacer"]

#: Seconds between two posts to the same channel.
CHANNEL_GAP = 1.0
#: Posts a workspace may send back to back before its budget paces them.
BURST = 10


@dataclass(slots=True)
class _Budget:
    tokens: float
    stamp: float
    paused_until: float = 0.0


class Pacer:
    """When the next post to a channel of a workspace may go, and the record of those that went."""

    def __init__(
        self, *, per_minute: int, burst: int = BURST, channel_gap: float = CHANNEL_GAP
    ) -> None:
        if per_minute < 1 or burst < 1 or channel_gap < 0:
            raise ValueError("per_minute and burst must be at least 1, channel_gap not negative")
        self.rate = per_minute / 60.0
        self.burst = float(min(burst, per_minute))
        self.channel_gap = channel_gap
        self._budgets: dict[str, _Budget] = {}
        self._channels: dict[tuple[str, str], float] = {}

    def _budget(self, workspace: str, now: float) -> _Budget:
        budget = self._budgets.get(workspace)
        if budget is None:
            budget = self._budgets[workspace] = _Budget(tokens=self.burst, stamp=now)
        elif now > budget.stamp:
            budget.tokens = min(self.burst, budget.tokens + (now - budget.stamp) * self.rate)
            budget.stamp = now
        return budget

    def wait(self, workspace: str, channel: str, *, now: float) -> float:
        """Seconds until a post to `channel` in `workspace` may go (0.0: now)."""
        budget = self._budget(workspace, now)
        waits = [
            budget.paused_until - now,
            self._channels.get((workspace, channel), now) - now,
            (1.0 - budget.tokens) / self.rate,
        ]
        return max(0.0, *waits)

    def take(self, workspace: str, channel: str, *, now: float) -> None:
        """Record a post going out now: one token spent, the channel busy until `finished`."""
        budget = self._budget(workspace, now)
        budget.tokens -= 1.0
        self._channels[(workspace, channel)] = math.inf

    def finished(self, workspace: str, channel: str, *, now: float) -> None:
        """Slack answered the channel's post: the next may go after the gap."""
        self._channels[(workspace, channel)] = now + self.channel_gap

    def pause(self, workspace: str, *, now: float, until: float) -> None:
        """Hold every post of `workspace` until `until` (Slack answered 429 with Retry-After)."""
        budget = self._budget(workspace, now)
        budget.paused_until = max(budget.paused_until, until)

    def paused_until(self, workspace: str) -> float:
        """The monotonic time the workspace's pause ends (0.0 if it was never paused)."""
        budget = self._budgets.get(workspace)
        return budget.paused_until if budget is not None else 0.0
