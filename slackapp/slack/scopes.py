"""The bot scopes Valueboard asks Slack for: manifest.yml's `oauth_config.scopes.bot`.

The manifest is not shipped with the package, so the list lives here too; tests/test_manifest.py
keeps the two equal (and both equal to what the code calls).
"""

from __future__ import annotations

from typing import Final

BOT_SCOPES: Final = frozenset(
    {"commands", "chat:write", "users:read", "channels:join", "files:write", "im:write"}
)


def granted_scopes(header: str | None) -> frozenset[str] | None:
    """The scopes in a Web API answer's `x-oauth-scopes` header, or None when it has none."""
    if header is None:
        return None
    return frozenset(part.strip() for part in header.split(",") if part.strip())
