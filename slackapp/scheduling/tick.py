"""The delivery engine: one short tick that sends whatever nudges, digests and follow-ups are due.

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
import zlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from slackapp.clock import Clock
from slackapp.config import Settings
from slackapp.scheduling import ledger
from slackapp.scheduling.context import TickContext
from slackapp.scheduling.due import (
    Due,
    FollowUpAsk,
    Recipient,
    TeamSchedule,
    due_deliveries,
    followups_between,
)
from slackapp.scheduling.fanout import FanOut, Owed
from slackapp.scheduling.followups import load_followup_asks
from slackapp.scheduling.pacing import Pacer
from slackapp.scheduling.report import DeliveryLine, TickReport, describe_report, duration
from slackapp.scheduling.retention import RETENTION_CHECK_SECONDS, purge_expired_teams
from slackapp.scheduling.retries import close_abandoned_claims, take_due_retries
from slackapp.scheduling.schedules import load_schedules
from slackapp.slack.clients import TeamClients
from slackapp.store import teams
from slackapp.store.db import Database
from slackapp.store.events import forget_events
from slackapp.store.installations import forget_expired_states

__all__ = [
    "MISFIRE_GRACE_SECONDS",
    "NOTICE_WINDOW",
    "TICK_SECONDS",
    "resume_reinstalled_team",
    "run_tick",
    "start_scheduler",
    "worker_name",
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
_RETENTION_JOB_ID = "valueboard-retention"
#: How long handled Events API ids are kept for spotting Slack's retries.
EVENT_MEMORY = timedelta(days=1)


def worker_name() -> str:
    """Who claims: host and process id, so a stuck claim can be traced to its process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _clients(client: WebClient | TeamClients) -> TeamClients:
    return client if isinstance(client, TeamClients) else TeamClients.one(client)


def run_tick(
    *, settings: Settings, db: Database, client: WebClient | TeamClients, at: datetime
) -> TickReport:
    """Send every nudge and digest due at `at` that nobody sent yet; never raises.

    `client` is the one bot token's client, or TeamClients (each installation's token).
    """
    if at.utcoffset() is None:
        raise ValueError("run_tick needs an aware datetime")
    started = time.perf_counter()
    tick = TickContext(
        db=db,
        clients=_clients(client),
        at=at.astimezone(UTC),
        grace=timedelta(minutes=settings.delivery_grace_minutes),
        worker=worker_name(),
    )
    _run(tick, settings)
    return tick.report(time.perf_counter() - started)


def _run(tick: TickContext, settings: Settings) -> None:
    with tick.guard("forgetting old event ids"), tick.session() as session:
        # Slack retries an event within minutes; a day of ids is plenty to recognise them.
        forget_events(session, before=tick.at - EVENT_MEMORY)
    with tick.guard("forgetting expired install states"), tick.session() as session:
        forget_expired_states(session, before=tick.at)
    with tick.guard("closing abandoned claims"):
        close_abandoned_claims(tick)
    plans: list[tuple[TeamSchedule, list[Recipient]]] = []
    with tick.guard("loading team schedules"), tick.db.read_scope() as session:
        plans = load_schedules(session)
    asks: list[FollowUpAsk] = []
    with tick.guard("loading follow-ups"), tick.db.read_scope() as session:
        asks = load_followup_asks(session, until=tick.at)
    owed: dict[str, Owed] = {}
    with tick.guard("finding what is due"):
        owed = _owed(tick, plans, asks)
    with tick.guard("retries"):
        for claim in take_due_retries(tick):
            owed.setdefault(claim.team_id, Owed(claim.team_id)).claims.append(claim)
    if tick.clients.installed:
        _stop_teams_without_installation(tick, owed)
    fan_out = FanOut(
        tick,
        concurrency=settings.delivery_concurrency,
        pacer=Pacer(per_minute=settings.delivery_workspace_per_minute),
    )
    with tick.guard("sending"):
        fan_out.run(_in_turn(owed.values(), worker=tick.worker))


def _owed(
    tick: TickContext,
    plans: Sequence[tuple[TeamSchedule, list[Recipient]]],
    asks: Sequence[FollowUpAsk] = (),
) -> dict[str, Owed]:
    """The posts each team owes that nobody has taken; those now too late are skipped."""
    lookback = tick.grace + NOTICE_WINDOW
    due_by_team: dict[str, list[Due]] = {}
    for schedule, members in plans:
        with tick.guard(f"team {schedule.team_id}"):
            dues = due_deliveries(schedule, members=members, now=tick.at, lookback=lookback)
            if dues:
                due_by_team[schedule.team_id] = dues
    with tick.guard("follow-ups due"):
        for due in followups_between(asks, since=tick.at - lookback, until=tick.at):
            due_by_team.setdefault(due.team_id, []).append(due)
    if not due_by_team:
        return {}
    every = [due for dues in due_by_team.values() for due in dues]
    with tick.db.read_scope() as session:
        known = ledger.known_keys_of_teams(
            session,
            team_ids=due_by_team.keys(),
            first_day=min(due.local_date for due in every),
            last_day=max(due.local_date for due in every),
        )
    owed: dict[str, Owed] = {}
    late: list[tuple[Due, str]] = []
    for team_id, dues in due_by_team.items():
        for due in dues:
            if due.key in known:
                continue
            overdue = tick.at - due.due_at
            if overdue > tick.grace:
                reason = f"{duration(overdue)} late, past the {duration(tick.grace)} grace period"
                late.append((due, reason))
            else:
                owed.setdefault(team_id, Owed(team_id)).dues.append(due)
    if late:
        _skip_late(tick, late)
    return owed


