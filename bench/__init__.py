"""Benchmarks: each figure beside a baseline measured in the same run, in one table.

Speed and memory are never asserted in tests; they are shown here, next to a baseline measured on
the same machine, the same data and in the same run, so a reader can judge the ratio wherever it
ran. Each benchmark returns `Figure`s (our samples over repetitions, the baseline's beside them);
`python -m bench` prints them as one table and writes them as JSON.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sqlite3
import statistics
import subprocess
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import text

from slackapp.store.db import DEFAULT_POOL_SIZE, Database, Timeouts, normalize_url
from slackapp.store.migrate import upgrade

#: The repository's root: benchmarks start processes that import `bench` from it.
ROOT = Path(__file__).resolve().parent.parent

#: Slack shows the person an error when an ack takes longer than this.
SLACK_ACK_DEADLINE = 3.0


#: A million rows go in by one COPY: no statement limit for the benchmark's own database work.
_SEEDING = Timeouts(statement=None)


@contextmanager
def scratch_database(url: str | None, *, pool_size: int = DEFAULT_POOL_SIZE) -> Iterator[Database]:
    """A migrated, empty database: a temp SQLite file, or a fresh schema on `url`, then gone.

    `pool_size` connections are kept per process: as many as the threads that will ask at once.
    """
    if url is None:
        with tempfile.TemporaryDirectory(prefix="valueboard-bench-") as folder:
            database = Database(
                f"sqlite:///{Path(folder) / 'bench.db'}", timeouts=_SEEDING, pool_size=pool_size
            )
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
    database = Database(
        scoped.render_as_string(hide_password=False), timeouts=_SEEDING, pool_size=pool_size
    )
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


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, left: int = 1) -> None:
    """Print a Markdown table: the first `left` columns left-aligned, the rest right-aligned."""
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = ["-" * width if i < left else "-" * (width - 1) + ":" for i, width in enumerate(widths)]
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


# --------------------------------------------------------------------------------------------
# Figures: one row of the table each
# --------------------------------------------------------------------------------------------

#: How a figure's numbers are shown: seconds as ms or s, rates per second, plain counts.
UNITS = ("ms", "s", "/s", "count")


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure: our samples over repetitions, and the baseline's beside them."""

    benchmark: str
    figure: str
    unit: str  # one of UNITS; "ms" and "s" samples are seconds
    samples: tuple[float, ...]
    baseline: tuple[float, ...] = ()
    baseline_label: str = ""
    note: str = ""
    #: False when a check failed (different answers, a post lost or sent twice): not evidence.
    ok: bool = True

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown unit {self.unit!r}")
        if not self.samples:
            raise ValueError(f"{self.figure}: no samples")

    @property
    def median(self) -> float:
        """The median of our samples."""
        return statistics.median(self.samples)

    @property
    def spread(self) -> float:
        """Half the range of our samples: the median is give or take this much."""
        return (max(self.samples) - min(self.samples)) / 2

    @property
    def baseline_median(self) -> float | None:
        """The median of the baseline's samples, if there is a baseline."""
        return statistics.median(self.baseline) if self.baseline else None

    @property
    def ratio(self) -> float | None:
        """Ours divided by the baseline (for times: how many times slower than the baseline)."""
        base = self.baseline_median
        if base is None or base == 0:
            return None
        return self.median / base

    def as_json(self) -> dict[str, Any]:
        """The figure with its samples, for the JSON file."""
        return {
            "benchmark": self.benchmark,
            "figure": self.figure,
            "unit": "seconds" if self.unit in {"ms", "s"} else self.unit,
            "median": self.median,
            "spread": self.spread,
            "samples": list(self.samples),
            "baseline": self.baseline_median,
            "baseline_samples": list(self.baseline),
            "baseline_label": self.baseline_label,
            "ratio": self.ratio,
            "note": self.note,
            "ok": self.ok,
        }


