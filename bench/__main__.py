"""`python -m bench [leaderboard] [acks] [options]`: run benchmarks, each beside its baseline."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from bench import acks, leaderboard

BENCHMARKS = ("leaderboard", "acks")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read the command line; with no benchmark named, every one runs."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Run Valueboard's benchmarks. Each prints our figures beside a baseline measured "
            "in the same run, on a scratch database that is removed afterwards."
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
            "a PostgreSQL URL to run on, e.g. postgresql://postgres@127.0.0.1:5432/test; "
            "a fresh schema is created and dropped. Default: a temporary SQLite file."
        ),
    )
    board = parser.add_argument_group("leaderboard")
    board.add_argument(
        "--rows",
        type=int,
        default=leaderboard.DEFAULT_ROWS,
        help="logged connections to seed (default %(default)s; the issue's bar is 1000000)",
    )
    board.add_argument(
        "--runs",
        type=int,
        default=leaderboard.DEFAULT_RUNS,
        help="timed runs per operation, after a warm-up (default %(default)s)",
    )
    board.add_argument(
        "--seed", type=int, default=leaderboard.DEFAULT_SEED, help="random seed for the data"
    )
    ack = parser.add_argument_group("acks")
    ack.add_argument(
        "--requests",
        type=int,
        default=acks.DEFAULT_REQUESTS,
        help="concurrent /connect requests per burst (default %(default)s)",
    )
    ack.add_argument(
        "--rounds",
        type=int,
        default=acks.DEFAULT_ROUNDS,
        help="bursts, each sent once the last one was answered (default %(default)s)",
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.benchmarks if name not in BENCHMARKS]
    if unknown:
        parser.error(f"no benchmark called {unknown[0]!r}; choose from {', '.join(BENCHMARKS)}")
    if args.database_url and not args.database_url.startswith(("postgresql", "postgres:")):
        parser.error("--database-url takes a PostgreSQL URL; SQLite runs on a temp file by default")
    if not leaderboard.MIN_ROWS <= args.rows <= leaderboard.MAX_ROWS:
        parser.error(f"--rows must be between {leaderboard.MIN_ROWS} and {leaderboard.MAX_ROWS}")
    if args.runs < 1 or args.requests < 1 or args.rounds < 1:
        parser.error("--runs, --requests and --rounds must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks in order; exit 1 if any of them could not be trusted."""
    args = parse_args(argv)
    # Throttled Slack calls make the app log a warning each time it falls back to defaults;
    # that is the scenario, not news. Errors still show.
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    chosen = args.benchmarks or list(BENCHMARKS)
    started = time.perf_counter()
    print(f"# Valueboard benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
    trusted = True
    for name in BENCHMARKS:
        if name not in chosen:
            continue
        if name == "leaderboard":
            trusted &= leaderboard.run(
                database_url=args.database_url, rows=args.rows, runs=args.runs, seed=args.seed
            )
        else:
            trusted &= acks.run(
                database_url=args.database_url, requests=args.requests, rounds=args.rounds
            )
        print()
    print(f"Finished in {time.perf_counter() - started:.0f} s.")
    return 0 if trusted else 1


if __name__ == "__main__":
    sys.exit(main())
