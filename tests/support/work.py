"""How much work a call does, counted rather than timed: a test of how an algorithm scales must
not pass or fail with the machine's load."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar

T = TypeVar("T")


def lines_run(call: Callable[[], T]) -> tuple[T, int]:
    """`call()`'s result and how many lines of Python it ran, in every function it called.

    Counted with sys.settrace in this thread; whatever tracer was set (coverage's, a
    debugger's) is put back after. A loop over a million calendar days runs millions of lines,
    a walk over a thousand entries some thousands, on any machine.
    """
    lines = 0

    def tracer(_frame: FrameType, event: str, _arg: Any) -> Any:
        nonlocal lines
        if event == "line":
            lines += 1
        return tracer

    before = sys.gettrace()
    sys.settrace(tracer)
    try:
        result = call()
    finally:
        sys.settrace(before)
    return result, lines


def finishes(call: Callable[[], T], *, within: float = 30.0) -> T:
    """`call()`'s result, failing the test when it has not returned `within` seconds: for code
    that must never run away (a regular expression backtracking catastrophically takes years on
    a few thousand characters), not a measure of its speed."""
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(call())
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(within)
    assert not worker.is_alive(), f"still running after {within:g} s"
    if errors:
        raise errors[0]
    return results[0]
