"""Three `slackapp serve` processes on one PostgreSQL, for two installed workspaces.

Signed requests from both workspaces go to all three in turn, and the three schedulers start
over the same due nudges. What reached the stand-in and what the database holds must each
be exactly once: every entry saved once on its own team, every nudge posted once, with its
own workspace's token.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from slackapp.sandbox.emulator import SlackEmulator
from slackapp.store.db import Database
from slackapp.store.migrate import upgrade
from slackapp.store.models import Connection, Delivery, Team
from tests.support.driver import SIGNING_SECRET, FakeClock, SlackDriver
from tests.support.install import CLIENT_ID, CLIENT_SECRET, get, install, serve_oauth_app
from tests.support.served import stop
from tests.test_serve import free_port, wait_healthy

pytestmark = pytest.mark.slow

TEAMS = {"T0ONE": "C0ONE", "T0TWO": "C0TWO"}
PER_TEAM = 6


@pytest.fixture
def postgres(database_url: str) -> Iterator[Database]:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share one database only on PostgreSQL")
    db = Database(database_url)
    upgrade(db)
    yield db
    db.dispose()


def start(
    standin: SlackEmulator, db: Database, tmp_path: Path
) -> tuple[str, subprocess.Popen[str]]:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "SLACK_AUTHORIZE_URL": f"{standin.base_url}/oauth/v2/authorize",
        "DATABASE_URL": db.url,
        "SCHEDULER_ENABLED": "true",
        "WEB_WORKERS": "1",
        "PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "slackapp", "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return f"http://127.0.0.1:{port}", process


def test_three_processes_serve_two_workspaces_and_post_each_nudge_once(
    standin: SlackEmulator, postgres: Database, tmp_path: Path
) -> None:
    db = postgres
    for channel in TEAMS.values():
        standin.add_channel(channel, name=channel.lower())
    # Both workspaces install (through the browser flow) before the three processes start.
    served = serve_oauth_app(standin=standin, db=db, clock=FakeClock(datetime.now(UTC)))
    try:
        for team_id in TEAMS:
            standin.add_installable(team_id, name=team_id)
            assert install(served.driver, team=team_id).status == 200
        driver = served.driver
    finally:
        served.close()
    tokens = {standin.identity_of(t).key: t for t in standin.installed_tokens()}  # type: ignore[union-attr]
    # Each team's nudge fell due a minute ago (every day is a work day): all three processes'
    # first ticks, at their start, find the same two posts owed.
    due = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%H:%M")
    with db.session_scope() as session:
        for team_id, channel in TEAMS.items():
            team = session.get(Team, team_id)
            assert team is not None
            team.timezone, team.work_days_mask = "UTC", 127
            team.nudge_mode, team.nudge_channel, team.nudge_time = "channel", channel, due
            team.settings_updated_by = "UADMIN"
    standin.reset()

    processes = [start(standin, db, tmp_path) for _ in range(3)]
    stderr: list[str] = []
    try:
        for base, process in processes:
            assert wait_healthy(f"{base}/healthz", process, timeout=60)["ok"] is True
        sent: list[tuple[str, int]] = []
        for n in range(PER_TEAM):
            for t, team_id in enumerate(TEAMS):
                base, _ = processes[(n * len(TEAMS) + t) % len(processes)]
                member = replace(driver, url=f"{base}/slack/events", team_id=team_id)
                reply = member.command(f"care @person{n} thanks for note {n}", user=f"U{t + 1}")
                assert reply.status == 200
                assert f"{n + 1}/10" in reply.body.decode(), reply.body
                sent.append((team_id, n))
        standin.wait_for("chat.postMessage", count=len(TEAMS), timeout=60)
        standin.wait_for("users.info", count=len(TEAMS), timeout=30)
    finally:
        stderr = [stop(process, timeout=40) for _, process in processes]

    for log in stderr:
        assert not any(token in log for token in tokens.values())
    # What reached the stand-in: one nudge per team, with that team's own token.
    posts = [(c.params["channel"], c.token) for c in standin.calls("chat.postMessage")]
    assert sorted(posts) == sorted((TEAMS[t], tokens[t]) for t in TEAMS)
    for call in standin.calls("users.info"):
        assert call.token in tokens.values()
    # What the database holds: each entry once on its own team, each delivery once and sent.
    with db.session_scope() as session:
        rows = session.execute(select(Connection.team_id, Connection.note)).all()
        deliveries = session.execute(
            select(Delivery.team_id, Delivery.target, Delivery.status)
        ).all()
    assert sorted(rows) == sorted((team_id, f"thanks for note {n}") for team_id, n in sent), rows
    assert sorted(deliveries) == sorted((t, c, "sent") for t, c in TEAMS.items())


def test_serve_with_many_workspaces_serves_the_install_page_and_refuses_strangers(
    standin: SlackEmulator, database_url: str, tmp_path: Path
) -> None:
    """One process, any database: the page to install from, and no answer without an install."""
    db = Database(database_url)
    standin.enable_oauth(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    base, process = start(standin, db, tmp_path)
    try:
        assert wait_healthy(f"{base}/healthz", process, timeout=60)["ok"] is True
        page = get(f"{base}/slack/install")
        assert page.status == 200
        assert f"{standin.base_url}/oauth/v2/authorize?" in page.text
        assert f"client_id={CLIENT_ID}" in page.text
        assert "slack-app-oauth-state=" in (page.header("Set-Cookie") or "")
        stranger = SlackDriver(
            url=f"{base}/slack/events",
            standin=standin,
            db=db,
            clock=FakeClock(datetime.now(UTC)),
            deps=None,  # type: ignore[arg-type]
            team_id="T0NEVER",
        )
        reply = stranger.command("care @jane thanks")
        assert reply.status == 200
        assert "isn't installed in this workspace" in stranger.response_to(reply)["text"]
    finally:
        stderr = stop(process, timeout=40)
        db.dispose()
    assert CLIENT_SECRET not in stderr
    with Database(database_url).session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Connection)) == 0
