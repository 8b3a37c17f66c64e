"""The delivery engine: one short tick that sends whatever nudges and digests are due.

Every process may run the tick (APScheduler in `serve` and `socket`, cron via `deliver`): the
database is the lock. A tick asks each team's schedule what fell due in a recent window, claims
each post in the deliveries ledger (committed before Slack is called), posts it, and records the
outcome. Nothing a team or Slack does can stop the tick for the other teams.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.domain.calendar import span_label as period_label
from slackapp.domain.digests import DigestKind
from slackapp.domain.team_settings import DigestMode, NudgeMode, parse_time, work_days_from_mask
from slackapp.render.digest import digest_chart, digest_message
from slackapp.render.kit import Message
from slackapp.render.nudge import nudge_message
from slackapp.scheduling import ledger
from slackapp.scheduling.digests import build_digest
from slackapp.scheduling.due import DeliveryKind, Due, Recipient, TeamSchedule, due_deliveries
from slackapp.scheduling.ledger import Claim, Status
from slackapp.scheduling.nudges import member_nudge, team_nudge
from slackapp.slack.posting import (
    MEMBER_GONE_ERRORS,
    PostOutcome,
    PostResult,
    pause_explanation,
    post_scheduled,
    tell_admin,
    upload_chart,
)
from slackapp.store.connections import forget_events
from slackapp.store.models import Member, Team
from slackapp.usecases.services import Valueboard

__all__ = [
    "MISFIRE_GRACE_SECONDS",
    "NOTICE_WINDOW",
    "TICK_SECONDS",
    "DeliveryLine",
    "PausedSchedule",
    "TickReport",
    "describe_report",
    "resume_reinstalled_team",
    "run_tick",
    "start_scheduler",
]

log = logging.getLogger(__name__)

#: How often the in-process scheduler ticks.
TICK_SECONDS = 60.0
#: A tick that starts this late is dropped: the next one covers the same ground anyway.
MISFIRE_GRACE_SECONDS = 50
#: How far past the grace period a tick still looks, so posts lost to downtime are logged
#: as skipped rather than silently forgotten.
NOTICE_WINDOW = timedelta(hours=6)
_JOB_ID = "valueboard-deliveries"
#: How long handled Events API ids are kept for spotting Slack's retries.
EVENT_MEMORY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DeliveryLine:
    """One delivery the tick acted on, for the report."""

    team_id: str
    kind: str
    target: str
    local_date: date
    due_at: datetime
    detail: str = ""

    def describe(self) -> str:
        """One line for people: what, where, for which day, when it was due."""
        due = self.due_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        extra = f" ({self.detail})" if self.detail else ""
        return (
            f"{self.kind} to {self.target} for {self.local_date.isoformat()} "
            f"[team {self.team_id}, due {due}]{extra}"
        )


@dataclass(frozen=True, slots=True)
class PausedSchedule:
    """A schedule this tick paused because its channel refused us."""

    team_id: str
    kind: str
    channel: str
    reason: str
    admin_told: bool


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one tick did."""

    at: datetime
    sent: tuple[DeliveryLine, ...] = ()
    skipped: tuple[DeliveryLine, ...] = ()
    failed: tuple[DeliveryLine, ...] = ()
    retrying: tuple[DeliveryLine, ...] = ()
    paused: tuple[PausedSchedule, ...] = ()
    deactivated: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def quiet(self) -> bool:
        """Whether the tick found nothing to do."""
        return not (
            self.sent
            or self.skipped
            or self.failed
            or self.retrying
            or self.paused
            or self.deactivated
            or self.errors
        )


@dataclass(frozen=True, slots=True)
class _Chart:
    png: bytes
    filename: str
    title: str
    comment: str


