"""Installing the app the way Slack's OAuth v2 does it: an authorize page, codes, tokens.

The stand-in knows workspaces (and Enterprise Grid organisations) that can install the app.
Its authorize page sends the browser straight back to the app's redirect URL with a code, as
if the person had pressed "Allow"; `oauth.v2.access` trades the code for a bot token of that
workspace (or organisation) alone, which then answers `auth.test` as that workspace. With
token rotation on, tokens expire and `oauth.v2.access` with `grant_type=refresh_token` trades a
refresh token (once only, as at Slack) for a new pair.
"""

from __future__ import annotations

import base64
import itertools
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from slackapp.sandbox.emulator.wire import ApiError

__all__ = ["Identity", "OAuthApp"]

#: How long Slack's rotating tokens live, in seconds (twelve hours).
TOKEN_LIFETIME = 12 * 60 * 60


@dataclass(frozen=True, slots=True)
class Identity:
    """Whom a token speaks for: a workspace, or an organisation (org-wide install)."""

    team_id: str | None
    team_name: str | None
    enterprise_id: str | None = None
    enterprise_name: str | None = None
    bot_user_id: str = "UBOT"

    @property
    def is_enterprise_install(self) -> bool:
        return self.team_id is None

    @property
    def key(self) -> str:
        """The id the authorize page's `team` parameter names it by."""
        return self.team_id or self.enterprise_id or ""

    @property
    def bot_id(self) -> str:
        return "B" + self.bot_user_id.removeprefix("U")

    def auth_test(self) -> dict[str, Any]:
        """auth.test's answer for a bot token of this workspace or organisation."""
        return {
            "ok": True,
            "url": f"https://{(self.team_name or 'org').lower().replace(' ', '')}.slack.com/",
            "team": self.team_name,
            "user": "valueboard",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "enterprise_id": self.enterprise_id,
            "is_enterprise_install": self.is_enterprise_install,
        }

    def granted(self) -> dict[str, Any]:
        """The parts of oauth.v2.access's answer that say who installed."""
        return {
            "team": None if self.team_id is None else {"id": self.team_id, "name": self.team_name},
            "enterprise": (
                None
                if self.enterprise_id is None
                else {"id": self.enterprise_id, "name": self.enterprise_name}
            ),
            "is_enterprise_install": self.is_enterprise_install,
        }


@dataclass
class OAuthApp:
    """The app's OAuth credentials and what installing has handed out. Guarded by the caller."""

    client_id: str
    client_secret: str
    app_id: str = "A0APP"
    token_rotation: bool = False
    lifetime: int = TOKEN_LIFETIME
    #: The app's configured redirect URL, used when the authorize link names none (as at Slack).
    redirect_url: str | None = None
    installable: dict[str, Identity] = field(default_factory=dict)
    codes: dict[str, tuple[Identity, str, frozenset[str]]] = field(default_factory=dict)
    refresh_tokens: dict[str, tuple[Identity, frozenset[str]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def authorize(self, query: dict[str, Any]) -> str:
        """Where the authorize page sends the browser: the redirect URL with a code and state."""
        if query.get("client_id") != self.client_id:
            raise ApiError("invalid_client_id")
        redirect = query.get("redirect_uri") or self.redirect_url
        if not isinstance(redirect, str) or not redirect.startswith(("http://", "https://")):
            raise ApiError("bad_redirect_uri")
        wanted = query.get("team")
        identity = self.installable.get(wanted) if isinstance(wanted, str) else None
        if identity is None:
            if wanted:
                raise ApiError("unknown_team")
            identity = next(iter(self.installable.values()), None)
        if identity is None:
            raise ApiError("no_team_to_install")
        code = f"code-{identity.key}-{next(self._ids)}"
        scopes = frozenset(p for p in str(query.get("scope") or "").split(",") if p)
        self.codes[code] = (identity, str(query.get("user") or "UINSTALLER"), scopes)
        back = {"code": code, "state": str(query.get("state") or "")}
        separator = "&" if "?" in redirect else "?"
        return f"{redirect}{separator}{urlencode(back)}"

    def check_client(self, params: dict[str, Any], headers: dict[str, str]) -> None:
        """The app's credentials, from HTTP Basic auth (slack_sdk's way) or the params."""
        client_id, secret = params.get("client_id"), params.get("client_secret")
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                client_id, _, secret = base64.b64decode(value).decode().partition(":")
            except ValueError:
                raise ApiError("invalid_client_id") from None
        if client_id != self.client_id:
            raise ApiError("invalid_client_id")
        if secret != self.client_secret:
            raise ApiError("bad_client_secret")

    def new_token(self, identity: Identity, scopes: frozenset[str]) -> tuple[str, dict[str, Any]]:
        """A new bot token for `identity`, and the token fields of oauth.v2.access's answer."""
        n = next(self._ids)
        fields: dict[str, Any] = {"token_type": "bot", "scope": ",".join(sorted(scopes))}
        if not self.token_rotation:
            token = f"xoxb-{identity.key}-{n}"
            return token, {**fields, "access_token": token}
        token = f"xoxe.xoxb-{identity.key}-{n}"
        refresh = f"xoxe-1-{identity.key}-{n}"
        self.refresh_tokens[refresh] = (identity, scopes)
        return token, {
            **fields,
            "access_token": token,
            "refresh_token": refresh,
            "expires_in": self.lifetime,
        }

    def exchange(
        self, params: dict[str, Any]
    ) -> tuple[Identity, str, frozenset[str], dict[str, Any]]:
        """oauth.v2.access: a code (or, with rotation, a refresh token) for a new token.

        Returns who the token is for, the token, its scopes and the method's answer.
        """
        if params.get("grant_type") == "refresh_token":
            refresh = params.get("refresh_token")
            held = self.refresh_tokens.pop(refresh, None) if isinstance(refresh, str) else None
            if held is None:
                raise ApiError("invalid_refresh_token")
            identity, scopes = held
            token, fields = self.new_token(identity, scopes)
            answer = {"ok": True, **fields, **identity.granted(), "app_id": self.app_id}
            return identity, token, scopes, answer
        code = params.get("code")
        found = self.codes.pop(code, None) if isinstance(code, str) else None
        if found is None:
            raise ApiError("invalid_code")
        identity, installer, scopes = found
        token, fields = self.new_token(identity, scopes)
        answer = {
            "ok": True,
            **fields,
            "app_id": self.app_id,
            "bot_user_id": identity.bot_user_id,
            "authed_user": {"id": installer},
            **identity.granted(),
        }
        return identity, token, scopes, answer

    def expires_at(self) -> float | None:
        """When a token handed out now expires (epoch seconds), or None without rotation."""
        return time.time() + self.lifetime if self.token_rotation else None
