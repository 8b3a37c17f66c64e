"""Installing the served app through the browser flow, as a person pressing "Add to Slack" does."""

from __future__ import annotations

import html
import http.client
import re
import urllib.parse
from dataclasses import dataclass, replace

from slackapp.config import Settings
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.store.db import Database
from tests.support.driver import FakeClock, ServedApp, SlackDriver, serve_app

CLIENT_ID = "111.222"
CLIENT_SECRET = "oauth-client-secret"
STATE_COOKIE = "slack-app-oauth-state"


@dataclass
class Page:
    status: int
    body: str
    headers: http.client.HTTPMessage

    @property
    def text(self) -> str:
        """The page's HTML with its character references read, as a person sees the words."""
        return html.unescape(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


def get(url: str, *, cookie: str | None = None) -> Page:
    """One GET, redirects not followed (a browser would; here each step is looked at)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", target, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return Page(response.status, response.read().decode(), response.headers)
    finally:
        connection.close()


def base_url(driver: SlackDriver) -> str:
    return driver.url.removesuffix("/slack/events")


def start_install(driver: SlackDriver, *, team: str) -> tuple[str, str]:
    """Open the Add to Slack page for `team`; (the authorize URL, the state cookie)."""
    page = get(f"{base_url(driver)}/slack/install?team={urllib.parse.quote(team)}")
    assert page.status == 200, page.body
    link = re.search(r'href="([^"]+/oauth/v2/authorize[^"]*)"', page.body)
    assert link is not None, page.body
    cookie = page.header("Set-Cookie") or ""
    # The browser keeps the cookie (Secure: browsers treat http://127.0.0.1 as secure too).
    return html.unescape(link.group(1)), cookie.split(";", 1)[0]


def install(driver: SlackDriver, *, team: str) -> Page:
    """Press Add to Slack, Allow at the stand-in's authorize page, land on the app's page."""
    authorize, cookie = start_install(driver, team=team)
    allowed = get(authorize)
    assert allowed.status == 302, allowed.body
    location = allowed.header("Location")
    assert location is not None
    return get(location, cookie=cookie)


def oauth_settings(**overrides: object) -> Settings:
    return replace(Settings(), client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **overrides)  # type: ignore[arg-type]


def serve_oauth_app(
    *,
    standin: SlackEmulator,
    db: Database,
    clock: FakeClock,
    token_rotation: bool = False,
    **overrides: object,
) -> ServedApp:
    """The app for many workspaces, served against a stand-in that lets it be installed."""
    standin.enable_oauth(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_rotation=token_rotation
    )
    served = serve_app(
        standin=standin,
        db=db,
        clock=clock,
        settings=oauth_settings(
            authorize_url=f"{standin.base_url}/oauth/v2/authorize", **overrides
        ),
    )
    standin.set_redirect_url(f"{base_url(served.driver)}/slack/oauth_redirect")
    return served
