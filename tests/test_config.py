"""Settings for many workspaces ("Add to Slack"): one mode at a time, each mistake named."""

from __future__ import annotations

import pytest

from slackapp.config import DEFAULT_AUTHORIZE_URL, ConfigError, load_settings

OAUTH = {
    "SLACK_CLIENT_ID": "111.222",
    "SLACK_CLIENT_SECRET": "shh",
    "SLACK_SIGNING_SECRET": "sign",
}


def test_client_id_and_secret_mean_many_workspaces_with_defaults() -> None:
    settings = load_settings(OAUTH, dotenv_path=None)
    assert settings.oauth and settings.bot_token is None
    assert settings.authorize_url == DEFAULT_AUTHORIZE_URL
    assert settings.redirect_uri is None
    assert settings.token_rotation_minutes == 120
    settings.require_http()
    settings.require_token()


def test_the_oauth_urls_and_rotation_lead_are_read() -> None:
    settings = load_settings(
        {
            **OAUTH,
            "SLACK_AUTHORIZE_URL": "http://127.0.0.1:9/oauth/v2/authorize",
            "SLACK_REDIRECT_URI": "https://vb.example.com/slack/oauth_redirect",
            "SLACK_TOKEN_ROTATION_MINUTES": "30",
        },
        dotenv_path=None,
    )
    assert settings.authorize_url == "http://127.0.0.1:9/oauth/v2/authorize"
    assert settings.redirect_uri == "https://vb.example.com/slack/oauth_redirect"
    assert settings.token_rotation_minutes == 30


def test_a_bot_token_and_a_client_id_together_stop_start_up_naming_both_and_the_fix() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({**OAUTH, "SLACK_BOT_TOKEN": "xoxb-1"}, dotenv_path=None)
    message = str(caught.value)
    assert "SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set" in message
    assert "Remove SLACK_BOT_TOKEN" in message and "remove SLACK_CLIENT_ID" in message


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SLACK_CLIENT_ID": "111.222"}, "SLACK_CLIENT_ID is set without SLACK_CLIENT_SECRET"),
        ({"SLACK_CLIENT_SECRET": "shh"}, "SLACK_CLIENT_SECRET is set without SLACK_CLIENT_ID"),
        ({**OAUTH, "SLACK_AUTHORIZE_URL": "slack.com"}, "SLACK_AUTHORIZE_URL must be an http"),
        ({**OAUTH, "SLACK_REDIRECT_URI": "/slack/oauth_redirect"}, "SLACK_REDIRECT_URI must be"),
        ({**OAUTH, "SLACK_TOKEN_ROTATION_MINUTES": "0"}, "SLACK_TOKEN_ROTATION_MINUTES must be"),
    ],
)
def test_half_an_oauth_setup_is_refused_with_its_fix(env: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        load_settings(env, dotenv_path=None)


def test_oauth_without_a_signing_secret_names_it() -> None:
    settings = load_settings(
        {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"}, dotenv_path=None
    )
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        settings.require_http()


def test_socket_mode_with_a_client_id_says_it_needs_http() -> None:
    settings = load_settings({**OAUTH, "SLACK_APP_TOKEN": "xapp-1"}, dotenv_path=None)
    with pytest.raises(ConfigError, match="needs HTTP mode"):
        settings.require_socket()
