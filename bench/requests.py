"""The request path under steady load: /connect served by gunicorn, beside an ack-only Bolt app.

Both apps run as they do in production, in their own processes (`python -m slackapp serve` and
`python -m bench.ackonly`, WEB_WORKERS gthread workers each) against the Slack stand-in.
`concurrency` clients each send signed `/connect solve @dana on twitter ...` requests one after
another for `duration` seconds, every request from one of `users` people in turn, as Slack
would. For /connect the confirmation comes back in the ack's own body, so the member sees it the
moment the ack arrives: a confirmation's latency is its ack's.

Figures: acks per second; ack latency p50 and p99; confirmations per second (acks that say
"Saved") and their p99; connections saved per second (rows in the database); requests answered
with anything but HTTP 200 or not at all; confirmations whose row is missing (lost). The work
after the ack (profile refresh, Home publish) keeps up when, once the clients stop, little is
left: the Slack calls that still arrive afterwards, and how long they take to stop.

The baseline is the ack-only app under the same load; it saves nothing and calls nobody.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bench import Figure, child_env, percentile, scratch_database
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.store.db import Database
from slackapp.store.models import Connection

DEFAULT_DURATION = 5.0
DEFAULT_CONCURRENCY = (16, 64)
DEFAULT_REPEATS = 3
#: Seconds of load, not measured, after each app starts: imports, pools and caches warm up.
WARM_UP = 2.0
SIGNING_SECRET = "bench-signing-secret"  # noqa: S105 - a fake only the benchmark uses
TEAM_ID = "T0TEAM"
CONNECT_TEXT = "solve @dana on twitter answered her question about webhook retries"
#: Seconds a request may take before the client gives up (Slack gives up at 3).
CLIENT_TIMEOUT = 10.0
#: After the load: how long without a Slack call counts as drained, and the most to wait.
QUIET = 1.0
DRAIN_LIMIT = 60.0
START_TIMEOUT = 60.0
#: What the app says when it sheds load ("very busy right now, so nothing was saved").
_BUSY_WORDS = ("very busy",)


@dataclass(frozen=True, slots=True)
class Sample:
    """One request: when it was sent, how long the ack took, and what it said."""

    sent_at: float
    seconds: float
    status: int  # 0: no answer (timeout, refused)
    confirmed: bool
    busy: bool


@dataclass(frozen=True, slots=True)
class Load:
    """One timed run of the clients against a served app."""

    samples: tuple[Sample, ...]
    seconds: float
    saved: int
    work_calls: int
    left_after: int
    drain_seconds: float

    def _answered(self) -> list[Sample]:
        return [s for s in self.samples if s.status == 200]

    @property
    def acks_per_second(self) -> float:
        """Requests answered with HTTP 200, per second."""
        return len(self._answered()) / self.seconds

    def ack_percentile(self, fraction: float) -> float:
        """A percentile of the answered requests' latency (inf if none was answered)."""
        answered = [s.seconds for s in self._answered()]
        return percentile(answered, fraction) if answered else float("inf")

    @property
    def confirmed(self) -> list[Sample]:
        """The requests whose ack told the member their connection was saved."""
        return [s for s in self.samples if s.confirmed]

    def confirmation_percentile(self, fraction: float) -> float:
        """A percentile of the confirmations' latency (inf if there was none)."""
        seconds = [s.seconds for s in self.confirmed]
        return percentile(seconds, fraction) if seconds else float("inf")

    @property
    def failed(self) -> int:
        """Requests answered with anything but 200, or not at all."""
        return sum(1 for s in self.samples if s.status != 200)

    @property
    def shed(self) -> int:
        """Requests the app turned away with a visible "busy" answer."""
        return sum(1 for s in self.samples if s.busy)

    @property
    def unclear(self) -> int:
        """Requests answered 200 with neither a confirmation nor "busy" (an error, say)."""
        return sum(1 for s in self.samples if s.status == 200 and not s.confirmed and not s.busy)


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_env(database_url: str, standin: SlackEmulator) -> dict[str, str]:
    return child_env(
        SLACK_BOT_TOKEN=standin.bot_token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.api_url,
        DATABASE_URL=database_url,
        SCHEDULER_ENABLED="false",
        LOG_LEVEL="ERROR",
    )


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise RuntimeError(f"the server never answered {url}")


