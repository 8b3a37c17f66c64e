"""The sandbox clock: real time plus an offset every process reads from one file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from slackapp.sandbox.clock import SandboxClock


def test_a_new_clock_reads_real_time(tmp_path: Path) -> None:
    clock = SandboxClock(tmp_path / "clock.json")

    assert abs(clock() - datetime.now(UTC)) < timedelta(seconds=1)
    assert not clock.shifted


def test_setting_the_clock_moves_every_reader_of_the_file(tmp_path: Path) -> None:
    writer, reader = SandboxClock(tmp_path / "clock.json"), SandboxClock(tmp_path / "clock.json")
    target = datetime(2027, 3, 15, 13, 0, tzinfo=UTC)
    reader()  # cache the unshifted state first

    writer.set(target)

    assert abs(reader() - target) < timedelta(seconds=1)
    assert reader.shifted
    writer.reset()
    assert abs(reader() - datetime.now(UTC)) < timedelta(seconds=1)


def test_it_keeps_running_after_a_jump(tmp_path: Path) -> None:
    clock = SandboxClock(tmp_path / "clock.json")
    clock.set(datetime(2027, 3, 15, 13, 0, tzinfo=UTC))

    first = clock()
    assert clock() >= first


def test_a_damaged_file_reads_as_real_time(tmp_path: Path) -> None:
    (tmp_path / "clock.json").write_text("{not json")

    assert not SandboxClock(tmp_path / "clock.json").shifted


def test_a_naive_instant_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="aware"):
        SandboxClock(tmp_path / "clock.json").set(datetime(2027, 3, 15, 13, 0))  # noqa: DTZ001
