"""Deciding whether a request came from Slack, before anything reads its body as Slack's.

Slack signs each request: `X-Slack-Signature: v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`
under the app's signing secret, with `X-Slack-Request-Timestamp` in epoch seconds. Bolt checks
that too, but it raises instead of refusing on a timestamp that is not a plain number, and its
error handler then holds the unverified body. So the WSGI layer checks every request here first,
strictly, and Bolt only ever sees requests that already passed (its own check stays on as a
second line).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO

#: Largest request body we read, in bytes. Slack's biggest payloads (view submissions of a full
#: modal) stay far below 1 MiB; anything larger is refused before it is read into memory.
MAX_BODY_BYTES = 1024 * 1024
#: How old (or how far in the future) a signed request may be, in seconds: Slack's own rule.
MAX_AGE_SECONDS = 300

# Epoch seconds have 10 digits until the year 2286; ASCII digits only ("١٢" is a str.isdigit()).
_TIMESTAMP = re.compile(r"[0-9]{1,10}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
# Events come as JSON; commands and interactivity as a form (interactivity's JSON in `payload=`).
_CONTENT_TYPES = frozenset({"application/json", "application/x-www-form-urlencoded"})


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request is refused: an HTTP status and a few words for the log (never the body)."""

    status: int
    reason: str


def content_length(environ: Mapping[str, object], *, limit: int) -> int | Refusal:
    """The declared body length, or a refusal if it is missing, malformed or over `limit`."""
    if "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower():
        return Refusal(411, "chunked body without Content-Length")
    raw = str(environ.get("CONTENT_LENGTH") or "").strip()
    if not raw:
        return 0
    if not (raw.isascii() and raw.isdigit()):
        return Refusal(400, "malformed Content-Length")
    # Compare digit counts first: int() of a huge numeral is slow, and refuses past 4,300 digits.
    if len(raw) > len(str(limit)) or int(raw) > limit:
        return Refusal(413, f"body over {limit} bytes")
    return int(raw)


def read_body(stream: IO[bytes], *, length: int) -> bytes | Refusal:
    """Exactly `length` bytes from `stream`, or a refusal if the client sent fewer."""
    body = stream.read(length) if length else b""
    if len(body) != length:
        return Refusal(400, "body shorter than its Content-Length")
    return body


def check_headers(timestamp: str | None, signature: str | None, *, now: float) -> Refusal | None:
    """Refuse a missing, malformed or stale timestamp, or a missing or malformed signature."""
    if timestamp is None or signature is None:
        return Refusal(401, "unsigned (no timestamp or signature header)")
    if not _TIMESTAMP.fullmatch(timestamp):
        return Refusal(400, "malformed timestamp")
    if not _SIGNATURE.fullmatch(signature):
        return Refusal(400, "malformed signature")
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return Refusal(401, "stale timestamp")
    return None


def signature_matches(*, secret: str, timestamp: str, signature: str, body: bytes) -> bool:
    """Whether `signature` is Slack's v0 signature of `body` at `timestamp` under `secret`."""
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii"))


def verify(
    environ: Mapping[str, object], *, stream: IO[bytes], secret: str, now: float
) -> bytes | Refusal:
    """The body of a request Slack signed with `secret`, or why it is refused.

    Checks run cheapest first, and the body is read only after the headers passed and its
    length is known to be within MAX_BODY_BYTES.
    """
    length = content_length(environ, limit=MAX_BODY_BYTES)
    if isinstance(length, Refusal):
        return length
    timestamp = _header(environ, "HTTP_X_SLACK_REQUEST_TIMESTAMP")
    signature = _header(environ, "HTTP_X_SLACK_SIGNATURE")
    refused = check_headers(timestamp, signature, now=now)
    if refused is not None:
        return refused
    assert timestamp is not None and signature is not None
    if not secret:
        return Refusal(401, "no signing secret configured")
    body = read_body(stream, length=length)
    if isinstance(body, Refusal):
        return body
    if not signature_matches(secret=secret, timestamp=timestamp, signature=signature, body=body):
        return Refusal(401, "signature does not match")
    return body


def decode_payload(body: bytes, *, content_type: str | None) -> str | Refusal:
    """A verified body as text, if it is one of Slack's two encodings in UTF-8; else a refusal."""
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime not in _CONTENT_TYPES:
        return Refusal(400, "unsupported content type")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return Refusal(400, "body is not UTF-8")


def _header(environ: Mapping[str, object], key: str) -> str | None:
    value = environ.get(key)
    return value if isinstance(value, str) else None
