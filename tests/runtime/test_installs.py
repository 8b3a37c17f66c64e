"""Many workspaces: installed through "Add to Slack" against the stand-in, each on its own token."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from slackapp.sandbox.emulator import SlackEmulator
from slackapp.store.db import Database
from slackapp.store.installations import BOTS_TABLE, INSTALLATIONS_TABLE
from slackapp.store.models import Connection, Team
from tests.support.driver import ORG_ID, FakeClock, SlackDriver
from tests.support.install import get, install, serve_oauth_app, start_install

ORG_TEAM = "T0ORGA"


@pytest.fixture
def oauth_app(standin: SlackEmulator, db: Database, clock: FakeClock) -> Iterator[SlackDriver]:
    standin.add_user("U3", display_name="Cy", tz="Asia/Tokyo")
    served = serve_oauth_app(standin=standin, db=db, clock=clock)
    standin.add_installable("T0ONE", name="One")
    standin.add_installable("T0TWO", name="Two", bot_user_id="UBOT2")
    standin.add_installable(None, enterprise_id=ORG_ID, enterprise_name="Acme Org")
    try:
        yield served.driver
    finally:
        served.close()


def as_team(driver: SlackDriver, team_id: str, *, org: bool = False) -> SlackDriver:
    return replace(driver, team_id=team_id, install="org" if org else "workspace")


def token_of(standin: SlackEmulator, key: str) -> str:
    tokens = [t for t in standin.installed_tokens() if (i := standin.identity_of(t)) and i.key == key]
    assert len(tokens) == 1, tokens
    return tokens[0]


def test_two_workspaces_and_an_org_install_and_each_is_answered_with_its_own_token(
    oauth_app: SlackDriver, standin: SlackEmulator, db: Database
) -> None:
    for key in ("T0ONE", "T0TWO", ORG_ID):
        page = install(oauth_app, team=key)
        assert page.status == 200, page.body
        assert "/connect help" in page.body and "/invite @Valueboard" in page.body
    with db.engine.connect() as connection:
        rows = connection.execute(
            select(
                INSTALLATIONS_TABLE.c.enterprise_id,
                INSTALLATIONS_TABLE.c.team_id,
                INSTALLATIONS_TABLE.c.is_enterprise_install,
            ).order_by(INSTALLATIONS_TABLE.c.id)
        ).all()
    assert rows == [(None, "T0ONE", False), (None, "T0TWO", False), (ORG_ID, None, True)]

    standin.reset()
    for driver, user in (
        (as_team(oauth_app, "T0ONE"), "U1"),
        (as_team(oauth_app, "T0TWO"), "U2"),
        (as_team(oauth_app, ORG_TEAM, org=True), "U3"),
    ):
        reply = driver.command("care @jane thanks for the thread", user=user)
        assert reply.status == 200
        assert "1/10" in reply.body.decode(), reply.body
    tokens_by_user = {
        call.params["user"]: call.token for call in standin.wait_for("users.info", count=3)
    }
    assert tokens_by_user == {
        "U1": token_of(standin, "T0ONE"),
        "U2": token_of(standin, "T0TWO"),
        "U3": token_of(standin, ORG_ID),
    }
    with db.session_scope() as session:
        saved = sorted(session.execute(select(Connection.team_id, Connection.user_id)).all())
        org_team = session.get(Team, ORG_TEAM)
        assert org_team is not None and org_team.enterprise_id == ORG_ID
    assert saved == [("T0ONE", "U1"), (ORG_TEAM, "U3"), ("T0TWO", "U2")]


def test_a_workspace_that_never_installed_is_refused_and_nothing_is_saved(
    oauth_app: SlackDriver, standin: SlackEmulator, db: Database
) -> None:
    install(oauth_app, team="T0ONE")
    stranger = as_team(oauth_app, "T0NEVER")
    reply = stranger.command("care @jane thanks")
    assert reply.status == 200
    answer = stranger.response_to(reply)
    assert "isn't installed in this workspace" in answer["text"]
    with db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Connection)) == 0
        assert session.get(Team, "T0NEVER") is None
    assert [c for c in standin.calls() if c.method in {"users.info", "chat.postMessage"}] == []


def test_a_cancelled_install_gets_a_friendly_page_and_installs_nothing(
    oauth_app: SlackDriver, db: Database
) -> None:
    base = oauth_app.url.removesuffix("/slack/events")
    page = get(f"{base}/slack/oauth_redirect?error=access_denied&state=x")
    assert page.status == 200
    assert "You cancelled the installation" in page.text and "Try again" in page.body
    with db.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(BOTS_TABLE)) == 0


def test_an_install_from_another_browser_or_with_a_used_state_is_refused(
    oauth_app: SlackDriver, standin: SlackEmulator, db: Database
) -> None:
    authorize, cookie = start_install(oauth_app, team="T0ONE")
    allowed = get(authorize)
    location = allowed.header("Location")
    assert location is not None
    no_cookie = get(location)
    assert no_cookie.status == 400 and "didn't start the installation" in no_cookie.text
    assert get(location, cookie=cookie).status == 200
    again = get(location, cookie=cookie)  # the state works once
    assert again.status == 401 and "expired" in again.text
    with db.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(BOTS_TABLE)) == 1
