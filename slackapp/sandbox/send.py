"""`slackapp sandbox send`: act as a member of a running sandbox from the shell.

The emulator signs and delivers the request exactly as for the page (a slash command, or a
plain message when the text does not start with "/"), then this prints what the member saw.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from slackapp.sandbox.errors import SandboxError
from slackapp.sandbox.paths import SandboxPaths


def sandbox_url(paths: SandboxPaths, *, given: str | None, port: int) -> str:
    """The running sandbox's URL: given, else noted in its data folder, else the usual port."""
    if given:
        return given.rstrip("/")
    try:
        noted = json.loads(paths.run_file.read_text(encoding="utf-8"))["url"]
        return str(noted).rstrip("/")
    except (OSError, ValueError, KeyError, TypeError):
        return f"http://127.0.0.1:{port}"


def _call(base: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - the sandbox on loopback
        base + path,
        data=data,
        headers={"Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            parsed = json.loads(response.read())
    except urllib.error.HTTPError as error:
        detail = json.loads(error.read() or b"{}").get("detail") or error.reason
        raise SandboxError(f"the sandbox refused that: {detail}") from error
    except (urllib.error.URLError, OSError) as error:
        raise SandboxError(
            f"no sandbox answers at {base} ({getattr(error, 'reason', error)}). "
            "Start one with `make run` or `.venv/bin/slackapp sandbox`."
        ) from error
    if not isinstance(parsed, dict):
        raise SandboxError("the sandbox answered something unexpected")
    return parsed


def _resolve(boot: dict[str, Any], *, member: str, channel: str) -> tuple[str, str]:
    wanted = member.lower().lstrip("@")
    user = next(
        (
            u
            for u in boot["users"]
            if wanted in {u["id"].lower(), u["name"].lower(), u["label"].lower()}
        ),
        None,
    )
    if user is None:
        names = ", ".join(u["name"] for u in boot["users"])
        raise SandboxError(f"no member {member!r} in the sandbox (try one of: {names})")
    where = channel.lstrip("#").lower()
    if where in {"dm", "app", "valueboard"}:
        return user["id"], "D" + user["id"]
    found = next(
        (c for c in boot["channels"] if where in {c["id"].lower(), c["name"].lower()}), None
    )
    if found is None:
        names = ", ".join("#" + c["name"] for c in boot["channels"])
        raise SandboxError(f"no channel {channel!r} in the sandbox (try one of: {names}, or dm)")
    return user["id"], found["id"]


def _plain(message: dict[str, Any]) -> str:
    return " ".join(str(message.get("text") or "").split()) or "(blocks only)"


def send(base: str, *, text: str, member: str, channel: str, wait: float) -> list[str]:
    """Send `text` as `member` in `channel`; the lines to print about what they saw."""
    boot = _call(base, "/client/boot")
    user, channel_id = _resolve(boot, member=member, channel=channel)
    before = _call(base, f"/client/snapshot?user={user}")
    seen = {m["ts"] for m in before["conversations"].get(channel_id, [])}
    modals_before = {m["id"] for m in before["modals"]}
    kind = "command" if text.startswith("/") else "message"
    outcome = _call(base, f"/client/{kind}", {"user": user, "channel": channel_id, "text": text})
    lines = [f"sent {text!r} as {user} in {channel_id}: {outcome.get('error') or 'ok'}"]
    deadline = time.monotonic() + wait
    shown: set[str] = set()
    while True:
        after = _call(base, f"/client/snapshot?user={user}")
        for message in after["conversations"].get(channel_id, []):
            if message["ts"] in seen or message["ts"] in shown or message["user"] == user:
                continue
            shown.add(message["ts"])
            who = "Slackbot" if message["user"] == "USLACKBOT" else "Valueboard"
            only = " (only visible to you)" if message["ephemeral"] else ""
            lines.append(f"{who}{only}: {_plain(message)}")
        for modal in after["modals"]:
            if modal["id"] not in modals_before:
                modals_before.add(modal["id"])
                title = (modal.get("title") or {}).get("text", "")
                lines.append(f"Valueboard opened a modal: {title} (open the page to fill it in)")
        if time.monotonic() >= deadline:
            return lines
        time.sleep(0.25)
