"""Scheduled posts at Slack's pace: claimed in batches, sent by a bounded pool of workers.

The tick hands over what it owes, team by team. The fan-out claims a batch at a time in the
ledger, just before the posts can go, so that several processes share one tick's work (whoever
inserts a claim owns that post) and no claim waits long enough to look abandoned. It composes
each batch with a few queries (`sending.prepare`) and keeps at most `concurrency` posts in
flight on worker threads, taking them in the order the pacer lets them go: a gap between posts
to one channel and a budget per workspace. A 429 pauses only its workspace and puts the post
back in line (or, for a long Retry-After, books a retry in the ledger); every other workspace
carries on. Successes are recorded in batches; the worker that saw any other outcome records it.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import queue
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slackapp.scheduling import ledger
from slackapp.scheduling.context import TickContext
from slackapp.scheduling.due import Due
from slackapp.scheduling.ledger import Claim
from slackapp.scheduling.pacing import Pacer
from slackapp.scheduling.report import DeliveryLine
from slackapp.scheduling.retries import retry_later
from slackapp.scheduling.sending import Delivered, Post, prepare, record_sent, send
from slackapp.slack.posting import OUTCOME_UNKNOWN, PostOutcome, PostResult

__all__ = ["IN_TICK_WAIT", "FanOut", "Owed"]

log = logging.getLogger(__name__)

#: The longest Retry-After the fan-out waits out itself; a longer one becomes a ledger retry.
IN_TICK_WAIT = 30.0
#: How often one post may be put back in line after a 429 before it becomes a ledger retry.
MAX_REQUEUES = 5
#: Successes are recorded once this many have gathered, or this long after the first of them.
FLUSH_COUNT = 64
FLUSH_SECONDS = 0.5
#: How far into a workspace's line the fan-out looks for a post whose channel is free.
LOOKAHEAD = 8
#: Pacer waits shorter than this count as "now" (floating-point dust).
_EPSILON = 1e-6


@dataclass(slots=True)
class Owed:
    """One team's posts a tick owes: due ones not claimed yet, and claims in hand (retries)."""

    team_id: str
    dues: deque[Due] = field(default_factory=deque)
    claims: deque[Claim] = field(default_factory=deque)

    def __len__(self) -> int:
        return len(self.dues) + len(self.claims)

    def first_due(self) -> datetime:
        """The earliest due time among its posts."""
        times = [claim.due_at for claim in self.claims] + [due.due_at for due in self.dues]
        return min(times)


class _Lanes:
    """Composed posts waiting for Slack's pace: one line per workspace, soonest first."""

    def __init__(self, pacer: Pacer) -> None:
        self._pacer = pacer
        self._lines: dict[str, deque[Post]] = {}
        self._heap: list[tuple[float, int, str]] = []
        self._when: dict[str, float] = {}
        self._order = itertools.count()
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def count(self, workspace: str) -> int:
        """Posts waiting in one workspace's line."""
        line = self._lines.get(workspace)
        return len(line) if line else 0

    def add(self, post: Post, *, now: float, front: bool = False) -> None:
        """Put a post in its workspace's line (at the front when it was already due)."""
        line = self._lines.setdefault(post.workspace, deque())
        if front:
            line.appendleft(post)
        else:
            line.append(post)
        self._count += 1
        self._schedule(post.workspace, now)

    def take_all(self, workspace: str) -> list[Post]:
        """Remove and return every post waiting for `workspace`."""
        line = self._lines.pop(workspace, deque())
        self._when.pop(workspace, None)
        self._count -= len(line)
        return list(line)

    def refresh(self, workspace: str, *, now: float) -> None:
        """Work out again when the workspace's line may move (its pace changed)."""
        self._schedule(workspace, now)

    def _schedule(self, workspace: str, now: float) -> None:
        line = self._lines.get(workspace)
        if not line:
            self._lines.pop(workspace, None)
            self._when.pop(workspace, None)
            return
        wait = min(
            self._pacer.wait(workspace, post.channel, now=now)
            for post in itertools.islice(line, LOOKAHEAD)
        )
        when = now + wait
        if self._when.get(workspace) != when:
            self._when[workspace] = when
            heapq.heappush(self._heap, (when, next(self._order), workspace))

    def next_time(self) -> float | None:
        """When the soonest post may go (monotonic seconds), or None with nothing waiting."""
        while self._heap and self._when.get(self._heap[0][2]) != self._heap[0][0]:
            heapq.heappop(self._heap)  # an entry that was rescheduled since
        return self._heap[0][0] if self._heap else None

    def ready(self, now: float) -> bool:
        """Whether some post may go now."""
        when = self.next_time()
        return when is not None and when <= now

    def pop_ready(self, now: float) -> Post | None:
        """A post the pacer lets go now (and its going recorded), or None."""
        while (when := self.next_time()) is not None and when <= now:
            _, _, workspace = heapq.heappop(self._heap)
            del self._when[workspace]
            line = self._lines[workspace]
            for index, post in enumerate(itertools.islice(line, LOOKAHEAD)):
                if self._pacer.wait(workspace, post.channel, now=now) <= _EPSILON:
                    del line[index]
                    self._count -= 1
                    self._pacer.take(workspace, post.channel, now=now)
                    self._schedule(workspace, now)
                    return post
            self._schedule(workspace, now)
        return None


