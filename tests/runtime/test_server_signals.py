"""Stopping a served worker: quit signals that arrive together quit it once."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any, ClassVar

import pytest
from gunicorn.errors import HaltServer

from slackapp.config import Settings
from slackapp.runtime import server
from slackapp.runtime.server import _quit_once


class Worker:
    """Stands in for a gunicorn worker; its quit handler gets the second signal mid-way."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def handle_quit(self, sig: int, _frame: FrameType | None) -> None:
        self.calls.append(sig)
        if len(self.calls) == 1:
            # Ctrl-C reaches the worker from the terminal and again from the master: the
            # second arrives while the first is still shutting down.
            os.kill(os.getpid(), signal.SIGQUIT)
            signal.getsignal(signal.SIGQUIT)  # a bytecode boundary: Python runs handlers here


@pytest.fixture
def restore_handlers() -> Iterator[None]:
    saved = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGQUIT)}
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


@pytest.mark.usefixtures("restore_handlers")
def test_a_second_quit_signal_during_the_first_is_ignored() -> None:
    worker = Worker()
    _quit_once(worker)
    os.kill(os.getpid(), signal.SIGINT)
    assert worker.calls == [signal.SIGINT]


@pytest.mark.usefixtures("restore_handlers")
def test_without_the_guard_the_handler_would_be_entered_twice() -> None:
    # The rig itself is sound: the same worker, its own handler installed directly.
    worker = Worker()
    signal.signal(signal.SIGINT, worker.handle_quit)
    signal.signal(signal.SIGQUIT, worker.handle_quit)
    os.kill(os.getpid(), signal.SIGINT)
    assert worker.calls == [signal.SIGINT, signal.SIGQUIT]


class _Quits:
    """A worker whose quit handler only counts."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def handle_quit(self, sig: int, _frame: FrameType | None) -> None:
        self.calls.append(sig)


def _quit_with_a_second_signal_at(point: int, handler: Any) -> tuple[bool, int]:
    """Run `handler` for SIGINT and enter it again for SIGQUIT at its `point`-th opcode (its
    callees' included), as a signal arriving there would. Returns whether it finished within
    5 s (not deadlocked) and how many opcodes ran in all."""
    seen = 0

    def trace(frame: FrameType, _event: str, _arg: object) -> Any:
        nonlocal seen
        frame.f_trace_opcodes = True
        seen += 1
        if seen == point:
            handler(signal.SIGQUIT, None)  # tracing is off inside a trace function
        return trace

    def run() -> None:
        sys.settrace(trace)
        try:
            handler(signal.SIGINT, None)
        finally:
            sys.settrace(None)

    # In a thread, so that a deadlocked guard fails the test instead of hanging it.
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=5)
    return not thread.is_alive(), seen


@pytest.mark.usefixtures("restore_handlers")
def test_a_second_quit_signal_at_any_point_of_the_first_quits_once() -> None:
    # CI caught the first guard (a threading.Event) deadlocked: the second signal came inside
    # its set(), whose nested set() waited for the lock the outer one held.
    worker = _Quits()
    _quit_once(worker)
    handler = signal.getsignal(signal.SIGINT)
    finished, points = _quit_with_a_second_signal_at(0, handler)
    assert finished and worker.calls == [signal.SIGINT] and points > 3
    for point in range(1, points + 1):
        worker = _Quits()
        _quit_once(worker)
        finished, _ = _quit_with_a_second_signal_at(point, signal.getsignal(signal.SIGINT))
        assert finished, f"deadlocked with the second signal at opcode {point}"
        # Whichever handler call gets there first quits; the other returns.
        assert len(worker.calls) == 1, f"quit {worker.calls} with the second signal at {point}"


class _ArbiterHaltingTwice:
    """gunicorn's arbiter when both workers fail to boot at once: its own shutdown reaps the
    second failed worker and raises that worker's HaltServer out of the first."""

    halts: ClassVar[list[tuple[str | None, int]]] = []

    def __init__(self, _app: object) -> None:
        pass

    def run(self) -> None:
        raise HaltServer("App failed to load.", 4)

    def halt(self, reason: str | None = None, exit_status: int = 0) -> None:
        self.halts.append((reason, exit_status))
        raise SystemExit(exit_status)


def test_workers_failing_together_end_the_server_quietly_with_their_status(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(server, "Arbiter", _ArbiterHaltingTwice)
    monkeypatch.setattr(_ArbiterHaltingTwice, "halts", [])
    with pytest.raises(SystemExit) as stopped:
        server.serve(Settings())
    assert stopped.value.code == 4
    assert _ArbiterHaltingTwice.halts == [("App failed to load.", 4)]
    assert "Traceback" not in capsys.readouterr().err