def show(value: float, unit: str) -> str:
    """A value in its unit for people: "12.3 ms", "4.56 s", "152/s", "1,000"."""
    if unit == "ms":
        return milliseconds(value)
    if unit == "s":
        return f"{value:,.2f} s" if value < 100 else f"{value:,.0f} s"
    if unit == "/s":
        return f"{value:,.1f}/s" if value < 100 else f"{value:,.0f}/s"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _ratio_text(figure: Figure) -> str:
    times = figure.ratio
    if times is None:
        return "-"
    return f"{times:,.2f}x" if times < 10 else f"{times:,.1f}x"


@dataclass(slots=True)
class Results:
    """Every figure of one `python -m bench` run, with the facts about where it ran."""

    facts: dict[str, str]
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def trusted(self) -> bool:
        """Whether every check passed."""
        return all(figure.ok for figure in self.figures)

    def rows(self) -> list[tuple[str, ...]]:
        """The table's rows: benchmark, figure, median, spread, baseline, ratio."""
        return [
            (
                figure.benchmark,
                figure.figure + ("" if figure.ok else " (CHECK FAILED)"),
                show(figure.median, figure.unit),
                "±" + show(figure.spread, figure.unit) if len(figure.samples) > 1 else "-",
                (
                    f"{show(figure.baseline_median, figure.unit)} {figure.baseline_label}".strip()
                    if figure.baseline_median is not None
                    else "-"
                ),
                _ratio_text(figure),
            )
            for figure in self.figures
        ]

    def print(self) -> None:
        """Print the facts, then the one table, then the notes."""
        for name, value in self.facts.items():
            print(f"- {name}: {value}")
        print()
        print_table(
            ("benchmark", "figure", "median", "spread", "baseline", "ours/baseline"),
            self.rows(),
            left=2,
        )
        if self.notes:
            print()
            for note in self.notes:
                print(f"- {note}")

    def write_json(self, path: Path) -> None:
        """Write the facts and every figure with its samples to `path`."""
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "facts": self.facts,
            "figures": [figure.as_json() for figure in self.figures],
            "notes": self.notes,
            "trusted": self.trusted,
        }
        path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def child_env(**values: str) -> dict[str, str]:
    """An environment for a process the benchmark starts: ours, minus Slack and database
    settings (a developer's own must not leak in), plus `values`; `bench` importable."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SLACK_") and k not in {"DATABASE_URL", "TEST_DATABASE_URL"}
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env.update(values)
    return env


def _git_commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
            cwd=Path(__file__).resolve().parent,
        )
    except OSError:
        return "unknown"
    return done.stdout.strip() or "unknown"


#: Iterations of speed_check's loop.
_SPEED_LOOP = 1_000_000


def speed_check() -> float:
    """Milliseconds of CPU a fixed pure-Python loop takes here, the best of three.

    A virtual machine's speed drifts (here by half again within minutes, as its host gets
    busy): the same check at the start and the end of a run says how fast the machine was
    then, so that two runs' figures can be told apart from two machines' moods.
    """
    best = math.inf
    for _ in range(3):
        began = time.process_time()
        total = 0
        for n in range(_SPEED_LOOP):
            total += n * n % 7
        best = min(best, time.process_time() - began)
    return best * 1000


def run_facts(*, postgres: str | None) -> dict[str, str]:
    """Where and when this run happened: machine, load, software, databases, commit."""
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    facts = {
        "when": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "machine": (
            f"{platform.system()} {platform.machine()}, {os.cpu_count() or 1} CPUs, "
            f"load average at start {load}"
        ),
        "software": (
            f"Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
            f"SQLite {sqlite3.sqlite_version}"
        ),
        "commit": _git_commit(),
        "speed check": f"{speed_check():.0f} ms at the start (a fixed Python loop: less is faster)",
    }
    if postgres:
        facts["software"] += f", {postgres}"
    return facts


def postgres_version(url: str) -> str:
    """The server's version, e.g. "PostgreSQL 15.20"."""
    engine = sqlalchemy.create_engine(normalize_url(url))
    try:
        with engine.connect() as connection:
            return f"PostgreSQL {connection.scalar(text('SHOW server_version'))}"
    finally:
        engine.dispose()
