"""Token rotation across processes: Slack takes each refresh token once; the loser re-reads."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation

from slackapp.sandbox.emulator import SlackEmulator
from slackapp.slack.clients import TeamClients
from slackapp.slack.installations import (
    AuthorizedTokens,
    StoreAwareTokenRotator,
    installation_store,
)
from slackapp.store.db import Database
from tests.support.databases import prepared_statements, write_lock_held
from tests.support.install import get

CLIENT_ID, SECRET = "111.222", "rotation-secret"


def installed(standin: SlackEmulator, db: Database) -> Installation:
    """T0ONE installed with a rotating token that has already expired."""
    standin.enable_oauth(client_id=CLIENT_ID, client_secret=SECRET, token_rotation=True)
    standin.add_installable("T0ONE", name="One")
    standin.set_redirect_url("http://127.0.0.1:9/slack/oauth_redirect")
    back = get(f"{standin.base_url}/oauth/v2/authorize?client_id={CLIENT_ID}&scope=commands")
    code = parse_qs(urlsplit(back.header("Location") or "").query)["code"][0]
    answer = WebClient(base_url=standin.api_url).oauth_v2_access(
        client_id=CLIENT_ID, client_secret=SECRET, code=code
    )
    installation = Installation(
        app_id="A0APP",
        team_id="T0ONE",
        team_name="One",
        user_id="UADMIN",
        bot_token=answer["access_token"],
        bot_id="BBOT",
        bot_user_id="UBOT",
        bot_scopes="commands",
        bot_refresh_token=answer["refresh_token"],
        bot_token_expires_at=int(datetime(2020, 1, 1, tzinfo=UTC).timestamp()),
        installed_at=datetime(2026, 12, 1, tzinfo=UTC).timestamp(),
    )
    installation_store(client_id=CLIENT_ID, engine=db.engine).save(installation)
    standin.expire_token(answer["access_token"])
    return installation


def clients(standin: SlackEmulator, db: Database) -> TeamClients:
    """What one process builds: its own rotator and client factory on the shared store."""
    store = installation_store(client_id=CLIENT_ID, engine=db.engine)
    api = WebClient(base_url=standin.api_url)
    return TeamClients(
        store=store,
        rotator=StoreAwareTokenRotator(
            client_id=CLIENT_ID, client_secret=SECRET, client=api, store=store
        ),
        client_with=lambda token: WebClient(token=token, base_url=standin.api_url),
    )


def test_the_process_that_loses_the_refresh_race_uses_the_winners_token(
    standin: SlackEmulator, db: Database
) -> None:
    old = installed(standin, db).bot_token
    first, second = clients(standin, db), clients(standin, db)
    # The second process read the installation before the first refreshed it.
    stale = installation_store(client_id=CLIENT_ID, engine=db.engine).find_installation(
        enterprise_id=None, team_id="T0ONE"
    )
    assert stale is not None and stale.bot_token == old

    winner = first.client_for("T0ONE")
    assert winner is not None and winner.token != old
    assert second._rotator is not None
    refreshed = second._rotator.perform_token_rotation(installation=stale)

    assert refreshed is not None and refreshed.bot_token == winner.token
    refreshes = [c for c in standin.calls("oauth.v2.access") if c.params.get("grant_type")]
    assert len(refreshes) == 2  # the second was refused: its refresh token was used up
    assert second.client_for("T0ONE").token == winner.token  # type: ignore[union-attr]
    assert winner.auth_test()["team_id"] == "T0ONE"


def test_a_token_not_yet_expiring_is_used_as_it_is(standin: SlackEmulator, db: Database) -> None:
    installation = installed(standin, db)
    store = installation_store(client_id=CLIENT_ID, engine=db.engine)
    installation.bot_token_expires_at = int(datetime.now(UTC).timestamp()) + 6 * 3600
    store.save(installation)
    standin.reset()
    client = clients(standin, db).client_for("T0ONE")
    assert client is not None and client.token == installation.bot_token
    assert standin.calls() == []
    assert clients(standin, db).client_for("T0NONE") is None


def _result(token: str) -> AuthorizeResult:
    return AuthorizeResult(enterprise_id=None, team_id="T1", bot_token=token, bot_user_id="UB")


def test_the_authorize_cache_keeps_the_most_recently_used_tokens() -> None:
    cache = AuthorizedTokens(size=2)
    cache["xoxb-1"] = _result("xoxb-1")
    cache["xoxb-2"] = _result("xoxb-2")
    assert "xoxb-1" in cache  # looked up: now the newest
    cache["xoxb-3"] = _result("xoxb-3")
    assert list(cache) == ["xoxb-1", "xoxb-3"]
    assert "xoxb-2" not in cache
    assert cache["xoxb-1"]["bot_token"] == "xoxb-1"


def _saved(db: Database) -> None:
    installation_store(client_id=CLIENT_ID, engine=db.engine).save(
        Installation(
            app_id="A0APP",
            team_id="T0ONE",
            user_id="UADMIN",
            bot_token="xoxb-one",
            bot_id="BBOT",
            bot_user_id="UBOT",
            installed_at=datetime(2026, 12, 1, tzinfo=UTC).timestamp(),
        )
    )


def test_looking_up_an_installation_never_waits_for_a_writer(db: Database) -> None:
    # Bolt looks the workspace up before every ack: on SQLite the look-up began a write
    # transaction and queued for the lock behind whatever was being saved.
    _saved(db)
    store = installation_store(client_id=CLIENT_ID, engine=db.engine)
    with write_lock_held(db):
        found = store.find_installation(enterprise_id=None, team_id="T0ONE", user_id="UOTHER")
        assert found is None  # another member's: Bolt then asks for the workspace's
        found = store.find_installation(enterprise_id=None, team_id="T0ONE")
        assert found is not None and found.bot_token == "xoxb-one"
        bot = store.find_bot(enterprise_id=None, team_id="T0ONE")
        assert bot is not None and bot.bot_token == "xoxb-one"


def test_looking_up_an_installation_keeps_the_prepared_statements(db: Database) -> None:
    if db.backend != "postgresql":
        pytest.skip("prepared statements are psycopg's")
    held = Database(db.url, pool_size=1, max_overflow=0)  # one connection for everything
    try:
        _saved(held)
        store = installation_store(client_id=CLIENT_ID, engine=held.engine)
        for _ in range(8):  # psycopg prepares a statement on its sixth run on a connection
            assert store.find_installation(enterprise_id=None, team_id="T0ONE") is not None
        # A look-up that ended with ROLLBACK would have dropped it.
        assert prepared_statements(held, like="%slack_installations%") == 1
    finally:
        held.dispose()
