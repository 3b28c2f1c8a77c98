"""Unmask WebSocket payloads fast. eventlet does it one byte at a time in Python, and
wsproto (gevent's and threading's WebSocket, through simple-websocket) with four
byte-table passes: 2.5 ms and 19 µs for a 5 KB offer. websockets' C unmasking takes
1 µs; without its compiled part, one big-integer XOR takes 22 µs."""

import functools

try:
    from websockets.speedups import apply_mask as _c_apply_mask
except ImportError:  # websockets installed without its C extension
    _c_apply_mask = None


@functools.lru_cache(maxsize=256)
def _repeat_word(words):
    """The integer whose 32-bit words are each 1: multiplying a 4-byte key by it lays
    the key end to end, `words` times, without building the bytes first."""
    return ((1 << (32 * words)) - 1) // 0xFFFFFFFF


def python_apply_mask(data, mask):
    """XOR data with its 4-byte mask as one big integer rather than byte by byte."""
    length = len(data)
    # little-endian: byte i of the payload meets the key's word at bit 8 * i
    key = int.from_bytes(mask, "little") * _repeat_word((length + 3) // 4)
    masked = int.from_bytes(data, "little") ^ key
    if length % 4:
        masked &= (1 << (8 * length)) - 1  # the key's last word went past the payload
    return masked.to_bytes(length, "little")


xor_mask = _c_apply_mask or python_apply_mask


def apply_mask(data, mask, length=None, offset=0):
    """eventlet's RFC6455WebSocket._apply_mask, the same bytes: `mask` may be a tuple
    of 4 ints (eventlet's), `offset` is where data starts in the frame's payload."""
    if length is None:
        length = len(data)
    shift = offset % 4
    return xor_mask(bytes(data[:length]), bytes(mask[shift:] + mask[:shift]))


class XorMasker:
    """wsproto's XorMaskerSimple: unmasks a frame's payload as its pieces arrive."""

    def __init__(self, masking_key):
        self._key = bytes(masking_key)
        self._offset = 0  # payload bytes unmasked so far: the next piece goes on from there

    def process(self, data):
        unmasked = apply_mask(data, self._key, offset=self._offset)
        self._offset += len(data)
        return bytearray(unmasked)


def install_in_wsproto():
    """Unmask with XorMasker in wsproto, simple-websocket's protocol (once per process)."""
    from wsproto import frame_protocol
    frame_protocol.XorMaskerSimple = XorMasker
