"""Claimed nudges, digests and follow-up DMs: composed in batches, posted one by one, recorded.

`prepare` turns a batch of claims into ready posts with a few queries for the whole batch (and
skips those whose schedule changed since they were claimed); `send` posts one of them to Slack
from a worker thread and records any outcome but success; `record_sent` notes the successes of
many posts in one transaction.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from slackapp.domain.digests import Digest
from slackapp.domain.team_settings import DigestMode, NudgeMode, TeamSettings
from slackapp.render.digest import ChartUpload, chart_upload, digest_message
from slackapp.render.followups import followup_message
from slackapp.render.kit import Message
from slackapp.render.nudge import nudge_message
from slackapp.scheduling import ledger
from slackapp.scheduling.context import TickContext
from slackapp.scheduling.digests import DigestWanted, build_digest, build_digests
from slackapp.scheduling.due import DeliveryKind, TeamSchedule
from slackapp.scheduling.followups import ask_followups
from slackapp.scheduling.ledger import Claim
from slackapp.scheduling.notices import pause_refused_schedule
from slackapp.scheduling.nudges import MemberWant, day_tallies, member_nudges, team_nudges
from slackapp.scheduling.report import DeliveryLine
from slackapp.scheduling.retries import retry_later
from slackapp.scheduling.schedules import load_claimed_teams, why_unwanted
from slackapp.slack.posting import (
    MEMBER_GONE_ERRORS,
    PostOutcome,
    PostResult,
    post_scheduled,
    upload_chart,
)
from slackapp.store import teams
from slackapp.store.team_settings import settings_from_row
from slackapp.store.teams import NO_INSTALLATION

__all__ = ["Delivered", "Post", "prepare", "record_sent", "send"]

log = logging.getLogger(__name__)

#: How long one read goes on composing digests one by one (after a read of several failed)
#: before it gives its place at the read gate back (a small team's digest takes 1-3 ms).
DIGEST_READ_SECONDS = 0.05
#: Digests read together, each part of them one statement for them all (build_digests).
DIGESTS_PER_READ = 16


@dataclass(frozen=True, slots=True)
class Post:
    """A claimed delivery with its message composed, ready to go to Slack."""

    claim: Claim
    message: Message
    direct: bool
    chart: ChartUpload | None
    admin_id: str | None

    @property
    def workspace(self) -> str:
        """The team the post belongs to: Slack's budget is per workspace."""
        return self.claim.team_id

    @property
    def channel(self) -> str:
        """Where it goes: a channel id, or the member's id for a DM."""
        return self.claim.target


@dataclass(frozen=True, slots=True)
class Delivered:
    """A post Slack took, with what to note about it (joined the channel, the chart's fate)."""

    post: Post
    result: PostResult
    detail: str = ""
    note: str | None = None


def _fail_all(tick: TickContext, claims: Sequence[Claim], error: Exception, what: str) -> None:
    # Most likely the database blinked; a bug would fail every try and end as failed.
    log.error("could not prepare %d %s: %s", len(claims), what, error, exc_info=error)
    for claim in claims:
        retry_later(tick, claim, f"preparing: {type(error).__name__}")


def prepare(tick: TickContext, claims: Sequence[Claim]) -> list[Post]:
    """Compose the posts for `claims`; those no longer wanted are skipped, failures retried."""
    if not claims:
        return []
    try:
        with tick.db.read_scope() as session:
            rows, recipients = load_claimed_teams(session, claims)
    except Exception as error:
        _fail_all(tick, claims, error, "posts")
        return []
    settings = {team_id: settings_from_row(team) for team_id, team in rows.items()}
    unwanted: list[tuple[Claim, str]] = []
    nudges: list[Claim] = []
    direct: set[int] = set()
    digests: list[Claim] = []
    followups = [claim for claim in claims if claim.kind is DeliveryKind.FOLLOWUP]
    for claim in claims:
        if claim.kind is DeliveryKind.FOLLOWUP:
            continue
        team = rows.get(claim.team_id)
        schedule = (
            TeamSchedule.from_settings(settings[claim.team_id], is_active=team.is_active)
            if team is not None
            else None
        )
        reason = why_unwanted(schedule, claim, recipients=recipients)
        if schedule is None or reason is not None:
            unwanted.append((claim, reason or "team not found"))
        elif claim.kind is DeliveryKind.DIGEST:
            digests.append(claim)
        else:
            nudges.append(claim)
            if schedule.nudge_mode is NudgeMode.DM:
                direct.add(claim.id)
    _skip(tick, unwanted)
    admins = {team_id: team.settings_updated_by for team_id, team in rows.items()}
    posts = _nudges(tick, nudges, settings, admins, direct=frozenset(direct))
    posts.extend(_digests(tick, digests, settings, admins))
    posts.extend(_followups(tick, followups))
    order = {claim.id: n for n, claim in enumerate(claims)}
    posts.sort(key=lambda post: order[post.claim.id])
    return posts


