"""The server tuning that can be checked without starting a server."""

import gc
import os

import pytest
from wsproto import frame_protocol

from serving import websocket_mask
from serving.websocket_mask import XorMasker, apply_mask, python_apply_mask


def mask_byte_by_byte(data, mask, offset=0):
    """RFC 6455, section 5.3: octet i is XORed with mask octet (i mod 4)."""
    return bytes(b ^ mask[(offset + i) % 4] for i, b in enumerate(data))


@pytest.fixture(params=["C", "Python"])
def xor(request, monkeypatch):
    """Each unmasking the server may run: websockets' C code, or without it the big integer."""
    if request.param == "Python":
        monkeypatch.setattr(websocket_mask, "xor_mask", python_apply_mask)
    else:
        assert websocket_mask.xor_mask is not python_apply_mask, "websockets' C unmasking is not installed"
    return request.param


@pytest.mark.parametrize("length", [0, 1, 3, 4, 5, 125, 126, 5000, 65537])
@pytest.mark.parametrize("offset", [0, 1, 2, 3, 4, 4097])
def test_fast_mask_matches_the_standard(xor, length, offset):
    data, mask = os.urandom(length), os.urandom(4)
    assert apply_mask(data, mask, length=length, offset=offset) == mask_byte_by_byte(data, mask, offset)


def test_a_mask_given_as_eventlet_gives_it(xor):
    """eventlet passes the mask as a tuple of 4 ints (struct.unpack's)."""
    data, mask = os.urandom(5000), os.urandom(4)
    assert apply_mask(data, tuple(mask), offset=3) == mask_byte_by_byte(data, mask, 3)


def test_masking_twice_gives_the_original(xor):
    data, mask = os.urandom(999), os.urandom(4)
    assert apply_mask(apply_mask(data, mask), mask) == data


@pytest.mark.parametrize("pieces", [[5000], [1, 2, 3, 4, 5], [7, 4093, 900]])
def test_wsproto_s_masker_unmasks_a_payload_arriving_in_pieces(xor, pieces):
    """wsproto unmasks each piece of a payload as it arrives: the key goes on where
    the last piece ended. Against wsproto's own masker, on the same pieces."""
    data, key = os.urandom(sum(pieces)), bytearray(os.urandom(4))
    ours, theirs = XorMasker(key), frame_protocol.XorMaskerSimple(key)
    start = 0
    for size in pieces:
        piece = bytearray(data[start:start + size])
        assert ours.process(piece) == theirs.process(piece) == bytearray(
            mask_byte_by_byte(piece, key, start))
        start += size


def test_what_exists_when_the_server_starts_is_left_out_of_later_collections():
    """serve() freezes the objects made at start: a full collection walked ~100,000 of
    them, 40-100 ms during which no connection was served."""
    from serving import freeze_what_start_made

    made_at_start = [{"a dict": "the app made"}]
    try:
        freeze_what_start_made()
        assert gc.get_freeze_count() > 0
        assert not any(obj is made_at_start for obj in gc.get_objects())
        made_later = [{}]
        assert any(obj is made_later for obj in gc.get_objects())
    finally:
        gc.unfreeze()
