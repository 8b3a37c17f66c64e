"""The read gate: read transactions take turns a few at a time, first come, first served.

Under load a process's threads share the GIL unfairly, so a few reads waited dozens of others
out; the gate hands a freed place to the longest waiter instead. Nothing here times anything:
the order of admission is what is checked.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable
from functools import partial

import pytest
from sqlalchemy import select

from slackapp.store.db import Database, DatabaseBusy, ReadGate
from slackapp.store.models import Team
from tests.support.databases import read_place_held
from tests.support.factories import add_team


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the gate never got there"
        time.sleep(0.001)


def _waiting(gate: ReadGate, count: int) -> bool:
    return gate.waiting == count


def test_a_freed_place_goes_to_the_longest_waiter_never_back_to_whoever_freed_it() -> None:
    gate = ReadGate(1, wait=10)
    order: list[str] = []
    lock = threading.Lock()

    def read(name: str) -> None:
        with gate.held(), lock:
            order.append(name)

    waiters = []
    with gate.held():
        for n in range(5):
            thread = threading.Thread(target=read, args=(f"waiter {n}",))
            thread.start()
            _until(partial(_waiting, gate, n + 1))  # each one queued before the next
            waiters.append(thread)
    # The place was handed on as it was freed: whoever freed it asks again behind them all.
    read("the one who freed it")
    for thread in waiters:
        thread.join(10)
    assert order == [*(f"waiter {n}" for n in range(5)), "the one who freed it"]


def test_places_are_shared_by_as_many_readers_as_there_are_places() -> None:
    gate = ReadGate(2, wait=10)
    third_in = threading.Event()

    def third() -> None:
        with gate.held():
            third_in.set()

    thread = threading.Thread(target=third)
    with read_place_held(gate):
        with read_place_held(gate):  # the second place: no wait
            thread.start()
            _until(lambda: gate.waiting == 1)
            assert not third_in.is_set()
        assert third_in.wait(10)  # the second place was freed: the third reader has it
    thread.join(10)


def test_no_place_in_time_is_busy_and_leaves_the_queue_as_it_was() -> None:
    gate = ReadGate(1, wait=0.05)
    with read_place_held(gate):
        with pytest.raises(DatabaseBusy, match="no turn to read"), gate.held():
            pytest.fail("got in while the only place was taken")
        assert gate.waiting == 0
    with gate.held():  # the place came back free: no wait, no error
        pass


def test_a_place_freed_by_a_failing_read_is_handed_on() -> None:
    gate = ReadGate(1, wait=10)
    with pytest.raises(RuntimeError), gate.held():
        raise RuntimeError("the read failed")
    with gate.held():
        pass


def test_a_read_inside_a_read_or_a_unit_of_work_never_waits_for_a_second_place(
    db: Database,
) -> None:
    db.read_gate = ReadGate(1, wait=0.05)
    with db.session_scope() as session:
        add_team(session, team_id="T1", daily_goal=10)
    with db.read_scope() as outer, db.read_scope() as inner:
        assert outer.scalar(select(Team.daily_goal)) == inner.scalar(select(Team.daily_goal))
    # Another thread holds the only place: a unit of work's own reads still go ahead, so a
    # writer never waits for a reader that may be waiting for it.
    with read_place_held(db.read_gate):
        with db.session_scope() as session, db.read_scope() as reader:
            assert reader.scalar(select(Team.daily_goal)) == 10
            add_team(session, team_id="T2")
        with pytest.raises(DatabaseBusy), db.read_scope():
            pass


def _enter_and_report(gate: ReadGate, answers: multiprocessing.Queue[str]) -> None:
    try:
        with gate.held():
            answers.put("in")
    except DatabaseBusy:
        answers.put("busy")


def test_a_forked_process_starts_with_every_place_free() -> None:
    gate = ReadGate(1, wait=0.5)
    context = multiprocessing.get_context("fork")
    answers: multiprocessing.Queue[str] = context.Queue()
    with read_place_held(gate):  # another of the parent's threads holds the only place
        child = context.Process(target=_enter_and_report, args=(gate, answers))
        child.start()
        child.join(10)
    assert answers.get(timeout=10) == "in"


def test_a_gate_needs_a_place() -> None:
    with pytest.raises(ValueError, match="at least one place"):
        ReadGate(0)


def test_a_long_read_outside_the_gate_neither_waits_nor_holds_a_place(db: Database) -> None:
    db.read_gate = ReadGate(1, wait=0.05)
    with read_place_held(db.read_gate), db.read_scope(take_turn=False) as session:  # an export
        assert session.scalar(select(Team.team_id)) is None
        assert db.read_gate.waiting == 0
    with db.read_scope(take_turn=False), db.read_scope():  # the gate's place is still free
        pass