@dataclass(frozen=True, slots=True)
class _Done:
    """A worker's report: the post, and what became of it (None: it failed unexpectedly)."""

    post: Post
    outcome: PostResult | Delivered | None


@dataclass(frozen=True, slots=True)
class _Composed:
    """The composer's report: a batch claimed and ready to post."""

    posts: list[Post]


class FanOut:
    """Claims, composes and sends a tick's posts with bounded concurrency at Slack's pace.

    Three kinds of thread: this loop (picks what to claim next, hands posts to workers as the
    pacer allows, gathers the outcomes), one composer (claims and composes a batch while the
    loop keeps the workers busy) and `concurrency` workers (one post each at a time).
    """

    def __init__(
        self,
        tick: TickContext,
        *,
        concurrency: int,
        pacer: Pacer,
        batch: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.tick = tick
        self.concurrency = concurrency
        self.pacer = pacer
        #: Posts claimed and composed together, in one transaction and a few queries.
        self.batch = batch or max(2 * concurrency, 16)
        #: Posts of one workspace claimed ahead of its pace; the rest waits its turn unclaimed.
        self.team_chunk = max(1, int(pacer.burst))
        self._clock = clock
        self._lanes = _Lanes(pacer)
        self._pending: deque[Owed] = deque()
        self._held: dict[str, Owed] = {}
        self._deferred: dict[str, datetime] = {}
        self._requeued: dict[int, int] = {}
        self._reports: queue.SimpleQueue[_Done | _Composed] = queue.SimpleQueue()
        self._inflight = 0
        self._composing = False
        self._sent: list[Delivered] = []
        self._flush_at = 0.0
        self.rate_limited = 0

    # ----- the loop ----------------------------------------------------------------------------

    def run(self, owed: Iterable[Owed]) -> None:
        """Send everything in `owed` that this process manages to claim; returns when done."""
        self._pending = deque(unit for unit in owed if unit)
        with (
            ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="delivery") as pool,
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="compose") as composer,
        ):
            try:
                while self._busy():
                    now = self._clock()
                    if not self._composing and self._wants_more(now):
                        batch = self._take_batch()
                        if batch is not None:
                            self._composing = True
                            composer.submit(self._compose, *batch)
                    self._dispatch(pool, now)
                    self._collect(self._timeout(self._clock()))
                    if self._sent and (
                        len(self._sent) >= FLUSH_COUNT or self._clock() >= self._flush_at
                    ):
                        self._flush()
            finally:
                # Whatever happened, what Slack took is written down before we return.
                while self._inflight or self._composing:
                    self._collect(None)
                self._flush()

    def _busy(self) -> bool:
        return bool(self._pending or self._held or self._lanes or self._inflight or self._composing)

    def _wants_more(self, now: float) -> bool:
        if not self._pending and not self._releasable():
            return False
        if len(self._lanes) < 2 * self.concurrency:
            return True
        # A full line that Slack's pace holds back: idle workers may serve other workspaces.
        return self._inflight < self.concurrency and not self._lanes.ready(now)

    def _timeout(self, now: float) -> float | None:
        waits: list[float] = []
        when = self._lanes.next_time()
        # math.inf: every waiting post's channel has a post in flight; its answer wakes us.
        if when is not None and when != math.inf and self._inflight < self.concurrency:
            waits.append(when - now)
        if self._sent:
            waits.append(self._flush_at - now)
        if not self._composing and self._wants_more(now):
            waits.append(0.0)
        if not waits:
            return None if (self._inflight or self._composing) else 0.0
        return max(0.0, min(waits))

    # ----- claiming ----------------------------------------------------------------------------

    def _has_room(self, workspace: str) -> bool:
        # Half empty: the next chunk of a big team is claimed while the rest still goes out.
        return self._lanes.count(workspace) <= self.team_chunk // 2

    def _releasable(self) -> bool:
        return any(self._has_room(ws) for ws in self._held)

    def _release_held(self) -> None:
        for workspace in [ws for ws in self._held if self._has_room(ws)]:
            self._pending.appendleft(self._held.pop(workspace))

    def _take_batch(self) -> tuple[list[Due], list[Claim]] | None:
        """Choose the next batch: a few of each team's posts, as far as its line has room."""
        self._release_held()
        dues: list[Due] = []
        in_hand: list[Claim] = []
        while self._pending and len(dues) + len(in_hand) < self.batch:
            unit = self._pending.popleft()
            if unit.team_id in self._deferred or unit.team_id in self.tick.stopped:
                self._drop(unit)
                continue
            room = min(
                self.team_chunk - self._lanes.count(unit.team_id),
                self.batch - len(dues) - len(in_hand),
            )
            while room > 0 and unit.claims:
                in_hand.append(unit.claims.popleft())
                room -= 1
            while room > 0 and unit.dues:
                dues.append(unit.dues.popleft())
                room -= 1
            if unit:
                # The rest of a big team waits, unclaimed, until its line has room again.
                held = self._held.setdefault(unit.team_id, Owed(unit.team_id))
                held.claims.extend(unit.claims)
                held.dues.extend(unit.dues)
        return (dues, in_hand) if dues or in_hand else None

    def _compose(self, dues: list[Due], in_hand: list[Claim]) -> None:
        """On the composer thread: claim the batch's dues, then compose every post in it."""
        posts: list[Post] = []
        try:
            with self.tick.guard("claiming and composing a batch"):
                claimed: list[Claim] = []
                if dues:
                    with self.tick.session() as session:
                        claimed = ledger.claim_many(
                            session, dues=dues, now=self.tick.now(), worker=self.tick.worker
                        )
                posts = prepare(self.tick, [*in_hand, *claimed])
        finally:
            self._reports.put(_Composed(posts))

    def _drop(self, unit: Owed) -> None:
        """A team stopped or told to wait this tick: its claims in hand are put off."""
        for claim in unit.claims:
            self._put_off(claim)
        unit.claims.clear()
        unit.dues.clear()  # never claimed: the next tick owes them again, if still in time

    def _put_off(self, claim: Claim) -> None:
        if claim.team_id in self.tick.stopped:
            with self.tick.session() as session:
                ledger.mark_skipped(session, delivery_id=claim.id, reason="team inactive")
            self.tick.skipped.append(DeliveryLine.of_claim(claim, "team inactive"))
            return
        retry_later(self.tick, claim, "ratelimited", not_before=self._deferred.get(claim.team_id))

    # ----- sending -----------------------------------------------------------------------------

    def _dispatch(self, pool: ThreadPoolExecutor, now: float) -> None:
        while self._inflight < self.concurrency:
            post = self._lanes.pop_ready(now)
            if post is None:
                return
            if post.workspace in self.tick.stopped:
                self._put_off(post.claim)
                continue
            self._inflight += 1
            pool.submit(self._work, post)

    def _work(self, post: Post) -> None:
        outcome: PostResult | Delivered | None = None
        try:
            outcome = send(self.tick, post)
        except Exception as error:
            claim = post.claim
            log.exception("sending %s to %s failed unexpectedly", claim.kind, claim.target)
            self.tick.errors.append(
                f"{claim.kind} to {claim.target} (team {claim.team_id}): {type(error).__name__}"
            )
            with self.tick.guard(f"recording the failure of delivery {claim.id}"):
                with self.tick.session() as session:
                    # Slack may have taken it before the failure: never send it again.
                    ledger.mark_failed(
                        session,
                        delivery_id=claim.id,
                        error=f"{type(error).__name__}: {OUTCOME_UNKNOWN}, not resent",
                    )
                self.tick.failed.append(DeliveryLine.of_claim(claim, "outcome unknown"))
        finally:
            self._reports.put(_Done(post, outcome))

    def _collect(self, timeout: float | None) -> None:
        """Take the reports of workers and the composer: wait up to `timeout` for the first."""
        try:
            first = self._reports.get(timeout=timeout) if timeout != 0 else None
            reports = [first] if first is not None else [self._reports.get_nowait()]
        except queue.Empty:
            return
        while True:
            try:
                reports.append(self._reports.get_nowait())
            except queue.Empty:
                break
        now = self._clock()
        for report in reports:
            if isinstance(report, _Composed):
                self._composing = False
                for post in report.posts:
                    self._lanes.add(post, now=now)
                continue
            post, outcome = report.post, report.outcome
            self._inflight -= 1
            self.pacer.finished(post.workspace, post.channel, now=now)
            self._lanes.refresh(post.workspace, now=now)
            if isinstance(outcome, Delivered):
                if not self._sent:
                    self._flush_at = now + FLUSH_SECONDS
                self._sent.append(outcome)
            elif isinstance(outcome, PostResult) and outcome.outcome is PostOutcome.RATE_LIMITED:
                self._rate_limited(post, outcome.retry_after or 1.0)

    def _rate_limited(self, post: Post, seconds: float) -> None:
        """Slack said 429: pause this workspace only, and put the post back or book a retry."""
        self.rate_limited += 1
        workspace, claim = post.workspace, post.claim
        now = self._clock()
        self.pacer.pause(workspace, now=now, until=now + seconds)
        tries = self._requeued.get(claim.id, 0) + 1
        self._requeued[claim.id] = tries
        if seconds <= IN_TICK_WAIT and tries <= MAX_REQUEUES:
            log.info(
                "Slack is throttling team %s: its posts wait %.0f s, the others carry on",
                workspace,
                seconds,
            )
            self._lanes.add(post, now=now, front=True)
            return
        log.warning(
            "Slack is throttling team %s for %.0f s: its posts move to a later tick",
            workspace,
            seconds,
        )
        self._deferred[workspace] = self.tick.now() + timedelta(seconds=seconds)
        for waiting in [post, *self._lanes.take_all(workspace)]:
            self._put_off(waiting.claim)
        held = self._held.pop(workspace, None)
        if held is not None:
            self._drop(held)

    def _flush(self) -> None:
        if not self._sent:
            return
        sent, self._sent = self._sent, []
        with self.tick.guard(f"recording {len(sent)} sent posts"):
            # Should this fail, the claims stay open and are closed later as "outcome unknown":
            # never sent twice.
            record_sent(self.tick, sent)
