"""The server side of RFC 6455 WebSockets, just enough for Socket Mode: text, ping, pong, close."""

from __future__ import annotations

import base64
import hashlib
import struct
from typing import BinaryIO, Final

OP_CONTINUATION: Final = 0x0
OP_TEXT: Final = 0x1
OP_BINARY: Final = 0x2
OP_CLOSE: Final = 0x8
OP_PING: Final = 0x9
OP_PONG: Final = 0xA

_GUID: Final = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#: Frames larger than this end the connection (Slack's own envelopes are far smaller).
MAX_FRAME_BYTES: Final = 16 * 1024 * 1024


class ConnectionClosed(Exception):
    """The peer closed the connection, or sent something that ends it."""


def accept_key(key: str) -> str:
    """The Sec-WebSocket-Accept value answering a client's Sec-WebSocket-Key."""
    digest = hashlib.sha1((key.strip() + _GUID).encode("ascii")).digest()  # noqa: S324 - RFC 6455
    return base64.b64encode(digest).decode("ascii")


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            raise ConnectionClosed("connection closed mid-frame")
        data += chunk
    return data


def read_frame(stream: BinaryIO) -> tuple[bool, int, bytes]:
    """One frame: (fin, opcode, unmasked payload)."""
    first, second = _read_exact(stream, 2)
    fin, opcode = bool(first & 0x80), first & 0x0F
    masked, length = bool(second & 0x80), second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", _read_exact(stream, 2))
    elif length == 127:
        (length,) = struct.unpack("!Q", _read_exact(stream, 8))
    if length > MAX_FRAME_BYTES:
        raise ConnectionClosed("frame too large")
    mask = _read_exact(stream, 4) if masked else b""
    payload = _read_exact(stream, length) if length else b""
    if masked:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return fin, opcode, payload


def read_message(stream: BinaryIO) -> tuple[int, bytes]:
    """One whole message (fragments joined), or a control frame: (opcode, payload)."""
    fin, opcode, payload = read_frame(stream)
    if opcode >= OP_CLOSE or fin:
        return opcode, payload
    parts = [payload]
    while True:
        fin, continuation, more = read_frame(stream)
        if continuation >= OP_CLOSE:
            # Control frames may arrive between fragments; ours need no answer mid-message
            # except close, which ends everything.
            if continuation == OP_CLOSE:
                raise ConnectionClosed("closed mid-message")
            continue
        parts.append(more)
        if fin:
            return opcode, b"".join(parts)


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """A single unmasked frame, as servers send them."""
    head = bytes([0x80 | opcode])
    length = len(payload)
    if length < 126:
        head += bytes([length])
    elif length < 1 << 16:
        head += bytes([126]) + struct.pack("!H", length)
    else:
        head += bytes([127]) + struct.pack("!Q", length)
    return head + payload