def _stop_teams_without_installation(tick: TickContext, owed: dict[str, Owed]) -> None:
    """Teams whose installation is gone are stopped (not retried); the fan-out skips their posts."""
    for team_id in list(owed):
        with tick.guard(f"finding the installation of team {team_id}"):
            try:
                client = tick.client_for(team_id)
            except Exception:
                del owed[team_id]  # Slack could not refresh its token now: the next tick tries
                raise
            if client is not None:
                continue
            tick.stopped.add(team_id)
            with tick.session() as session:
                newly = teams.deactivate_team(
                    session, team_id=team_id, reason=teams.NO_INSTALLATION
                )
            if newly:
                log.error(
                    "team %s marked inactive: it has no installation (it was removed); its "
                    "schedules are stopped until it installs Valueboard again",
                    team_id,
                )
                tick.deactivated.append(team_id)


def _skip_late(tick: TickContext, late: Sequence[tuple[Due, str]]) -> None:
    with tick.session() as session:
        recorded = set(ledger.record_skipped_many(session, skips=late))
    for due, reason in late:
        if due not in recorded:
            continue
        log.warning(
            "skipped %s to %s for %s (team %s): due %s, %s",
            due.kind,
            due.target,
            due.local_date,
            due.team_id,
            due.due_at.isoformat(),
            reason,
        )
        tick.skipped.append(DeliveryLine.of_due(due, reason))


def _in_turn(owed: Iterable[Owed], *, worker: str) -> list[Owed]:
    """The teams in the order this process claims them: oldest due first, then its own turn.

    Processes sharing a tick start at different points of the same ring (by their name), so
    each claims mostly posts nobody else is trying for, instead of all racing for the first.
    """
    start = zlib.crc32(worker.encode())

    def turn(unit: Owed) -> tuple[datetime, int]:
        minute = unit.first_due().replace(second=0, microsecond=0)
        return (minute, (zlib.crc32(unit.team_id.encode()) - start) % 2**32)

    return sorted(owed, key=turn)


def resume_reinstalled_team(*, db: Database, client: WebClient | TeamClients) -> str | None:
    """If the bot token works again, switch back on the team a token problem had stopped.

    With installations there is nothing to do here: an install switches its team back on.
    """
    clients = _clients(client)
    if clients.shared is None:
        return None
    client = clients.shared
    try:
        with db.read_scope() as session:
            waiting = teams.team_waiting_for_its_token(session)
        if waiting is None:
            # The common case: nothing to resume, so no call to Slack at all.
            return None
        team_id = client.auth_test().get("team_id")
        if not isinstance(team_id, str) or not team_id:
            return None
        with db.session_scope() as session:
            resumed = teams.reactivate_team(session, team_id=team_id)
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


def _tick_job(
    *, settings: Settings, db: Database, client: WebClient | TeamClients, clock: Clock
) -> None:
    try:
        report = run_tick(settings=settings, db=db, client=client, at=clock())
    except Exception:
        log.exception("delivery tick failed; the next one runs as scheduled")
        return
    if report.quiet:
        log.debug("delivery tick: nothing due (%.2fs)", report.seconds)
        return
    for line in describe_report(report):
        log.info("delivery tick: %s", line)


def _retention_job(
    *, settings: Settings, db: Database, client: WebClient | TeamClients, clock: Clock
) -> None:
    try:
        # A team whose token works again has reinstalled: it must not lose its data.
        resume_reinstalled_team(db=db, client=client)
        purge_expired_teams(db=db, at=clock(), retention_days=settings.data_retention_days)
    except Exception:
        log.exception("retention check failed; the next one runs as scheduled")


def start_scheduler(
    *,
    settings: Settings,
    db: Database,
    client: WebClient | TeamClients,
    clock: Clock,
    interval_seconds: float = TICK_SECONDS,
) -> BackgroundScheduler:
    """Start APScheduler in a daemon thread with the one delivery tick; returns it for shutdown."""
    resume_reinstalled_team(db=db, client=client)
    scheduler = BackgroundScheduler(timezone=UTC, daemon=True)
    scheduler.add_job(
        _tick_job,
        trigger=IntervalTrigger(seconds=interval_seconds, timezone=UTC),
        kwargs={"settings": settings, "db": db, "client": client, "clock": clock},
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
    scheduler.add_job(
        _retention_job,
        trigger=IntervalTrigger(seconds=RETENTION_CHECK_SECONDS, timezone=UTC),
        kwargs={"settings": settings, "db": db, "client": client, "clock": clock},
        id=_RETENTION_JOB_ID,
        name="delete the data of workspaces uninstalled longer than DATA_RETENTION_DAYS ago",
        misfire_grace_time=int(RETENTION_CHECK_SECONDS / 2),
        coalesce=True,
        max_instances=1,
        next_run_time=datetime.now(UTC) + timedelta(seconds=interval_seconds / 2),
        replace_existing=True,
    )
    # APScheduler logs two INFO lines per run; a tick a minute would drown the app's own logs.
    # Its warnings (a missed run) and errors still come through.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    scheduler.start()
    log.info(
        "delivery scheduler started: one tick every %.0f s, a retention check every %.0f min",
        interval_seconds,
        RETENTION_CHECK_SECONDS / 60,
    )
    return scheduler