def _skip(tick: TickContext, unwanted: Sequence[tuple[Claim, str]]) -> None:
    if not unwanted:
        return
    with tick.session() as session:
        for claim, reason in unwanted:
            ledger.mark_skipped(session, delivery_id=claim.id, reason=reason)
    tick.skipped.extend(DeliveryLine.of_claim(claim, reason) for claim, reason in unwanted)


def _nudges(
    tick: TickContext,
    claims: Sequence[Claim],
    settings: dict[str, TeamSettings],
    admins: dict[str, str | None],
    *,
    direct: frozenset[int],
) -> list[Post]:
    """Compose the batch's nudges: each team's last work day counted once for all of them."""
    if not claims:
        return []
    in_channels = [c for c in claims if c.id not in direct]
    to_members = [c for c in claims if c.id in direct]
    try:
        with tick.db.read_scope() as session:
            tallies = day_tallies(
                session, wants={(settings[c.team_id], c.local_date) for c in claims}
            )
            channel = team_nudges(
                session,
                wants={(settings[c.team_id], c.local_date) for c in in_channels},
                tallies=tallies,
            )
            member = member_nudges(
                session,
                wants=[
                    MemberWant(settings=settings[c.team_id], user_id=c.target, day=c.local_date)
                    for c in to_members
                ],
                tallies=tallies,
            )
    except Exception as error:
        _fail_all(tick, claims, error, "nudges")
        return []
    return [
        Post(
            claim=claim,
            message=nudge_message(
                member[(claim.team_id, claim.target, claim.local_date)]
                if claim.id in direct
                else channel[(claim.team_id, claim.local_date)]
            ),
            direct=claim.id in direct,
            chart=None,
            admin_id=admins.get(claim.team_id),
        )
        for claim in claims
    ]


def _digests(
    tick: TickContext,
    claims: Sequence[Claim],
    settings: dict[str, TeamSettings],
    admins: dict[str, str | None],
) -> list[Post]:
    """Compose the batch's digests, DIGESTS_PER_READ to a read, each part of them read once
    for them all (build_digests): a dozen statements each was most of a small team's digest.

    A read that fails is read again a digest at a time, so that only a digest that fails to
    build is retried later (see _one_by_one). A read that cannot begin (the gate is full, the
    database is away) retries every digest still waiting, at once.
    """
    built: list[tuple[Claim, Digest]] = []
    for offset in range(0, len(claims), DIGESTS_PER_READ):
        chunk = claims[offset : offset + DIGESTS_PER_READ]
        wanted = [
            DigestWanted(
                claim.team_id,
                _digest_kind(settings[claim.team_id]),
                claim.local_date,
                settings[claim.team_id],
            )
            for claim in chunk
        ]
        began, digests = False, None
        try:
            with tick.db.read_scope() as session:
                began = True
                digests = build_digests(session, wanted)
        except Exception as error:
            if not began:
                _fail_all(tick, claims[offset:], error, "digests")
                break
            if digests is None:
                log.warning(
                    "a read of %d digests failed, reading them one by one: %s",
                    len(chunk),
                    error,
                    exc_info=True,
                )
                built.extend(_one_by_one(tick, chunk, settings))
                continue
            # Ending the read failed once its digests were read: they stand.
            log.warning("a read of %d digests did not end cleanly: %s", len(chunk), error)
        assert digests is not None
        built.extend(zip(chunk, digests, strict=True))
    posts: list[Post] = []
    for claim, digest in built:
        try:
            chart = chart_upload(digest)
            message = digest_message(digest)
        except Exception as error:
            _fail_all(tick, [claim], error, "digest")
            continue
        posts.append(
            Post(
                claim=claim,
                message=message,
                direct=False,
                chart=chart,
                admin_id=admins.get(claim.team_id),
            )
        )
    return posts


def _digest_kind(team: TeamSettings) -> DigestMode:
    return DigestMode.WEEKLY if team.digest_mode is DigestMode.WEEKLY else DigestMode.DAILY


