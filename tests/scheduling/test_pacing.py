"""The pacer's arithmetic: a gap per channel after each answer, a budget per workspace, pauses."""

from __future__ import annotations

import math

import pytest

from slackapp.scheduling.pacing import Pacer


def test_a_channel_has_one_post_in_flight_and_waits_the_gap_after_its_answer() -> None:
    pacer = Pacer(per_minute=600, channel_gap=1.0)
    assert pacer.wait("T1", "C1", now=0.0) == 0.0
    pacer.take("T1", "C1", now=0.0)
    assert pacer.wait("T1", "C1", now=5.0) == math.inf  # Slack has not answered yet
    assert pacer.wait("T1", "C2", now=0.0) == 0.0  # another channel is free
    assert pacer.wait("T2", "C1", now=0.0) == 0.0  # the same id in another workspace too
    pacer.finished("T1", "C1", now=0.4)
    assert pacer.wait("T1", "C1", now=0.4) == pytest.approx(1.0)
    assert pacer.wait("T1", "C1", now=1.3) == pytest.approx(0.1)
    assert pacer.wait("T1", "C1", now=1.4) == 0.0


def test_a_workspace_bursts_then_keeps_to_its_budget_per_minute() -> None:
    pacer = Pacer(per_minute=120, burst=3, channel_gap=0.0)
    now = 0.0
    gone: list[float] = []
    while len(gone) < 9:
        channel = f"U{len(gone)}"  # DMs: every post to its own channel
        wait = pacer.wait("T1", channel, now=now)
        if wait > 0:
            now += wait
            continue
        pacer.take("T1", channel, now=now)
        pacer.finished("T1", channel, now=now)
        gone.append(now)
    # Three at once, then one every half second (120 a minute).
    assert gone[:3] == [0.0, 0.0, 0.0]
    assert gone[3:] == pytest.approx([0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
    assert pacer.wait("T2", "C1", now=now) == 0.0  # other workspaces keep their own budget


def test_a_quiet_workspace_refills_only_up_to_its_burst() -> None:
    pacer = Pacer(per_minute=60, burst=2, channel_gap=0.0)
    for channel in ("A", "B"):
        pacer.take("T1", channel, now=0.0)
    assert pacer.wait("T1", "C", now=0.0) == pytest.approx(1.0)
    assert pacer.wait("T1", "C", now=100.0) == 0.0
    for channel in ("C", "D"):
        pacer.take("T1", channel, now=100.0)
    assert pacer.wait("T1", "E", now=100.0) == pytest.approx(1.0)


def test_a_pause_holds_every_channel_of_that_workspace_only() -> None:
    pacer = Pacer(per_minute=600)
    pacer.pause("T1", now=10.0, until=12.5)
    assert pacer.wait("T1", "C1", now=10.0) == pytest.approx(2.5)
    assert pacer.wait("T1", "U9", now=11.0) == pytest.approx(1.5)
    assert pacer.wait("T2", "C1", now=10.0) == 0.0
    assert pacer.paused_until("T1") == 12.5 and pacer.paused_until("T2") == 0.0
    pacer.pause("T1", now=11.0, until=11.5)  # a shorter pause never shortens the first
    assert pacer.wait("T1", "C1", now=12.5) == 0.0


@pytest.mark.parametrize(("per_minute", "burst", "gap"), [(0, 1, 1.0), (60, 0, 1.0), (60, 1, -1.0)])
def test_nonsense_limits_are_refused(per_minute: int, burst: int, gap: float) -> None:
    with pytest.raises(ValueError):
        Pacer(per_minute=per_minute, burst=burst, channel_gap=gap)