@dataclass(slots=True)
class _Tick:
    valueboard: Valueboard
    client: WebClient
    at: datetime
    grace: timedelta
    worker: str
    started: float = field(default_factory=time.perf_counter)
    sent: list[DeliveryLine] = field(default_factory=list)
    skipped: list[DeliveryLine] = field(default_factory=list)
    failed: list[DeliveryLine] = field(default_factory=list)
    retrying: list[DeliveryLine] = field(default_factory=list)
    paused: list[PausedSchedule] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Teams whose token stopped working during this tick: nothing more is tried for them.
    stopped: set[str] = field(default_factory=set)

    def clock(self) -> datetime:
        """`at` moved on by the time this tick has taken so far."""
        # Claims are stamped with it: a tick that spends many minutes on a big team must not
        # look, to another process, like one that died mid-post long ago.
        return self.at + timedelta(seconds=time.perf_counter() - self.started)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.valueboard.db.session_scope() as session:
            yield session

    @contextmanager
    def guard(self, what: str) -> Iterator[None]:
        """Log and note any failure in `what`, so the rest of the tick still runs."""
        try:
            yield
        except Exception as error:
            log.exception("delivery tick: %s failed", what)
            self.errors.append(f"{what}: {type(error).__name__}: {_first_line(error)}")

    # -- the tick ------------------------------------------------------------------------

    def run(self) -> None:
        with self.guard("forgetting old event ids"), self.session() as session:
            # Slack retries an event within minutes; a day of ids is plenty to recognise them.
            forget_events(session, before=self.at - EVENT_MEMORY)
        with self.guard("closing abandoned claims"), self.session() as session:
            for closed in ledger.abandon_stale_claims(session, now=self.at):
                log.error(
                    "delivery %s (%s to %s) was claimed but never finished; not resending it",
                    closed.id,
                    closed.kind,
                    closed.target,
                )
                self.failed.append(_line(closed, "outcome unknown: its process stopped"))
        plans: list[tuple[TeamSchedule, list[Recipient]]] = []
        with self.guard("loading team schedules"), self.session() as session:
            plans = _load_schedules(session)
        lookback = self.grace + NOTICE_WINDOW
        for schedule, members in plans:
            with self.guard(f"team {schedule.team_id}"):
                dues = due_deliveries(schedule, members=members, now=self.at, lookback=lookback)
                self._handle_team(schedule.team_id, dues)
        with self.guard("retries"):
            self._handle_retries()

    def _handle_team(self, team_id: str, dues: Sequence[Due]) -> None:
        if not dues:
            return
        with self.session() as session:
            known = ledger.known_keys(
                session,
                team_id=team_id,
                first_day=min(due.local_date for due in dues),
                last_day=max(due.local_date for due in dues),
            )
        for due in dues:
            if team_id in self.stopped:
                return
            if due.key in known:
                continue
            late = self.at - due.due_at
            if late > self.grace:
                reason = f"{_minutes(late)} late, past the {_minutes(self.grace)} grace period"
                with self.session() as session:
                    recorded = ledger.record_skipped(session, due=due, reason=reason)
                if recorded:
                    log.warning(
                        "skipped %s to %s for %s (team %s): due %s, %s",
                        due.kind,
                        due.target,
                        due.local_date,
                        team_id,
                        due.due_at.isoformat(),
                        reason,
                    )
                    self.skipped.append(_due_line(due, reason))
                continue
            with self.session() as session:
                claim = ledger.claim(session, due=due, now=self.clock(), worker=self.worker)
            if claim is not None:
                with self.guard(f"{due.kind} to {due.target} (team {team_id})"):
                    self._deliver(claim)

    def _handle_retries(self) -> None:
        with self.session() as session:
            taken, expired = ledger.claim_retries(
                session, now=self.at, grace=self.grace, worker=self.worker
            )
        for claim in expired:
            log.warning(
                "gave up on %s to %s for %s (team %s): still failing after the grace period",
                claim.kind,
                claim.target,
                claim.local_date,
                claim.team_id,
            )
            self.failed.append(_line(claim, "gave up: past the grace period"))
        for claim in taken:
            if claim.team_id in self.stopped:
                with self.session() as session:
                    ledger.mark_skipped(session, delivery_id=claim.id, reason="team inactive")
                continue
            with self.guard(f"retry of {claim.kind} to {claim.target} (team {claim.team_id})"):
                self._deliver(claim)

    # -- one delivery ----------------------------------------------------------------------

    def _deliver(self, claim: Claim) -> None:
        """Send a claimed delivery and record what became of it."""
        try:
            with self.session() as session:
                team = session.get(Team, claim.team_id)
                unwanted = _unwanted(session, team, claim)
                if team is None or unwanted is not None:
                    ledger.mark_skipped(session, delivery_id=claim.id, reason=unwanted or "")
                    self.skipped.append(_line(claim, unwanted or ""))
                    return
                direct = claim.kind is DeliveryKind.NUDGE and team.nudge_mode == NudgeMode.DM
                admin_id = team.settings_updated_by
                message, chart = _compose(session, team, claim, direct=direct)
        except Exception as error:
            # Most likely the database blinked; a bug would fail every try and end as failed.
            log.exception("could not prepare %s for %s", claim.kind, claim.target)
            self._retry(claim, f"preparing: {type(error).__name__}")
            return
        result = post_scheduled(self.client, channel=claim.target, message=message, direct=direct)
        self._record(claim, result, chart=chart, admin_id=admin_id)

    def _record(
        self, claim: Claim, result: PostResult, *, chart: _Chart | None, admin_id: str | None
    ) -> None:
        outcome, code = result.outcome, result.error or ""
        if outcome is PostOutcome.SENT:
            with self.session() as session:
                ledger.mark_sent(
                    session,
                    delivery_id=claim.id,
                    now=self.clock(),
                    message_ts=result.ts,
                    note="joined the channel to post" if result.joined else None,
                )
            detail = "joined the channel first" if result.joined else ""
            if chart is not None:
                # The message is already out and recorded; a failed upload must never resend it.
                problem = upload_chart(
                    self.client,
                    channel=result.channel or claim.target,
                    png=chart.png,
                    filename=chart.filename,
                    title=chart.title,
                    initial_comment=chart.comment,
                )
                if problem:
                    log.warning("digest %s sent but its chart was not: %s", claim.id, problem)
                    with self.session() as session:
                        ledger.note_on(session, delivery_id=claim.id, note=problem)
                detail = problem or "with its chart"
            self.sent.append(_line(claim, detail))
        elif outcome is PostOutcome.RETRY:
            self._retry(claim, code)
        elif outcome is PostOutcome.SKIP_MEMBER:
            with self.session() as session:
                ledger.mark_failed(session, delivery_id=claim.id, error=f"member: {code}")
                if code in MEMBER_GONE_ERRORS:
                    ledger.mark_member_unreachable(
                        session,
                        team_id=claim.team_id,
                        user_id=claim.target,
                        is_bot=code == "cannot_dm_bot",
                    )
            log.info("skipped DM nudge to %s (team %s): %s", claim.target, claim.team_id, code)
            self.failed.append(_line(claim, f"member skipped: {code}"))
        elif outcome is PostOutcome.PAUSE:
            self._pause(claim, code, admin_id=admin_id)
        elif outcome is PostOutcome.TEAM_INACTIVE:
            with self.session() as session:
                ledger.mark_failed(session, delivery_id=claim.id, error=code)
                newly = ledger.deactivate_team(session, team_id=claim.team_id, reason=code)
            self.stopped.add(claim.team_id)
            if newly:
                log.error(
                    "team %s marked inactive: Slack answered %s; its schedules are stopped",
                    claim.team_id,
                    code,
                )
                self.deactivated.append(claim.team_id)
            self.failed.append(_line(claim, f"team inactive: {code}"))
        else:
            with self.session() as session:
                ledger.mark_failed(session, delivery_id=claim.id, error=code)
            log.error(
                "%s to %s (team %s) failed for good: %s",
                claim.kind,
                claim.target,
                claim.team_id,
                code,
            )
            self.failed.append(_line(claim, code))

    def _retry(self, claim: Claim, error: str) -> None:
        with self.session() as session:
            status = ledger.mark_retry(session, delivery_id=claim.id, now=self.at, error=error)
        if status is Status.RETRY:
            wait = _minutes(ledger.backoff(claim.attempts))
            log.warning(
                "%s to %s (team %s) failed (%s); try %d of %d in %s",
                claim.kind,
                claim.target,
                claim.team_id,
                error,
                claim.attempts + 1,
                ledger.MAX_ATTEMPTS,
                wait,
            )
            self.retrying.append(_line(claim, f"{error}; next try in {wait}"))
        else:
            log.error(
                "%s to %s gave up after %d tries: %s",
                claim.kind,
                claim.target,
                claim.attempts,
                error,
            )
            self.failed.append(_line(claim, f"gave up after {claim.attempts} tries: {error}"))

    def _pause(self, claim: Claim, code: str, *, admin_id: str | None) -> None:
        reason = f"{code} in {claim.target}"
        with self.session() as session:
            ledger.mark_failed(session, delivery_id=claim.id, error=f"paused: {code}")
            newly = ledger.pause_schedule(
                session, team_id=claim.team_id, kind=claim.kind, reason=reason
            )
        self.failed.append(_line(claim, f"schedule paused: {code}"))
        if not newly:
            return
        log.warning(
            "paused the %s of team %s: %s; telling admin %s",
            claim.kind,
            claim.team_id,
            reason,
            admin_id or "(nobody saved the settings)",
        )
        told = False
        if admin_id:
            text = pause_explanation(
                kind=claim.kind.value, channel=claim.target, error=code, admin_id=admin_id
            )
            told = tell_admin(self.client, admin_id=admin_id, text=text)
        self.paused.append(
            PausedSchedule(claim.team_id, claim.kind.value, claim.target, reason, told)
        )

    def report(self, seconds: float) -> TickReport:
        return TickReport(
            at=self.at,
            sent=tuple(self.sent),
            skipped=tuple(self.skipped),
            failed=tuple(self.failed),
            retrying=tuple(self.retrying),
            paused=tuple(self.paused),
            deactivated=tuple(self.deactivated),
            errors=tuple(self.errors),
            seconds=seconds,
        )


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else ""