def _one_by_one(
    tick: TickContext, claims: Sequence[Claim], settings: dict[str, TeamSettings]
) -> list[tuple[Claim, Digest]]:
    """Read each digest on its own, several to a read: one that fails to build is retried
    later, alone, and the rest go on in a new read (on PostgreSQL a failed statement ends its
    transaction). A read ends after DIGEST_READ_SECONDS (request reads wait for its place at
    the read gate) and the next digests take a new one."""
    built: list[tuple[Claim, Digest]] = []
    waiting = deque(claims)
    while waiting:
        read_here, building = 0, False
        try:
            with tick.db.read_scope() as session:
                began = time.monotonic()
                while waiting:
                    claim = waiting[0]
                    team = settings[claim.team_id]
                    building = True
                    digest = build_digest(
                        session,
                        team_id=claim.team_id,
                        kind=_digest_kind(team),
                        day=claim.local_date,
                        settings=team,
                    )
                    building = False
                    built.append((waiting.popleft(), digest))
                    read_here += 1
                    if time.monotonic() - began >= DIGEST_READ_SECONDS:
                        break
        except Exception as error:
            if building:
                _fail_all(tick, [waiting.popleft()], error, "digest")
            elif not read_here:
                _fail_all(tick, list(waiting), error, "digests")
                waiting.clear()
            else:
                # Ending the read failed once its digests were read: they stand.
                log.warning("a read of %d digests did not end cleanly: %s", read_here, error)
    return built


def _followups(tick: TickContext, claims: Sequence[Claim]) -> list[Post]:
    """Compose the batch's follow-up DMs, marking what each asks about."""
    if not claims:
        return []
    try:
        found = ask_followups(tick, claims)
    except Exception as error:
        _fail_all(tick, claims, error, "follow-ups")
        return []
    _skip(tick, found.unwanted)
    return [
        Post(
            claim=claim,
            message=followup_message(items),
            direct=True,
            chart=None,
            admin_id=None,
        )
        for claim, items in found.asked
    ]


def send(tick: TickContext, post: Post) -> PostResult | Delivered:
    """Post to Slack (from a worker thread); a success or a 429 comes back for the caller.

    Any other outcome is recorded here, in its own transaction: they are rare, and some of
    them (a pause, a stopped team) have to tell someone.
    """
    claim = post.claim
    client = tick.client_for(claim.team_id)
    if client is None:
        # Its installation went away after the tick began: stop the team, as a revoked token.
        gone = PostResult(PostOutcome.TEAM_INACTIVE, error=NO_INSTALLATION)
        record_refusal(tick, post, gone)
        return gone
    result = post_scheduled(client, channel=claim.target, message=post.message, direct=post.direct)
    if result.outcome is PostOutcome.SENT:
        detail = "joined the channel first" if result.joined else ""
        note = "joined the channel to post" if result.joined else None
        if post.chart is not None:
            # The message is out; a failed upload is noted and never resends it.
            problem = upload_chart(
                client,
                channel=result.channel or claim.target,
                png=post.chart.png,
                filename=post.chart.filename,
                title=post.chart.title,
                initial_comment=post.chart.comment,
            )
            if problem:
                log.warning("digest %s sent but its chart was not: %s", claim.id, problem)
            detail = problem or "with its chart"
            note = problem or note
        return Delivered(post=post, result=result, detail=detail, note=note)
    if result.outcome is not PostOutcome.RATE_LIMITED:
        record_refusal(tick, post, result)
    return result


def record_sent(tick: TickContext, delivered: Sequence[Delivered]) -> None:
    """Note many posts as sent, in one transaction."""
    if not delivered:
        return
    with tick.session() as session:
        ledger.mark_sent_many(
            session,
            sent=[
                ledger.Sent(
                    delivery_id=item.post.claim.id, message_ts=item.result.ts, note=item.note
                )
                for item in delivered
            ],
            now=tick.now(),
        )
    tick.sent.extend(DeliveryLine.of_claim(item.post.claim, item.detail) for item in delivered)


def record_refusal(tick: TickContext, post: Post, result: PostResult) -> None:
    """Record a post Slack did not take, and what that means for its team or member."""
    claim = post.claim
    outcome, code = result.outcome, result.error or ""
    if outcome is PostOutcome.RETRY:
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
        pause_refused_schedule(tick, claim, code, admin_id=post.admin_id)
    elif outcome is PostOutcome.TEAM_INACTIVE:
        # Stop the team's other posts in this tick first, before they reach Slack.
        tick.stopped.add(claim.team_id)
        with tick.session() as session:
            ledger.mark_failed(session, delivery_id=claim.id, error=code)
            newly = teams.deactivate_team(session, team_id=claim.team_id, reason=code)
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
