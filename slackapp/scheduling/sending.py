"""Sending one claimed nudge or digest, and recording what Slack's answer means for it."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from slackapp.domain.team_settings import DigestMode, NudgeMode
from slackapp.render.digest import ChartUpload, chart_upload, digest_message
from slackapp.render.kit import Message
from slackapp.render.nudge import nudge_message
from slackapp.scheduling import ledger
from slackapp.scheduling.context import TickContext
from slackapp.scheduling.digests import build_digest
from slackapp.scheduling.due import DeliveryKind, TeamSchedule
from slackapp.scheduling.ledger import Claim
from slackapp.scheduling.notices import pause_refused_schedule
from slackapp.scheduling.nudges import member_nudge, team_nudge
from slackapp.scheduling.report import DeliveryLine
from slackapp.scheduling.retries import retry_later
from slackapp.scheduling.schedules import schedule_of, why_unwanted
from slackapp.slack.posting import (
    MEMBER_GONE_ERRORS,
    PostOutcome,
    PostResult,
    post_scheduled,
    upload_chart,
)
from slackapp.store import teams
from slackapp.store.models import Team

__all__ = ["deliver"]

log = logging.getLogger(__name__)


def deliver(tick: TickContext, claim: Claim) -> None:
    """Send a claimed delivery and record what became of it."""
    try:
        with tick.session() as session:
            team = session.get(Team, claim.team_id)
            schedule = schedule_of(team) if team is not None else None
            unwanted = why_unwanted(session, schedule, claim)
            if team is None or schedule is None or unwanted is not None:
                ledger.mark_skipped(session, delivery_id=claim.id, reason=unwanted or "")
                tick.skipped.append(DeliveryLine.of_claim(claim, unwanted or ""))
                return
            direct = claim.kind is DeliveryKind.NUDGE and schedule.nudge_mode is NudgeMode.DM
            admin_id = team.settings_updated_by
            message, chart = _compose(session, schedule, claim, direct=direct)
    except Exception as error:
        # Most likely the database blinked; a bug would fail every try and end as failed.
        log.exception("could not prepare %s for %s", claim.kind, claim.target)
        retry_later(tick, claim, f"preparing: {type(error).__name__}")
        return
    result = post_scheduled(tick.client, channel=claim.target, message=message, direct=direct)
    _record(tick, claim, result, chart=chart, admin_id=admin_id)


def _compose(
    session: Session, schedule: TeamSchedule, claim: Claim, *, direct: bool
) -> tuple[Message, ChartUpload | None]:
    team_id = schedule.team_id
    if claim.kind is DeliveryKind.NUDGE:
        if direct:
            nudge = member_nudge(
                session, team_id=team_id, user_id=claim.target, day=claim.local_date
            )
            return nudge_message(nudge), None
        return nudge_message(team_nudge(session, team_id=team_id, day=claim.local_date)), None
    weekly = schedule.digest_mode is DigestMode.WEEKLY
    kind = DigestMode.WEEKLY if weekly else DigestMode.DAILY
    digest = build_digest(session, team_id=team_id, kind=kind, day=claim.local_date)
    return digest_message(digest), chart_upload(digest)


def _record(
    tick: TickContext,
    claim: Claim,
    result: PostResult,
    *,
    chart: ChartUpload | None,
    admin_id: str | None,
) -> None:
    outcome, code = result.outcome, result.error or ""
    if outcome is PostOutcome.SENT:
        _record_sent(tick, claim, result, chart=chart)
    elif outcome is PostOutcome.RETRY:
        retry_later(tick, claim, code)
    elif outcome is PostOutcome.SKIP_MEMBER:
        with tick.session() as session:
            ledger.mark_failed(session, delivery_id=claim.id, error=f"member: {code}")
            if code in MEMBER_GONE_ERRORS:
                teams.mark_member_unreachable(
                    session,
                    team_id=claim.team_id,
                    user_id=claim.target,
                    is_bot=code == "cannot_dm_bot",
                )
        log.info("skipped DM nudge to %s (team %s): %s", claim.target, claim.team_id, code)
        tick.failed.append(DeliveryLine.of_claim(claim, f"member skipped: {code}"))
    elif outcome is PostOutcome.PAUSE:
        pause_refused_schedule(tick, claim, code, admin_id=admin_id)
    elif outcome is PostOutcome.TEAM_INACTIVE:
        with tick.session() as session:
            ledger.mark_failed(session, delivery_id=claim.id, error=code)
            newly = teams.deactivate_team(session, team_id=claim.team_id, reason=code)
        tick.stopped.add(claim.team_id)
        if newly:
            log.error(
                "team %s marked inactive: Slack answered %s; its schedules are stopped",
                claim.team_id,
                code,
            )
            tick.deactivated.append(claim.team_id)
        tick.failed.append(DeliveryLine.of_claim(claim, f"team inactive: {code}"))
    else:
        with tick.session() as session:
            ledger.mark_failed(session, delivery_id=claim.id, error=code)
        log.error(
            "%s to %s (team %s) failed for good: %s",
            claim.kind,
            claim.target,
            claim.team_id,
            code,
        )
        tick.failed.append(DeliveryLine.of_claim(claim, code))


def _record_sent(
    tick: TickContext, claim: Claim, result: PostResult, *, chart: ChartUpload | None
) -> None:
    with tick.session() as session:
        ledger.mark_sent(
            session,
            delivery_id=claim.id,
            now=tick.now(),
            message_ts=result.ts,
            note="joined the channel to post" if result.joined else None,
        )
    detail = "joined the channel first" if result.joined else ""
    if chart is not None:
        # The message is already out and recorded; a failed upload must never resend it.
        problem = upload_chart(
            tick.client,
            channel=result.channel or claim.target,
            png=chart.png,
            filename=chart.filename,
            title=chart.title,
            initial_comment=chart.comment,
        )
        if problem:
            log.warning("digest %s sent but its chart was not: %s", claim.id, problem)
            with tick.session() as session:
                ledger.note_on(session, delivery_id=claim.id, note=problem)
        detail = problem or "with its chart"
    tick.sent.append(DeliveryLine.of_claim(claim, detail))
