"""Packets no Socket.IO library sends, against the real server under each async mode:
each gets `unreadable` and one log line, and a flood of them a bounded log.

A module of its own, with servers of its own: the log's rate limit is shared by
everything a server logs, and other tests' refusals would use it up."""

import time
import uuid

import pytest

from signaling.logs import BURST, LINES_PER_SECOND
from signaling.ratelimit import Limits
from tests.harness.raw_socketio import RawSocketIO, error_code

LIMITS = Limits()


# Packets no client library sends: each gets `unreadable`, and the socket lives on.
BROKEN_PACKETS = {
    "a 101-digit ack id": b'42/signal,' + b"1" * 101 + b'["signal",{"type":"bye"}]',
    "packet type 7": b'47/signal,["signal"]',
    "packet type 9": b'49/signal,["signal"]',
    "packet type x": b'4x/signal,["signal"]',
    "an event that is not a list": b'42/signal,{"type":"bye"}',
    "an empty event": b"42/signal,[]",
    "9,999,999 attachments": b'459999999-/signal,["signal",{"_placeholder":true,"num":0}]',
    "an empty Socket.IO packet": b"4",
}


@pytest.mark.parametrize("packet", BROKEN_PACKETS.values(), ids=BROKEN_PACKETS.keys())
def test_a_broken_packet_gets_unreadable_and_one_log_line(server, packet):
    client = RawSocketIO(server.url)
    before = server.output()
    client.send_text(packet)
    assert error_code(client.receive()) == "unreadable"
    client.event("signal", {"type": "bye"})
    assert error_code(client.receive()) == "not-in-room"  # still connected, still answered
    logged = server.output()[len(before):]
    assert "Traceback" not in logged
    assert [line for line in logged.splitlines() if "unreadable" in line] == [
        line for line in logged.splitlines() if "refused" in line and "unreadable" in line
    ]
    assert sum("unreadable" in line for line in logged.splitlines()) == 1, logged


def test_a_flood_of_mistakes_writes_a_bounded_log(server):
    before = server.output()
    began = time.monotonic()
    mistakes = LIMITS.message_burst + 20  # all answered, none yet enough to be disconnected
    codes = []
    for _ in range(10):
        client = RawSocketIO(server.url)
        for _ in range(mistakes):
            client.send_text(BROKEN_PACKETS["packet type 7"])
        codes += [error_code(client.receive()) for _ in range(mistakes)]
    assert set(codes) == {"unreadable", "rate-limited"}
    lines = server.output()[len(before):].splitlines()
    allowed = BURST + LINES_PER_SECOND * (time.monotonic() - began) + 1
    assert len(lines) <= allowed, f"{len(lines)} log lines for {len(codes)} mistakes"
    assert not any("Traceback" in line for line in lines)


@pytest.mark.parametrize("frame", [b"", b"x"], ids=["an empty frame", "a frame without a packet type"])
def test_a_frame_that_is_not_engine_io_frees_the_seat_at_once(server, frame):
    """Engine.IO used to keep such a session until its ping timeout, about 50 s."""
    offender, peer = RawSocketIO(server.url), RawSocketIO(server.url)
    room = f"broken-frame-{uuid.uuid4().hex}"
    assert offender.call(1, "join", {"room": room})["ok"]
    assert peer.call(1, "join", {"room": room})["ok"]
    assert offender.receive() == '42/signal,["peer-joined",{}]'
    peer.sock.settimeout(2)  # "at once": well inside 2 s
    offender.send_text(frame)
    assert peer.receive() == '42/signal,["peer-left",{}]'
    with pytest.raises(ConnectionError):
        offender.receive()
    newcomer = RawSocketIO(server.url)
    assert newcomer.call(1, "join", {"room": room}) == {"ok": True, "role": "callee", "peers": 1}
