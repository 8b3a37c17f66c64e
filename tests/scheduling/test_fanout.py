"""The fan-out through the stand-in: many teams at once, exactly once, at Slack's pace."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.web import SlackResponse
from sqlalchemy import select

from slackapp.config import ConfigError, load_settings
from slackapp.runtime.app import build_client
from slackapp.scheduling.pacing import CHANNEL_GAP
from slackapp.scheduling.report import TickReport
from slackapp.scheduling.tick import run_tick
from slackapp.store.db import Database
from slackapp.store.models import Delivery
from tests.scheduling.rig import MONDAY_NINE, NUDGES, TEAM, Rig, add_teams, make_team
from tests.support.factories import add_member


def _statuses(db: Database) -> Counter[str]:
    with db.session_scope() as session:
        return Counter(session.scalars(select(Delivery.status)))


def test_three_ticks_at_once_send_every_post_of_many_teams_exactly_once(rig: Rig) -> None:
    targets = add_teams(rig.db, 40, members=2)  # 20 channel nudges and 40 DMs
    rig.standin.slow("chat.postMessage", 0.05)  # so that the three overlap
    reports: list[TickReport] = []
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def tick() -> None:
        # Each with its own pool and client, as three processes would have.
        db = Database(rig.db.url)
        try:
            start.wait(timeout=30)
            reports.append(
                run_tick(
                    settings=rig.settings,
                    db=db,
                    client=build_client(rig.settings, scheduled=True),
                    at=MONDAY_NINE,
                )
            )
        except BaseException as error:
            errors.append(error)
        finally:
            db.dispose()

    threads = [threading.Thread(target=tick) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and all(report.errors == () for report in reports)
    posted = Counter(str(call.params["channel"]) for call in rig.posts())
    assert posted == Counter(targets)  # none lost, none twice
    sent = [line.target for report in reports for line in report.sent]
    assert sorted(sent) == sorted(targets)
    assert _statuses(rig.db) == Counter({"sent": len(targets)})
    # A fourth tick finds nothing left to do.
    assert rig.tick(MONDAY_NINE).quiet


def test_a_429_for_one_team_holds_up_no_other(rig: Rig) -> None:
    make_team(rig.db)
    others = add_teams(rig.db, 12, members=1)
    # A wait long enough that a busy machine posts the twelve others well within it.
    rig.standin.rate_limit("chat.postMessage", retry_after=5, channel=NUDGES)
    report = rig.tick(MONDAY_NINE)
    assert sorted(line.target for line in report.sent) == sorted([NUDGES, *others])
    refused, accepted = rig.posts(NUDGES)
    assert accepted.at - refused.at >= 5.0  # Slack's Retry-After was kept
    # Every other team's post went out while that one waited.
    assert all(call.at < accepted.at for call in rig.posts() if call.params["channel"] != NUDGES)
    assert Counter(str(call.params["channel"]) for call in rig.posts()) == Counter(
        [NUDGES, NUDGES, *others]
    )
    # Waiting out a 429 in the tick is not a failed try.
    with rig.db.session_scope() as session:
        row = session.scalars(select(Delivery).where(Delivery.team_id == TEAM)).one()
        assert (row.status, row.attempts) == ("sent", 1)


def test_posts_to_one_channel_are_a_second_apart(rig: Rig) -> None:
    # The nudge and a daily digest, both at 09:00 in the same channel.
    make_team(rig.db, digest_mode="daily", digest_channel=NUDGES, digest_time="09:00")
    rig.standin.slow("chat.postMessage", 0.2)
    report = rig.tick(MONDAY_NINE)
    assert len(report.sent) == 2
    first, second = rig.posts(NUDGES)
    # Paced from Slack's answer to the first, so Slack sees them at least that far apart.
    assert second.at - first.at >= CHANNEL_GAP + 0.2


def test_a_workspace_keeps_to_its_budget_and_others_do_not_wait_for_it(
    db: Database, rig: Rig
) -> None:
    rig = replace(rig, settings=replace(rig.settings, delivery_workspace_per_minute=60))
    make_team(rig.db, nudge_mode="dm", nudge_channel=None)
    members = [f"U{n:02d}" for n in range(14)]
    with db.session_scope() as session:
        for user in members:
            add_member(session, team_id=TEAM, user_id=user, timezone="America/New_York")
    others = add_teams(db, 6, members=1)
    report = rig.tick(MONDAY_NINE)
    assert len(report.sent) == len(members) + len(others)
    dms = sorted(call.at for call in rig.posts() if call.params["channel"] in members)
    # Ten at once (the burst), then one a second: the last four are taken 1, 2, 3 and 4 s after
    # the first. Posts reach the stand-in a little after they are taken, the first of a burst
    # most of all (it starts the threads), so the bound leaves it a gap's worth; sent unpaced,
    # all fourteen arrive within a tenth of a second. The other teams' posts, which wait for
    # none of it, have four seconds to arrive before the last.
    assert len(dms) == len(members)
    assert dms[-1] - dms[0] >= 3.0
    assert dms[-1] - dms[9] >= 2.0  # the four after the burst: at least two gaps after it
    elsewhere = [call.at for call in rig.posts() if call.params["channel"] in others]
    assert max(elsewhere) < dms[-1]


class _CountingClient(WebClient):
    """Counts the chat.postMessage calls in flight at once."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0

    def chat_postMessage(self, **kwargs: Any) -> SlackResponse:
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            return super().chat_postMessage(**kwargs)
        finally:
            with self._lock:
                self.in_flight -= 1


def test_no_more_posts_are_in_flight_than_the_concurrency(rig: Rig) -> None:
    settings = replace(rig.settings, delivery_concurrency=3)
    targets = add_teams(rig.db, 16, members=1)
    rig.standin.slow("chat.postMessage", 0.1)
    client = _CountingClient(token=settings.bot_token, base_url=settings.api_url)
    report = run_tick(settings=settings, db=rig.db, client=client, at=MONDAY_NINE)
    assert sorted(line.target for line in report.sent) == sorted(targets)
    assert 1 < client.peak <= 3


def test_the_fan_out_settings_are_read_and_checked() -> None:
    settings = load_settings(
        {"DELIVERY_CONCURRENCY": "4", "DELIVERY_WORKSPACE_PER_MINUTE": "60"}, dotenv_path=None
    )
    assert (settings.delivery_concurrency, settings.delivery_workspace_per_minute) == (4, 60)
    defaults = load_settings({}, dotenv_path=None)
    assert (defaults.delivery_concurrency, defaults.delivery_workspace_per_minute) == (16, 300)
    with pytest.raises(ConfigError, match="DELIVERY_CONCURRENCY must be between 1 and 256"):
        load_settings({"DELIVERY_CONCURRENCY": "0"}, dotenv_path=None)
