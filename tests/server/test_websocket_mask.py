"""The server tuning that can be checked without starting a server."""

import os

import pytest

from serving.websocket_mask import apply_mask


def mask_byte_by_byte(data, mask, offset=0):
    """RFC 6455, section 5.3: octet i is XORed with mask octet (i mod 4)."""
    return bytes(b ^ mask[(offset + i) % 4] for i, b in enumerate(data))


@pytest.mark.parametrize("length", [0, 1, 3, 4, 5, 125, 126, 5000, 65537])
@pytest.mark.parametrize("offset", [0, 1, 2, 3, 4, 4097])
def test_fast_mask_matches_the_standard(length, offset):
    data, mask = os.urandom(length), os.urandom(4)
    assert apply_mask(data, mask, length=length, offset=offset) == mask_byte_by_byte(data, mask, offset)


def test_a_mask_given_as_eventlet_gives_it():
    """eventlet passes the mask as a tuple of 4 ints (struct.unpack's)."""
    data, mask = os.urandom(5000), os.urandom(4)
    assert apply_mask(data, tuple(mask), offset=3) == mask_byte_by_byte(data, mask, 3)


def test_masking_twice_gives_the_original():
    data, mask = os.urandom(999), os.urandom(4)
    assert apply_mask(apply_mask(data, mask), mask) == data
