"""WebSocket frames as RFC 6455 writes them, read back by the server side."""

from __future__ import annotations

import io
import os
import struct

import pytest

from slackapp.sandbox.emulator import websocket


def client_frame(opcode: int, payload: bytes, *, fin: bool = True) -> bytes:
    """A masked frame, as clients must send them."""
    mask = os.urandom(4)
    head = bytes([(0x80 if fin else 0) | opcode])
    length = len(payload)
    if length < 126:
        head += bytes([0x80 | length])
    elif length < 1 << 16:
        head += bytes([0x80 | 126]) + struct.pack("!H", length)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", length)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def test_accept_key_matches_the_rfc_example() -> None:
    assert websocket.accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


@pytest.mark.parametrize("size", [0, 5, 125, 126, 65535, 65536])
def test_masked_frames_of_every_length_encoding_are_read(size: int) -> None:
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)

    opcode, data = websocket.read_message(io.BytesIO(client_frame(websocket.OP_TEXT, payload)))

    assert (opcode, data) == (websocket.OP_TEXT, payload)


def test_fragments_are_joined_and_pings_between_them_skipped() -> None:
    stream = io.BytesIO(
        client_frame(websocket.OP_TEXT, b"hel", fin=False)
        + client_frame(websocket.OP_PING, b"p")
        + client_frame(websocket.OP_CONTINUATION, b"lo")
    )

    assert websocket.read_message(stream) == (websocket.OP_TEXT, b"hello")


def test_server_frames_are_unmasked_and_round_trip() -> None:
    frame = websocket.encode_frame(websocket.OP_TEXT, b"x" * 70000)

    fin, opcode, payload = websocket.read_frame(io.BytesIO(frame))

    assert fin and opcode == websocket.OP_TEXT and payload == b"x" * 70000
    assert frame[1] & 0x80 == 0


def test_a_connection_cut_mid_frame_is_closed() -> None:
    with pytest.raises(websocket.ConnectionClosed):
        websocket.read_frame(io.BytesIO(client_frame(websocket.OP_TEXT, b"hello")[:4]))
