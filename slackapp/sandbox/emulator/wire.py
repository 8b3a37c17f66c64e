"""What travels over HTTP: parsing Slack-style bodies and building the emulator's answers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.message import Message
from typing import Any, Final
from urllib.parse import parse_qsl

#: Request bodies larger than this are refused rather than buffered.
MAX_BODY_BYTES: Final = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer: status, body, content type and extra headers."""

    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


class ApiError(Exception):
    """A Slack error code to answer with {"ok": false, "error": ...}."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class BadRequest(Exception):
    """A body that cannot be parsed; answered with HTTP 400."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def json_reply(
    payload: dict[str, Any], *, status: int = 200, headers: tuple[tuple[str, str], ...] = ()
) -> Reply:
    """A JSON answer."""
    body = json.dumps(payload, default=_bytes_summary).encode("utf-8")
    return Reply(status, body, "application/json; charset=utf-8", headers)


def text_reply(text: str, *, status: int = 200) -> Reply:
    """A plain-text answer (how response_url and upload endpoints answer)."""
    return Reply(status, text.encode("utf-8"), "text/plain; charset=utf-8")


def api_error(error: str) -> Reply:
    """Slack reports method errors with HTTP 200; only rate limits and transport problems differ."""
    return json_reply({"ok": False, "error": error})


def _bytes_summary(value: object) -> str:
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    raise TypeError(f"cannot encode {type(value).__name__}")


def content_type(header: str) -> tuple[str, Message]:
    """The media type of a Content-Type header, and the header parsed for its parameters."""
    msg = Message()
    msg["content-type"] = header or "application/x-www-form-urlencoded"
    return msg.get_content_type(), msg


def parse_multipart(body: bytes, boundary: str) -> list[tuple[dict[str, str], bytes]]:
    """Split a multipart/form-data body into (disposition params, content) pairs."""
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    # The CRLF before each delimiter belongs to the delimiter, so prefix one for the first part.
    pieces = (b"\r\n" + body).split(delimiter)
    parts: list[tuple[dict[str, str], bytes]] = []
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            return parts
        head, sep, content = piece.partition(b"\r\n\r\n")
        if not sep:
            raise BadRequest("invalid_form_data")
        msg = Message()
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, colon, value = line.partition(":")
            if colon:
                msg[name.strip()] = value.strip()
        disposition = {
            "name": str(msg.get_param("name", "", header="content-disposition")),
            "filename": str(msg.get_param("filename", "", header="content-disposition")),
        }
        parts.append((disposition, content))
    # No closing delimiter: the body was cut short or is not multipart at all.
    raise BadRequest("invalid_form_data")


def parse_body(content_type_header: str, body: bytes) -> dict[str, Any]:
    """Parse a form, JSON or multipart body into params; raise BadRequest when malformed."""
    if not body:
        return {}
    kind, msg = content_type(content_type_header)
    if kind == "application/json":
        try:
            parsed = json.loads(body.decode(msg.get_content_charset() or "utf-8"))
        except (UnicodeDecodeError, LookupError, ValueError):
            raise BadRequest("invalid_json") from None
        if not isinstance(parsed, dict):
            raise BadRequest("invalid_json")
        return parsed
    if kind == "application/x-www-form-urlencoded":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("invalid_form_data") from None
        return dict(parse_qsl(text, keep_blank_values=True))
    if kind == "multipart/form-data":
        boundary = msg.get_param("boundary")
        if not isinstance(boundary, str) or not boundary:
            raise BadRequest("invalid_form_data")
        params: dict[str, Any] = {}
        for disposition, part in parse_multipart(body, boundary):
            if disposition["filename"]:
                params[disposition["name"]] = part
            else:
                params[disposition["name"]] = part.decode("utf-8", "replace")
        return params
    raise BadRequest("invalid_form_data")


def bearer_token(headers: dict[str, str]) -> str | None:
    """The token of an `Authorization: Bearer …` header."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def str_param(params: dict[str, Any], name: str) -> str | None:
    """A scalar param as text; JSON bodies may carry numbers where forms carry strings."""
    value = params.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    raise ApiError("invalid_arguments")


def bool_param(params: dict[str, Any], name: str) -> bool:
    """A flag param: JSON true, or "true"/"1" in a form."""
    value = params.get(name)
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.lower() in {"1", "true"}


def json_value(params: dict[str, Any], name: str, *, error: str) -> Any:
    """A param that slack_sdk sends as a JSON string in forms and as-is in JSON bodies."""
    value = params.get(name)
    if isinstance(value, str):
        if not value:
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(error) from None
    return value


def blocks_param(value: Any, *, limit: int, error: str) -> list[dict[str, Any]] | None:
    """A list of blocks, each a dict with a type, at most `limit` long; else ApiError(error)."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > limit:
        raise ApiError(error)
    for block in value:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise ApiError(error)
    return value
