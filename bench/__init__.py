"""Benchmarks: each one prints our figures beside a baseline measured in the same run.

Speed and memory are never asserted in tests; they are shown here, next to the naive way of
getting the same answer on the same machine and the same data, so a reader can judge the ratio.
"""

from __future__ import annotations

import math
import os
import platform
import sqlite3
import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy
from sqlalchemy import text

from slackapp.store.db import Database, normalize_url
from slackapp.store.migrate import upgrade

#: Slack shows the person an error when an ack takes longer than this.
SLACK_ACK_DEADLINE = 3.0


@contextmanager
def scratch_database(url: str | None) -> Iterator[Database]:
    """A migrated, empty database: a temp SQLite file, or a fresh schema on `url`, then gone."""
    if url is None:
        with tempfile.TemporaryDirectory(prefix="valueboard-bench-") as folder:
            database = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
            try:
                upgrade(database)
                yield database
            finally:
                database.dispose()
        return
    # The same isolation as tests/conftest.py: a schema of our own, dropped however we leave.
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = Database(url)
    with admin.engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = normalize_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    database = Database(scoped.render_as_string(hide_password=False))
    try:
        upgrade(database)
        yield database
    finally:
        database.dispose()
        with admin.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@dataclass(frozen=True, slots=True)
class MachineFacts:
    """What a reader needs to compare figures from two machines."""

    python: str
    cpus: int
    system: str
    database: str
    sqlalchemy: str


def machine_facts(db: Database) -> MachineFacts:
    """Describe this machine and the database the benchmark runs on."""
    if db.backend == "sqlite":
        database = f"SQLite {sqlite3.sqlite_version} (temp file, WAL)"
    else:
        with db.engine.connect() as connection:
            version = connection.scalar(text("SHOW server_version"))
        database = f"PostgreSQL {version}"
    return MachineFacts(
        python=platform.python_version(),
        cpus=os.cpu_count() or 1,
        system=f"{platform.system()} {platform.machine()}",
        database=database,
        sqlalchemy=sqlalchemy.__version__,
    )


def print_facts(facts: MachineFacts) -> None:
    """Print the machine facts as one short line."""
    print(
        f"Python {facts.python} · {facts.cpus} CPUs · {facts.system} · {facts.database} · "
        f"SQLAlchemy {facts.sqlalchemy}"
    )


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print a Markdown table with the first column left-aligned and the rest right-aligned."""
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = ["-" * widths[0], *("-" * (width - 1) + ":" for width in widths[1:])]
    print(line(header))
    print(line(rule))
    for row in rows:
        print(line(row))


@dataclass(frozen=True, slots=True)
class Timing:
    """Wall-clock seconds over repeated runs of one operation."""

    median: float
    fastest: float
    runs: int


def time_runs(operation: Callable[[], object], *, runs: int, warmup: int = 1) -> Timing:
    """Time `operation`: `warmup` untimed calls (caches, query plans), then `runs` timed ones."""
    if runs < 1:
        raise ValueError("runs must be at least 1")
    for _ in range(warmup):
        operation()
    seconds: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        operation()
        seconds.append(time.perf_counter() - started)
    return Timing(median=statistics.median(seconds), fastest=min(seconds), runs=runs)


def peak_python_bytes(operation: Callable[[], object]) -> int:
    """The peak of Python's heap while `operation` runs, above what was live before it."""
    # A separate run from the timed ones: tracing slows every allocation down several times.
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline, _ = tracemalloc.get_traced_memory()
        operation()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return max(peak - baseline, 0)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of `values` (fraction 0.95 for p95)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(len(ordered) * fraction)))
    return ordered[rank - 1]


def milliseconds(seconds: float) -> str:
    """Seconds as milliseconds with sensible precision."""
    ms = seconds * 1000
    return f"{ms:,.2f} ms" if ms < 10 else f"{ms:,.1f} ms" if ms < 100 else f"{ms:,.0f} ms"


def mebibytes(size: int) -> str:
    """A byte count in MiB (KiB when small)."""
    return f"{size / 1024:,.0f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:,.1f} MiB"


def ratio(baseline: float, ours: float) -> str:
    """How many times the baseline's figure is ours ("12.5x"); "-" when ours is zero."""
    if ours <= 0:
        return "-"
    times = baseline / ours
    return f"{times:,.1f}x" if times < 100 else f"{times:,.0f}x"
