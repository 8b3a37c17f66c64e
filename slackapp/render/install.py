"""The pages a person sees in the browser after "Add to Slack": what next, or what went wrong.

Pure functions from plain values to HTML; every value is escaped.
"""

from __future__ import annotations

from html import escape

__all__ = ["install_failed_page", "installed_page"]

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em;"
    "color:#1d1c1d}h1{font-size:1.5em}code{background:#f4f4f4;padding:0 .25em;"
    "border-radius:3px}a{color:#1264a3}"
)

#: What each of Bolt's failure reasons means to the person who tried to install.
_REASONS: dict[str, str] = {
    "access_denied": "You cancelled the installation, so nothing was installed.",
    "invalid_browser": (
        "This browser didn't start the installation (or its cookie expired), so nothing was "
        "installed."
    ),
    "invalid_state": (
        "The installation link expired (it lasts ten minutes), so nothing was installed."
    ),
    "missing_code": "Slack didn't send the installation code, so nothing was installed.",
    "invalid_code": "Slack didn't accept the installation code, so nothing was installed.",
    "storage_error": (
        "Valueboard couldn't save the installation, so it isn't installed yet. "
        "Please try again in a minute."
    ),
}


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style><body>{body}</body></html>"
    )


def installed_page(*, workspace: str | None) -> str:
    """After a successful install: what to do next, in Slack."""
    where = f" to {escape(workspace)}" if workspace else ""
    return _page(
        "Valueboard is installed",
        f"<h1>Valueboard is installed{where} :)</h1>"
        "<p>Next, in Slack:</p><ol>"
        "<li>Type <code>/connect help</code> to see the four principles and how to log a "
        "connection in a few seconds.</li>"
        "<li>Invite the bot to the channel where nudges and digests should go: "
        "<code>/invite @Valueboard</code> (public channels it can join by itself).</li>"
        "<li>An admin sets the team's time zone, goal, nudge and digest with "
        "<code>/connect settings</code>.</li>"
        "</ol><p>You can close this tab.</p>",
    )


def install_failed_page(*, reason: str, install_path: str = "/slack/install") -> str:
    """After a cancelled or failed install: what happened, and how to try again."""
    what = _REASONS.get(reason, "The installation didn't finish, so nothing was installed.")
    return _page(
        "Valueboard wasn't installed",
        "<h1>Valueboard wasn't installed</h1>"
        f"<p>{escape(what)}</p>"
        f"<p><a href='{escape(install_path, quote=True)}'>Try again</a> whenever you like. "
        "If it keeps failing, ask whoever runs Valueboard for you; the reason to tell them is "
        f"<code>{escape(reason)}</code>.</p>",
    )
