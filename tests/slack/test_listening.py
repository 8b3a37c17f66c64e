"""The pool for work after acks: waiting for it to go idle leaves it open for more."""

from __future__ import annotations

import threading

from slackapp.slack.listening import FollowUps


def test_wait_idle_waits_for_running_work_and_keeps_taking_more() -> None:
    pool = FollowUps(workers=2, backlog=2)
    release = threading.Event()
    done: list[str] = []

    def slow() -> None:
        release.wait()
        done.append("slow")

    pool.submit(slow)
    assert pool.queued == 1
    releaser = threading.Timer(0.05, release.set)
    releaser.start()
    assert pool.wait_idle(10) == 0
    assert done == ["slow"]
    # Unlike drain, it does not close the pool.
    assert pool.has_room()
    assert pool.submit(lambda: "more").result(timeout=10) == "more"
    pool.shutdown()


def test_drain_closes_the_pool() -> None:
    pool = FollowUps(workers=1, backlog=1)
    assert pool.drain(1) == 0
    assert not pool.has_room()
    pool.shutdown()
