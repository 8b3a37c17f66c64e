"""`python -m bench [requests] [boards] [fanout] [options]`: every benchmark, one table.

Each benchmark runs on a temporary SQLite file, and again on PostgreSQL when --database-url is
given. Progress goes to stderr; the table (machine facts first) goes to stdout and, with every
sample, to a JSON file. The exit status is 1 when any check failed: answers that differ from the
reference, a post lost or sent twice, a confirmed connection that was not saved.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench import (
    Results,
    fanout,
    leaderboard,
    postgres_version,
    requests,
    run_facts,
    speed_check,
)

BENCHMARKS = ("requests", "boards", "fanout")
DEFAULT_JSON = Path("var/bench.json")


def _numbers(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list like 16,64") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give whole numbers of at least 1")
    return values


def _kinds(text: str) -> tuple[str, ...]:
    values = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [value for value in values if value not in fanout.KINDS]
    if not values or unknown:
        raise argparse.ArgumentTypeError(
            f"{text!r}: choose from {', '.join(fanout.KINDS)}, separated by commas"
        )
    return values


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read the command line; with no benchmark named, every one runs."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Run Valueboard's benchmarks and print one table: each figure's median and spread "
            "over repetitions beside a baseline measured in the same run."
        ),
    )
    parser.add_argument(
        "benchmarks",
        nargs="*",
        metavar="BENCHMARK",
        help=f"which to run: {', '.join(BENCHMARKS)} (default: all)",
    )
    parser.add_argument(
        "--database-url",
        help=(
            "also run on this PostgreSQL, e.g. postgresql://postgres@127.0.0.1:5432/test "
            "(in fresh schemas, dropped afterwards)"
        ),
    )
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help="where to write the table and its samples"
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, to check that everything runs"
    )
    group = parser.add_argument_group("requests: /connect under steady load")
    group.add_argument("--duration", type=float, default=requests.DEFAULT_DURATION)
    group.add_argument(
        "--concurrency",
        type=_numbers,
        default=requests.DEFAULT_CONCURRENCY,
        help="clients sending at once, one run each, e.g. 16,64 (default %(default)s)",
    )
    group.add_argument("--repeats", type=int, default=requests.DEFAULT_REPEATS)
    group = parser.add_argument_group("boards: leaderboards and stats over a big table")
    group.add_argument("--rows", type=int, default=leaderboard.DEFAULT_ROWS)
    group.add_argument(
        "--runs",
        type=int,
        default=leaderboard.DEFAULT_RUNS,
        help="calls of each query per thread in each round (default %(default)s)",
    )
    group.add_argument(
        "--board-concurrency",
        type=int,
        default=leaderboard.DEFAULT_CONCURRENCY,
        help="clients asking at once (default %(default)s)",
    )
    group.add_argument(
        "--board-processes",
        type=int,
        default=leaderboard.DEFAULT_PROCESSES,
        help="processes the clients are spread over, as WEB_WORKERS (default %(default)s)",
    )
    group.add_argument("--seed", type=int, default=leaderboard.DEFAULT_SEED)
    group = parser.add_argument_group("fanout: one tick's scheduled posts for many teams")
    group.add_argument("--teams", type=int, default=fanout.DEFAULT_TEAMS)
    group.add_argument("--fanout-runs", type=int, default=fanout.DEFAULT_RUNS)
    group.add_argument(
        "--processes", type=_numbers, default=fanout.DEFAULT_PROCESSES, help="e.g. 1,3"
    )
    group.add_argument("--delivery-concurrency", type=int, default=16)
    group.add_argument(
        "--posts",
        type=_kinds,
        default=fanout.KINDS,
        help=f"what the teams are sent: {', '.join(fanout.KINDS)} (default: both)",
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.benchmarks if name not in BENCHMARKS]
    if unknown:
        parser.error(f"no benchmark called {unknown[0]!r}; choose from {', '.join(BENCHMARKS)}")
    if args.database_url and not args.database_url.startswith(("postgresql", "postgres:")):
        parser.error("--database-url takes a PostgreSQL URL; SQLite always runs on a temp file")
    if args.quick:
        args.duration, args.concurrency, args.repeats = 1.0, (2,), 1
        args.rows, args.runs, args.board_concurrency = leaderboard.MIN_ROWS, 1, 2
        args.teams, args.fanout_runs = 20, 1
    if not leaderboard.MIN_ROWS <= args.rows <= leaderboard.MAX_ROWS:
        parser.error(f"--rows must be between {leaderboard.MIN_ROWS} and {leaderboard.MAX_ROWS}")
    counts = (args.runs, args.repeats, args.teams, args.fanout_runs, args.delivery_concurrency)
    if min(*counts, args.board_concurrency, args.board_processes) < 1:
        parser.error("counts must be at least 1")
    if args.duration <= 0:
        parser.error("--duration must be positive")
    return args


def run(args: argparse.Namespace) -> Results:
    """Run the chosen benchmarks on each database, in order; collect their figures."""
    chosen = args.benchmarks or list(BENCHMARKS)
    postgres = postgres_version(args.database_url) if args.database_url else None
    results = Results(facts=run_facts(postgres=postgres))
    databases: list[tuple[str, str | None]] = [("SQLite", None)]
    if args.database_url:
        databases.append(("PostgreSQL", args.database_url))
    for label, url in databases:
        if "requests" in chosen:
            results.figures += requests.run(
                database_url=url,
                duration=args.duration,
                concurrency=args.concurrency,
                repeats=args.repeats,
                label=label,
            )
        if "boards" in chosen:
            figures, seeded = leaderboard.run(
                database_url=url,
                rows=args.rows,
                runs=args.runs,
                seed=args.seed,
                label=label,
                concurrency=args.board_concurrency,
                processes=args.board_processes,
            )
            results.figures += figures
            results.notes.append(seeded)
        if "fanout" in chosen:
            results.figures += fanout.run(
                database_url=url,
                teams=args.teams,
                runs=args.fanout_runs,
                processes=args.processes,
                concurrency=args.delivery_concurrency,
                label=label,
                kinds=args.posts,
            )
    results.notes += [
        f"{f.benchmark}, {f.figure}: {f.note}" for f in results.figures if f.note and not f.ok
    ]
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print the table, write the JSON; exit 1 if any check failed."""
    args = parse_args(argv)
    # A busy app logs warnings (throttled Slack calls, a full queue); that is the scenario.
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    started = time.perf_counter()
    results = run(args)
    results.facts["took"] = f"{time.perf_counter() - started:.0f} s"
    results.facts["speed check"] += f", {speed_check():.0f} ms at the end"
    results.print()
    results.write_json(args.json)
    print(f"\nWritten to {args.json}.")
    if not results.trusted:
        print("\nA CHECK FAILED: the figures marked above are not evidence.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