@contextmanager
def served(app: str, *, database_url: str, standin: SlackEmulator) -> Iterator[str]:
    """Run "valueboard" or "ack-only" under gunicorn; yield its Slack URL, stop it after."""
    port = free_port()
    module = ["slackapp", "serve"] if app == "valueboard" else ["bench.ackonly"]
    with tempfile.TemporaryDirectory(prefix="valueboard-serve-") as folder:
        log = Path(folder) / "server.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", *module, "--port", str(port)],
                env=_server_env(database_url, standin),
                cwd=folder,  # away from any .env
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
            try:
                base = f"http://127.0.0.1:{port}"
                _wait_healthy(f"{base}/healthz", process, log)
                yield f"{base}/slack/events"
            finally:
                process.terminate()
                try:
                    process.wait(timeout=40)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def user_ids(count: int) -> list[str]:
    """The people sending /connect, in turn."""
    return [f"UL{n:05d}" for n in range(count)]


def _send(url: str, user_id: str, signer: SignatureVerifier) -> Sample:
    body = urllib.parse.urlencode(
        {
            "token": "deprecated",
            "team_id": TEAM_ID,
            "team_domain": "acme",
            "channel_id": "C0BENCH",
            "channel_name": "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": "/connect",
            "text": CONNECT_TEXT,
            "api_app_id": "A0APP",
            "response_url": "http://127.0.0.1:9/never-used",
            "trigger_id": f"trigger.{time.monotonic_ns()}",
        }
    ).encode()
    timestamp = str(int(time.time()))
    signature = signer.generate_signature(timestamp=timestamp, body=body)
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature or "",
        },
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=CLIENT_TIMEOUT) as response:
            status, answer = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, answer = error.code, error.read()
    except (urllib.error.URLError, OSError):
        return Sample(started, time.monotonic() - started, 0, False, False)
    seconds = time.monotonic() - started
    text = answer.decode("utf-8", "replace")
    try:
        said = str(json.loads(text).get("text", "")) if text else ""
    except (ValueError, AttributeError):
        said = text
    busy = any(word in said.lower() for word in _BUSY_WORDS)
    return Sample(started, seconds, status, status == 200 and said.startswith("Saved"), busy)


def drive(url: str, *, concurrency: int, duration: float, users: Sequence[str]) -> list[Sample]:
    """`concurrency` clients, each sending one request after another for `duration` seconds."""
    signer = SignatureVerifier(SIGNING_SECRET)
    samples: list[Sample] = []
    lock = threading.Lock()
    start = threading.Barrier(concurrency)
    stop_at = [0.0]

    def client(index: int) -> None:
        mine: list[Sample] = []
        start.wait(timeout=30)
        if index == 0:
            stop_at[0] = time.monotonic() + duration
        while not stop_at[0]:
            time.sleep(0.001)
        turn = index
        while time.monotonic() < stop_at[0]:
            mine.append(_send(url, users[turn % len(users)], signer))
            turn += concurrency
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


def _saved(db: Database) -> int:
    with db.session_scope() as session:
        return int(session.scalar(select(func.count()).select_from(Connection)) or 0)


def _work_calls(standin: SlackEmulator) -> list[float]:
    return [call.at for call in standin.calls() if call.method != "auth.test"]


def measure(
    url: str,
    db: Database,
    standin: SlackEmulator,
    *,
    concurrency: int,
    duration: float,
    users: Sequence[str],
) -> Load:
    """One run: the load for `duration`, then what was saved and what work was left."""
    before = _saved(db)
    standin.reset()
    started = time.monotonic()
    samples = drive(url, concurrency=concurrency, duration=duration, users=users)
    ended = time.monotonic()
    during = len(_work_calls(standin))
    # Drained once no Slack call has come for QUIET seconds (or after DRAIN_LIMIT).
    while True:
        now = time.monotonic()
        latest = max(_work_calls(standin), default=ended)
        if now - max(latest, ended) >= QUIET or now - ended >= DRAIN_LIMIT:
            break
        time.sleep(0.1)
    calls = _work_calls(standin)
    after = [at for at in calls if at > ended]
    return Load(
        samples=tuple(samples),
        seconds=ended - started,
        saved=_saved(db) - before,
        work_calls=during,
        left_after=len(after),
        drain_seconds=max(after, default=ended) - ended,
    )