def _minutes(span: timedelta) -> str:
    total = int(span.total_seconds() // 60)
    hours, minutes = divmod(total, 60)
    if hours and minutes:
        return f"{hours}h {minutes}m"
    return f"{hours}h" if hours else f"{minutes} min"


def _line(claim: Claim, detail: str) -> DeliveryLine:
    return DeliveryLine(
        claim.team_id, claim.kind.value, claim.target, claim.local_date, claim.due_at, detail
    )


def _due_line(due: Due, detail: str) -> DeliveryLine:
    return DeliveryLine(due.team_id, due.kind.value, due.target, due.local_date, due.due_at, detail)


def _schedule_of(team: Team) -> TeamSchedule:
    return TeamSchedule(
        team_id=team.team_id,
        timezone=team.timezone,
        work_days=work_days_from_mask(team.work_days_mask),
        nudge_mode=_enum(NudgeMode, team.nudge_mode, NudgeMode.OFF),
        nudge_channel=team.nudge_channel,
        nudge_time=parse_time(team.nudge_time) or _bad_time(team, "nudge_time"),
        digest_mode=_enum(DigestMode, team.digest_mode, DigestMode.OFF),
        digest_channel=team.digest_channel,
        digest_time=parse_time(team.digest_time) or _bad_time(team, "digest_time"),
        digest_weekday=team.digest_weekday,
        is_active=team.is_active,
        nudge_paused=team.nudge_paused_reason is not None,
        digest_paused=team.digest_paused_reason is not None,
        starts_at=team.settings_updated_at,
    )


def _bad_time(team: Team, column: str) -> Any:
    raise ValueError(f"team {team.team_id} has an unreadable {column}")


def _enum(kind: Any, value: str, default: Any) -> Any:
    try:
        return kind(value)
    except ValueError:
        return default


def _recipient(member: Member) -> Recipient:
    return Recipient(
        user_id=member.user_id,
        timezone=member.timezone,
        nudges_enabled=member.nudges_enabled,
        is_bot=member.is_bot,
        deleted=member.deleted,
    )


def _load_schedules(session: Session) -> list[tuple[TeamSchedule, list[Recipient]]]:
    teams = session.scalars(
        select(Team)
        .where(
            Team.is_active.is_(True),
            (Team.nudge_mode != NudgeMode.OFF.value) | (Team.digest_mode != DigestMode.OFF.value),
        )
        .order_by(Team.team_id)
    ).all()
    dm_teams = [team.team_id for team in teams if team.nudge_mode == NudgeMode.DM.value]
    members: dict[str, list[Recipient]] = {}
    if dm_teams:
        rows = session.scalars(
            select(Member)
            .where(Member.team_id.in_(dm_teams), Member.nudges_enabled.is_(True))
            .order_by(Member.team_id, Member.user_id)
        )
        for member in rows:
            members.setdefault(member.team_id, []).append(_recipient(member))
    plans: list[tuple[TeamSchedule, list[Recipient]]] = []
    for team in teams:
        try:
            plans.append((_schedule_of(team), members.get(team.team_id, [])))
        except ValueError as error:
            # One team's broken row must not hold up everyone else's posts.
            log.error("not scheduling team %s: %s", team.team_id, error)
    return plans


def _unwanted(session: Session, team: Team | None, claim: Claim) -> str | None:
    """Why a claimed delivery should no longer go out (settings changed since), else None."""
    if team is None:
        return "team not found"
    if not team.is_active:
        return "team inactive"
    if claim.kind is DeliveryKind.NUDGE:
        if team.nudge_paused_reason:
            return "nudge paused"
        if team.nudge_mode == NudgeMode.CHANNEL.value:
            return None if claim.target == team.nudge_channel else "nudge moved to another channel"
        if team.nudge_mode == NudgeMode.DM.value:
            member = session.get(Member, (claim.team_id, claim.target))
            if member is None or not _recipient(member).reachable:
                return "member no longer gets nudges"
            return None
        return "nudge turned off"
    if team.digest_paused_reason:
        return "digest paused"
    if team.digest_mode == DigestMode.OFF.value:
        return "digest turned off"
    return None if claim.target == team.digest_channel else "digest moved to another channel"


def _compose(
    session: Session, team: Team, claim: Claim, *, direct: bool
) -> tuple[Message, _Chart | None]:
    if claim.kind is DeliveryKind.NUDGE:
        if direct:
            nudge = member_nudge(
                session, team_id=team.team_id, user_id=claim.target, day=claim.local_date
            )
            return nudge_message(nudge), None
        return nudge_message(team_nudge(session, team_id=team.team_id, day=claim.local_date)), None
    kind = DigestKind.WEEKLY if team.digest_mode == DigestMode.WEEKLY.value else DigestKind.DAILY
    digest = build_digest(session, team_id=team.team_id, kind=kind, day=claim.local_date)
    png = digest_chart(digest)
    chart = None
    if png is not None:
        label = period_label(digest.start, digest.end)
        chart = _Chart(
            png=png,
            filename=f"valueboard-week-{digest.end.isoformat()}.png",
            title=f"Real connections, {label}",
            comment=f"Day by day, by principle: {label}.",
        )
    return digest_message(digest), chart


def worker_name() -> str:
    """Who claims: host and process id, so a stuck claim can be traced to its process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run_tick(*, valueboard: Valueboard, client: WebClient, at: datetime) -> TickReport:
    """Send every nudge and digest due at `at` that nobody sent yet; never raises."""
    if at.utcoffset() is None:
        raise ValueError("run_tick needs an aware datetime")
    started = time.perf_counter()
    tick = _Tick(
        valueboard=valueboard,
        client=client,
        at=at.astimezone(UTC),
        grace=timedelta(minutes=valueboard.settings.delivery_grace_minutes),
        worker=worker_name(),
    )
    tick.run()
    return tick.report(time.perf_counter() - started)


def describe_report(report: TickReport) -> list[str]:
    """The report as lines for a terminal: one per delivery, then a summary."""
    lines: list[str] = []
    for label, entries in (
        ("sent", report.sent),
        ("skipped", report.skipped),
        ("retrying", report.retrying),
        ("failed", report.failed),
    ):
        lines.extend(f"{label:<9} {entry.describe()}" for entry in entries)
    for paused in report.paused:
        told = "admin told" if paused.admin_told else "no admin could be told"
        lines.append(f"paused    {paused.kind} of team {paused.team_id}: {paused.reason} ({told})")
    lines.extend(f"inactive  team {team_id}" for team_id in report.deactivated)
    lines.extend(f"error     {error}" for error in report.errors)
    lines.append(
        f"{len(report.sent)} sent, {len(report.skipped)} skipped, {len(report.retrying)} to retry, "
        f"{len(report.failed)} failed, {len(report.paused)} paused "
        f"at {report.at.isoformat()} in {report.seconds:.2f}s"
    )
    return lines


def resume_reinstalled_team(valueboard: Valueboard, client: WebClient) -> str | None:
    """If the bot token works again, switch back on the team a token problem had stopped."""
    try:
        with valueboard.db.session_scope() as session:
            waiting = session.scalar(
                select(Team.team_id)
                .where(
                    Team.is_active.is_(False),
                    Team.inactive_reason.in_(sorted(ledger.TOKEN_REASONS)),
                )
                .limit(1)
            )
        if waiting is None:
            # The common case: nothing to resume, so no call to Slack at all.
            return None
        team_id = client.auth_test().get("team_id")
        if not isinstance(team_id, str) or not team_id:
            return None
        with valueboard.db.session_scope() as session:
            resumed = ledger.reactivate_team(session, team_id=team_id)
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("could not check the bot token (auth.test): %s", type(error).__name__)
        return None
    except Exception:
        log.exception("could not check whether a stopped team should be active again")
        return None
    if resumed:
        log.info("team %s is active again: its bot token works", team_id)
        return team_id
    return None


def _tick_job(valueboard: Valueboard, client: WebClient) -> None:
    try:
        report = run_tick(valueboard=valueboard, client=client, at=valueboard.now())
    except Exception:
        log.exception("delivery tick failed; the next one runs as scheduled")
        return
    if report.quiet:
        log.debug("delivery tick: nothing due (%.2fs)", report.seconds)
        return
    for line in describe_report(report):
        log.info("delivery tick: %s", line)


def start_scheduler(
    *,
    valueboard: Valueboard,
    client: WebClient,
    interval_seconds: float = TICK_SECONDS,
) -> BackgroundScheduler:
    """Start APScheduler in a daemon thread with the one delivery tick; returns it for shutdown."""
    resume_reinstalled_team(valueboard, client)
    scheduler = BackgroundScheduler(timezone=UTC, daemon=True)
    scheduler.add_job(
        _tick_job,
        trigger=IntervalTrigger(seconds=interval_seconds, timezone=UTC),
        kwargs={"valueboard": valueboard, "client": client},
        id=_JOB_ID,
        name="send due nudges and digests",
        # APScheduler's default grace is one second; a busy process would then drop ticks
        # with "was missed by". A late tick still runs, up to just short of the next one.
        misfire_grace_time=MISFIRE_GRACE_SECONDS,
        coalesce=True,
        max_instances=1,
        # The first tick runs at once, so a restart catches up on what fell due meanwhile.
        next_run_time=datetime.now(UTC),
        replace_existing=True,
    )
    # APScheduler logs two INFO lines per run; a tick a minute would drown the app's own logs.
    # Its warnings (a missed run) and errors still come through.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    scheduler.start()
    log.info("delivery scheduler started: one tick every %.0f s", interval_seconds)
    return scheduler
