"""The stand-in's OAuth: codes and refresh tokens work once, only with the app's secret."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackapp.sandbox.emulator import SlackEmulator
from tests.support.install import get


def code_for(standin: SlackEmulator, team: str) -> str:
    page = get(f"{standin.base_url}/oauth/v2/authorize?client_id=1.2&team={team}&state=s1")
    assert page.status == 302
    query = parse_qs(urlsplit(page.header("Location") or "").query)
    assert query["state"] == ["s1"]
    return query["code"][0]


def test_codes_and_refresh_tokens_work_once_and_tokens_speak_for_their_team() -> None:
    with SlackEmulator() as standin:
        standin.enable_oauth(client_id="1.2", client_secret="s", token_rotation=True)
        standin.set_redirect_url("http://127.0.0.1:9/back")
        standin.add_installable("T0ONE", name="One")
        standin.add_installable(None, enterprise_id="E0ORG", enterprise_name="Org")
        api = WebClient(base_url=standin.api_url)
        code = code_for(standin, "T0ONE")
        with pytest.raises(SlackApiError, match="bad_client_secret"):
            api.oauth_v2_access(client_id="1.2", client_secret="nope", code=code)
        first = api.oauth_v2_access(client_id="1.2", client_secret="s", code=code)
        assert first["team"] == {"id": "T0ONE", "name": "One"} and first["expires_in"] > 0
        with pytest.raises(SlackApiError, match="invalid_code"):
            api.oauth_v2_access(client_id="1.2", client_secret="s", code=code)
        assert (
            WebClient(token=first["access_token"], base_url=standin.api_url).auth_test()["team_id"]
            == "T0ONE"
        )

        refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
        again = api.oauth_v2_access(client_id="1.2", client_secret="s", **refresh)
        assert again["access_token"] != first["access_token"]
        with pytest.raises(SlackApiError, match="invalid_refresh_token"):
            api.oauth_v2_access(client_id="1.2", client_secret="s", **refresh)

        standin.expire_token(again["access_token"])
        with pytest.raises(SlackApiError, match="token_expired"):
            WebClient(token=again["access_token"], base_url=standin.api_url).auth_test()

        org = api.oauth_v2_access(
            client_id="1.2", client_secret="s", code=code_for(standin, "E0ORG")
        )
        assert org["is_enterprise_install"] is True and org["team"] is None
        who = WebClient(token=org["access_token"], base_url=standin.api_url).auth_test()
        assert who["enterprise_id"] == "E0ORG" and who["is_enterprise_install"] is True


def test_an_unknown_app_or_team_cannot_install() -> None:
    with SlackEmulator() as standin:
        standin.enable_oauth(client_id="1.2", client_secret="s")
        standin.set_redirect_url("http://127.0.0.1:9/back")
        standin.add_installable("T0ONE")
        assert get(f"{standin.base_url}/oauth/v2/authorize?client_id=9.9").status == 400
        assert get(f"{standin.base_url}/oauth/v2/authorize?client_id=1.2&team=T0X").status == 400