def _figures(
    label: str, concurrency: int, ours: Sequence[Load], floor: Sequence[Load]
) -> list[Figure]:
    bench = f"request path ({label})"
    at = f"at {concurrency}"
    lost = sum(max(0, len(run.confirmed) - run.saved) for run in ours)
    unanswered = sum(run.failed for run in ours)

    def times(runs: Sequence[Load], pick: str) -> tuple[float, ...]:
        return tuple(getattr(run, pick) for run in runs)

    return [
        Figure(
            bench,
            f"acks/s {at}",
            "/s",
            times(ours, "acks_per_second"),
            times(floor, "acks_per_second"),
            "ack-only",
        ),
        Figure(
            bench,
            f"ack p50 {at}",
            "ms",
            tuple(r.ack_percentile(0.5) for r in ours),
            tuple(r.ack_percentile(0.5) for r in floor),
            "ack-only",
        ),
        Figure(
            bench,
            f"ack p99 {at}",
            "ms",
            tuple(r.ack_percentile(0.99) for r in ours),
            tuple(r.ack_percentile(0.99) for r in floor),
            "ack-only",
        ),
        Figure(
            bench,
            f"confirmed/s {at}",
            "/s",
            tuple(len(r.confirmed) / r.seconds for r in ours),
            tuple(len(r.confirmed) / r.seconds for r in floor),
            "ack-only",
        ),
        Figure(
            bench,
            f"confirmation p99 {at}",
            "ms",
            tuple(r.confirmation_percentile(0.99) for r in ours),
            tuple(r.confirmation_percentile(0.99) for r in floor),
            "ack-only",
        ),
        Figure(
            bench,
            f"saved/s {at}",
            "/s",
            tuple(r.saved / r.seconds for r in ours),
            note=f"{lost} confirmed but not saved",
            ok=lost == 0,
        ),
        Figure(
            bench,
            f"follow-up Slack calls/s {at}",
            "/s",
            tuple(r.work_calls / r.seconds for r in ours),
        ),
        Figure(
            bench,
            f"follow-ups left when the load stopped {at}",
            "count",
            tuple(float(r.left_after) for r in ours),
        ),
        Figure(bench, f"time to drain them {at}", "s", tuple(r.drain_seconds for r in ours)),
        Figure(
            bench,
            f"not answered 200 {at}",
            "count",
            tuple(float(r.failed) for r in ours),
            tuple(float(r.failed) for r in floor),
            "ack-only",
            note=f"{unanswered} in all; {sum(r.shed for r in ours)} told 'busy'",
        ),
        Figure(
            bench,
            f"told busy, nothing saved {at}",
            "count",
            tuple(float(r.shed) for r in ours),
        ),
        Figure(
            bench,
            f"answered neither 'Saved' nor 'busy' {at}",
            "count",
            tuple(float(r.unclear) for r in ours),
            note=f"{sum(r.unclear for r in ours)} in all",
            ok=all(r.unclear == 0 for r in ours),
        ),
    ]


def run(
    *,
    database_url: str | None,
    duration: float = DEFAULT_DURATION,
    concurrency: Sequence[int] = DEFAULT_CONCURRENCY,
    repeats: int = DEFAULT_REPEATS,
    label: str = "SQLite",
) -> list[Figure]:
    """Serve both apps on a scratch database; for each concurrency, `repeats` timed runs each."""
    runs_needed = repeats * len(concurrency)
    # The daily cap is 50 a person: enough people that nobody reaches it.
    people = user_ids(max(200, int(runs_needed * duration * 400 / 40)))
    figures: list[Figure] = []
    with scratch_database(database_url) as db, SlackEmulator() as standin:
        for user_id in people:
            standin.add_user(user_id, display_name=f"Person {user_id[2:]}", tz="UTC")
        loads: dict[tuple[str, int], list[Load]] = {}
        for app in ("valueboard", "ack-only"):
            with served(app, database_url=db.url, standin=standin) as url:
                measure(  # the warm-up, drained before the first measured run
                    url,
                    db,
                    standin,
                    concurrency=max(concurrency),
                    duration=WARM_UP,
                    users=people,
                )
                for level in concurrency:
                    for n in range(repeats):
                        print(
                            f"request path on {label}: {app} at concurrency {level}, "
                            f"run {n + 1} of {repeats}",
                            file=sys.stderr,
                        )
                        loads.setdefault((app, level), []).append(
                            measure(
                                url,
                                db,
                                standin,
                                concurrency=level,
                                duration=duration,
                                users=people,
                            )
                        )
        for level in concurrency:
            figures += _figures(
                label, level, loads[("valueboard", level)], loads[("ack-only", level)]
            )
    return figures
