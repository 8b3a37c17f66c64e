"""Scheduled posts for many teams: one tick's time beside the ideal for the concurrency used.

Two kinds of post, each timed on its own database:
- nudges: `teams` teams, every other one nudged in a channel and the rest by DM (one member
  each), all due at 09:00 UTC on a Monday, each with a few connections on the Friday before so
  that the nudge has numbers to show;
- weekly digests: the same teams, each with its digest due in its channel at the same time
  instead (a digest goes to a channel only), over the week those connections fall in: a
  message, then its chart, an upload of three calls (files.getUploadURLExternal, the upload,
  files.completeUploadExternal).
The stand-in answers every chat.postMessage after 100 ms, the issue's Slack, and each upload
call (the two Web API ones) after 100 ms as well.

The run: `processes` workers (real processes, `python -m bench.fanout`) each start, load
everything, and wait; then all run one tick at the same instant against the same database, as
the app's processes do when their schedulers fire together. The figure is the time from the
first tick's start to the last one's end. The baseline is the ideal: every post taking exactly
the stand-in's 100 ms, every worker thread of every process busy all the time, so
posts x calls per post x 100 ms / (processes x DELIVERY_CONCURRENCY): one call per nudge, three
per digest (its message and the two upload calls). Every post must reach the stand-in exactly
once and be marked sent in the ledger, and every digest's chart must be shared once in its
channel: a post or chart lost or sent twice fails the check.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select

from bench import Figure, child_env, scratch_database
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.store.db import Database
from slackapp.store.models import Connection, Delivery, Member, Team
from slackapp.store.tallies import rebuild

DEFAULT_TEAMS = 1_000
DEFAULT_RUNS = 3
DEFAULT_PROCESSES = (1, 3)
#: What the teams are sent: "nudges", "digests" (weekly, with their chart).
KINDS = ("nudges", "digests")
#: Seconds the stand-in takes to answer each post (the issue's Slack).
LATENCY = 0.1
#: Monday 15 March 2027, half a minute after the nudges fell due.
AT = datetime(2027, 3, 15, 9, 0, 30, tzinfo=UTC)
FRIDAY = date(2027, 3, 12)
SEEDED_AT = datetime(2027, 1, 4, tzinfo=UTC)
#: How long a worker may take to start, and a tick to finish, before the run is called off.
START_TIMEOUT = 120.0
TICK_TIMEOUT = 600.0

log = logging.getLogger(__name__)


def seed_teams(db: Database, *, teams: int, kind: str = "nudges") -> list[str]:
    """Insert the teams, their DM members and Friday's connections; every post's target.

    `kind` "nudges": every other team nudged in a channel, the rest by DM; "digests": every
    team's weekly digest due in its channel at the same time, and no nudges.
    """
    if kind not in KINDS:
        raise ValueError(f"no kind of post called {kind!r}")
    digests = kind == "digests"
    team_rows: list[dict[str, Any]] = []
    member_rows: list[dict[str, Any]] = []
    connection_rows: list[dict[str, Any]] = []
    targets: list[str] = []
    for n in range(teams):
        team_id, dm = f"TF{n:05d}", n % 2 == 1 and not digests
        target = f"UF{n:05d}" if dm else f"CF{n:05d}"
        targets.append(target)
        team_rows.append(
            {
                "team_id": team_id,
                "name": f"Team {n}",
                "timezone": "UTC",
                "created_at": SEEDED_AT,
                "nudge_mode": "off" if digests else "dm" if dm else "channel",
                "nudge_channel": None if dm or digests else target,
                "nudge_time": "09:00",
                "digest_mode": "weekly" if digests else "off",
                "digest_channel": target if digests else None,
                "digest_time": "09:00",
                "digest_weekday": AT.weekday(),
                "settings_updated_by": "UADMIN",
                "settings_updated_at": SEEDED_AT,
            }
        )
        for m, user_id in enumerate([target] if dm else [f"UF{n:05d}a", f"UF{n:05d}b"]):
            member_rows.append(
                {"team_id": team_id, "user_id": user_id, "timezone": "UTC", "created_at": SEEDED_AT}
            )
            connection_rows.extend(
                {
                    "team_id": team_id,
                    "user_id": user_id,
                    "principle": ("solve", "care", "laugh", "opportunity")[(n + m + k) % 4],
                    "note": "",
                    "local_date": FRIDAY,
                    "created_at": datetime(2027, 3, 12, 12, k, tzinfo=UTC),
                    "source": "command",
                }
                for k in range(1 + (n + m) % 3)
            )
    with db.session_scope() as session:
        session.execute(insert(Team), team_rows)
        session.execute(insert(Member), member_rows)
        session.execute(insert(Connection), connection_rows)
        # Inserted as rows: the counts the app keeps beside them are worked out once.
        rebuild(session)
    return targets


@dataclass(frozen=True, slots=True)
class Outcome:
    """One run: how long the ticks took together, and whether every post went exactly once."""

    seconds: float
    cpu: float
    sent: int
    duplicates: int
    lost: int
    not_sent_in_ledger: int
    errors: tuple[str, ...]
    charts_twice: int = 0
    charts_missing: int = 0


def worker_env(database_url: str, standin: SlackEmulator, *, concurrency: int) -> dict[str, str]:
    """The environment of a worker: the database, the stand-in and the concurrency."""
    return child_env(
        DATABASE_URL=database_url,
        SLACK_API_URL=standin.api_url,
        SLACK_BOT_TOKEN=standin.bot_token,
        DELIVERY_CONCURRENCY=str(concurrency),
        LOG_LEVEL="ERROR",
    )


def _start_workers(env: dict[str, str], count: int) -> list[subprocess.Popen[str]]:
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.fanout", AT.isoformat()],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    for worker in workers:
        assert worker.stdout is not None
        line = worker.stdout.readline()
        if line.strip() != "ready":
            for other in workers:
                other.kill()
            _, err = worker.communicate(timeout=START_TIMEOUT)
            raise RuntimeError(f"a fan-out worker did not start: {line!r}\n{err}")
    return workers


def run_once(
    db: Database,
    standin: SlackEmulator,
    *,
    targets: Sequence[str],
    processes: int,
    concurrency: int,
    charts: bool = False,
) -> Outcome:
    """Start `processes` workers, let them tick at once, and check what reached the stand-in.

    `charts`: each target should also have had one chart shared in it (weekly digests).
    """
    with db.session_scope() as session:
        session.execute(delete(Delivery))
    standin.reset()
    workers = _start_workers(worker_env(db.url, standin, concurrency=concurrency), processes)
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    reports: list[dict[str, Any]] = []
    errors: list[str] = []
    for worker in workers:
        out, err = worker.communicate(timeout=TICK_TIMEOUT)
        lines = out.strip().splitlines()
        if worker.returncode != 0 or not lines:
            errors.append(f"worker exited {worker.returncode}: {err.strip()[-500:]}")
            continue
        reports.append(json.loads(lines[-1]))
    posted = Counter(str(call.params.get("channel")) for call in standin.calls("chat.postMessage"))
    shared = Counter(
        str(call.params.get("channel_id")) for call in standin.calls("files.completeUploadExternal")
    )
    with db.session_scope() as session:
        sent_rows = session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.status == "sent")
        )
    errors += [error for report in reports for error in report["errors"]]
    return Outcome(
        seconds=(
            max(r["finished"] for r in reports) - min(r["started"] for r in reports)
            if reports
            else float("nan")
        ),
        cpu=sum(r["cpu"] for r in reports),
        sent=sum(r["sent"] for r in reports),
        duplicates=sum(n - 1 for n in posted.values() if n > 1),
        lost=sum(1 for target in targets if posted[target] == 0),
        not_sent_in_ledger=len(targets) - int(sent_rows or 0),
        errors=tuple(errors),
        charts_twice=sum(n - 1 for n in shared.values() if n > 1) if charts else 0,
        charts_missing=sum(1 for target in targets if shared[target] == 0) if charts else 0,
    )


#: Slack calls each post makes: a nudge's message; a digest's message and its chart's upload.
CALLS_PER_POST = {"nudges": 1, "digests": 3}
#: The Web API methods the stand-in answers after LATENCY, for each kind of post.
SLOW_METHODS = {
    "nudges": ("chat.postMessage",),
    "digests": (
        "chat.postMessage",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ),
}


def run(
    *,
    database_url: str | None,
    teams: int = DEFAULT_TEAMS,
    runs: int = DEFAULT_RUNS,
    processes: Sequence[int] = DEFAULT_PROCESSES,
    concurrency: int = 16,
    label: str = "SQLite",
    kinds: Sequence[str] = KINDS,
) -> list[Figure]:
    """For each kind of post, seed `teams` teams once, then time `runs` ticks for each number
    of processes."""
    figures: list[Figure] = []
    for kind in kinds:
        figures += _run_kind(
            kind,
            database_url=database_url,
            teams=teams,
            runs=runs,
            processes=processes,
            concurrency=concurrency,
            label=label,
        )
    return figures


def _run_kind(
    kind: str,
    *,
    database_url: str | None,
    teams: int,
    runs: int,
    processes: Sequence[int],
    concurrency: int,
    label: str,
) -> list[Figure]:
    figures: list[Figure] = []
    digests = kind == "digests"
    with scratch_database(database_url) as db, SlackEmulator() as standin:
        targets = seed_teams(db, teams=teams, kind=kind)
        for method in SLOW_METHODS[kind]:
            standin.slow(method, LATENCY)
        for count in processes:
            outcomes: list[Outcome] = []
            for n in range(runs):
                print(
                    f"fan-out on {label}: {teams:,} teams' {kind}, {count} process(es), "
                    f"run {n + 1} of {runs}",
                    file=sys.stderr,
                )
                outcomes.append(
                    run_once(
                        db,
                        standin,
                        targets=targets,
                        processes=count,
                        concurrency=concurrency,
                        charts=digests,
                    )
                )
            ideal = len(targets) * CALLS_PER_POST[kind] * LATENCY / (count * concurrency)
            faults = [
                o
                for o in outcomes
                if o.duplicates
                or o.lost
                or o.not_sent_in_ledger
                or o.errors
                or o.sent != len(targets)
                or o.charts_twice
                or o.charts_missing
            ]
            note = (
                f"{sum(o.duplicates for o in outcomes)} sent twice, "
                f"{sum(o.lost for o in outcomes)} lost"
            )
            if digests:
                note += (
                    f"; charts: {sum(o.charts_twice for o in outcomes)} shared twice, "
                    f"{sum(o.charts_missing for o in outcomes)} missing"
                )
            if faults:
                note += "; " + "; ".join(
                    f"{o.not_sent_in_ledger} not marked sent, errors: {list(o.errors)[:3]}"
                    for o in faults
                )
            what = "teams' weekly digests" if digests else "teams"
            figures.append(
                Figure(
                    benchmark=f"fan-out ({label})",
                    figure=(
                        f"{teams:,} {what}, {count} process{'es' if count > 1 else ''} x "
                        f"{concurrency}: tick"
                    ),
                    unit="s",
                    samples=tuple(o.seconds for o in outcomes),
                    baseline=(ideal,),
                    baseline_label="ideal",
                    note=note,
                    ok=not faults,
                )
            )
            cpu = sorted(o.cpu for o in outcomes)[len(outcomes) // 2]
            print(
                f"fan-out on {label}: {teams:,} teams' {kind}, {count} process(es): "
                f"{cpu:.1f} s of CPU in the workers (median)",
                file=sys.stderr,
            )
    return figures


def worker_main(argv: Sequence[str]) -> int:
    """One worker: load everything, say "ready", wait for "go", tick once, print the result."""
    from slackapp.config import load_settings
    from slackapp.runtime.app import build_client
    from slackapp.scheduling.tick import run_tick

    at = datetime.fromisoformat(argv[0])
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    settings = load_settings(dotenv_path=None)
    db = Database(settings.database_url)
    client = build_client(settings, scheduled=True)
    print("ready", flush=True)
    sys.stdin.readline()
    started, cpu = time.monotonic(), time.process_time()
    report = run_tick(settings=settings, db=db, client=client, at=at)
    finished, cpu = time.monotonic(), time.process_time() - cpu
    db.dispose()
    result = {
        "started": started,
        "finished": finished,
        "cpu": cpu,
        "sent": len(report.sent),
        "failed": len(report.failed),
        "retrying": len(report.retrying),
        "skipped": len(report.skipped),
        "errors": list(report.errors),
    }
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(worker_main(sys.argv[1:]))
