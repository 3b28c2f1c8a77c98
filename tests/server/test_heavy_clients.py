"""One client that sends too much, too fast, or never reads, against the real server
under each async mode (issue 7, findings 2, 3 and 12): each attack bounded in count
and time, on loopback. Each test checks what the attacker sees and that the server's
memory and descriptors come back; those whose attack lasts (all but the deflate bomb
and the attachments) also that honest calls in other rooms keep their p99 relay
latency under 100 ms and lose nothing."""

import functools
import json
import time
import uuid
import zlib

import pytest

from signaling import DEFAULTS
from signaling.ratelimit import Limits
from tests.harness.honest_calls import HonestCalls
from tests.harness.raw_socketio import RawSocketIO, error_code, websocket_frame
from tests.harness.resources import cpu_seconds, descriptors, peak_rss, reset_peak_rss, rss, wait_until

pytestmark = pytest.mark.quiet  # the honest calls' latency needs the machine to itself

MAX_MESSAGE = DEFAULTS["MAX_MESSAGE_BYTES"]
MAX_QUEUED = DEFAULTS["MAX_QUEUED_BYTES"]
LIMITS = Limits()
MiB = 1 << 20
# How far the server's memory may rise during an attack: the limits above, a few
# buffers and threads, and what Python's allocator keeps.
MEMORY_MARGIN = 24 * MiB


@pytest.fixture
def resources(server):
    """The server's descriptors and memory before the test; afterwards, both must come back."""
    before = {"descriptors": descriptors(server.pid), "rss": rss(server.pid)}
    reset_peak_rss(server.pid)
    yield before
    assert wait_until(lambda: descriptors(server.pid) <= before["descriptors"], timeout=10), (
        f"descriptors: {before['descriptors']} before, {descriptors(server.pid)} after"
    )
    grown = rss(server.pid) - before["rss"]
    assert grown < MEMORY_MARGIN, f"RSS grew {grown / MiB:.0f} MiB"


def peak_growth(server, before):
    return peak_rss(server.pid) - before["rss"]


def send_until_closed(sock, frames, seconds, longer_while=lambda: False, at_most=10):
    """Send frames until the server closes the connection or time runs out: after
    `seconds`, or later while longer_while() holds, up to `at_most` seconds. How many went."""
    start = time.monotonic()
    for sent, frame in enumerate(frames):
        elapsed = time.monotonic() - start
        if elapsed > at_most or (elapsed > seconds and not longer_while()):
            return sent
        try:
            sock.sendall(frame)
        except OSError:
            return sent
    return len(frames)


def assert_closed_by_server(client):
    with pytest.raises(ConnectionError):
        while True:
            client.receive()


def test_a_stream_of_junk_frames_does_not_stall_calls_in_other_rooms(server, resources):
    """eventlet and gevent read a fast sender's frames without ever yielding: calls in
    other rooms stalled for as long as the stream lasted (3 s and more on loopback)."""
    junk = b"".join(websocket_frame(b"6" + b"j" * 1000) for _ in range(1000))  # Engine.IO noops, ~1 MB
    with HonestCalls(server.url) as calls:
        attacker = RawSocketIO(server.url)
        # The honest calls relay one message at a time, so a busy machine times
        # fewer in 2 s (58 once, under threading): the stream goes on until 60 have.
        send_until_closed(attacker.sock, [junk] * 10_000, seconds=2, longer_while=lambda: len(calls.latencies) < 60)
        attacker.sock.close()
    calls.check(minimum=60)


def test_a_message_over_the_limit_in_many_frames_closes_the_connection(server, resources):
    """The limit is on the whole message: eventlet and simple-websocket checked each frame only."""
    piece = b"x" * (MAX_MESSAGE - 1024)
    frames = [websocket_frame(b"4" + piece, fin=False)] + [websocket_frame(piece, opcode=0x0, fin=False)] * 399
    with HonestCalls(server.url) as calls:
        began = time.monotonic()
        for n in range(30):  # one after another, for the honest calls to measure
            attacker = RawSocketIO(server.url)
            sent = send_until_closed(attacker.sock, frames, seconds=5)
            assert sent < len(frames), "the server took 50 MiB in one message"
            assert_closed_by_server(attacker)
            attacker.sock.close()
            # At most 30 connections: Engine.IO forgets a closed one only within 20 s.
            time.sleep(max(0, began + 0.1 * (n + 1) - time.monotonic()))
    calls.check()
    assert peak_growth(server, resources) < MEMORY_MARGIN, f"peak {peak_growth(server, resources) / MiB:.0f} MiB"


@functools.cache
def deflate_bomb():
    """One permessage-deflate frame's payload: 100 KB that inflate to 100 MiB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = compressor.compress(b"4" + b"x" * (100 * MiB)) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return data.removesuffix(b"\x00\x00\xff\xff")


def test_a_compressed_frame_cannot_inflate_past_the_limit(server, resources):
    """simple-websocket (gevent, threading) inflated a 489 KB frame to 480 MiB."""
    bomb = deflate_bomb()
    assert len(bomb) < MAX_MESSAGE
    attacker = RawSocketIO(server.url, extensions="permessage-deflate")
    if server.async_mode != "eventlet":  # eventlet's own WebSocket inflates within the limit
        assert attacker.accepted_extensions == []
    attacker.sock.sendall(websocket_frame(bomb, compressed=True))
    assert_closed_by_server(attacker)
    attacker.sock.close()
    assert peak_growth(server, resources) < MEMORY_MARGIN, f"peak {peak_growth(server, resources) / MiB:.0f} MiB"


def test_millions_of_announced_attachments_are_refused_and_memory_stays_bounded(server, resources):
    """Announcing 9,999,999 attachments, then sending 127 KiB binary frames, took 0.8-1 GB;
    binary frames nobody announced were dropped unanswered, outside any rate limit."""
    attacker = RawSocketIO(server.url)
    began = time.monotonic()
    attacker.send_text(b'459999999-/signal,["signal",{"_placeholder":true,"num":0}]')
    assert error_code(attacker.receive()) == "unreadable"
    binary = websocket_frame(b"\x00" * (MAX_MESSAGE - 1024), opcode=0x2)
    sent = send_until_closed(attacker.sock, [binary] * 200, seconds=5)  # 25 MiB
    codes = []
    try:
        while (frame := attacker.receive()) != "1":  # Engine.IO's close: a flood of refusals ends the connection
            codes.append(error_code(frame))
    finally:
        attacker.sock.close()
    assert set(codes) == {"unreadable", "rate-limited"}
    refilled = LIMITS.messages_per_second * (time.monotonic() - began)
    assert len(codes) <= LIMITS.message_burst + LIMITS.flood_strikes + refilled + 1 < sent
    assert peak_growth(server, resources) < MEMORY_MARGIN, f"peak {peak_growth(server, resources) / MiB:.0f} MiB"


def test_a_client_that_never_reads_is_disconnected_and_its_peer_told(server, resources):
    """Engine.IO queued without limit for a reader that never read: 4,234 packets, 66 -> 322 MB."""
    sender, sluggard = RawSocketIO(server.url), RawSocketIO(server.url, receive_buffer=4096)
    room = f"never-reads-{uuid.uuid4().hex}"
    assert sluggard.call(1, "join", {"room": room})["ok"]
    assert sender.call(1, "join", {"room": room})["ok"]
    offer = f'42/signal,{json.dumps(["signal", {"type": "offer", "sdp": "a=x" * 20_000}])}'.encode()  # 60 KB
    try:
        with HonestCalls(server.url) as calls:
            told = None
            for sent in range(200):  # at most 12 MB
                # A legal sender's pace: a burst, then 20 a second.
                sender.sock.settimeout(0.001 if sent < LIMITS.message_burst - 10 else 1 / LIMITS.messages_per_second)
                sender.send_text(offer)
                try:
                    told = sender.receive()
                    break
                except TimeoutError:
                    continue
            calls.relay_at_least(10)  # the guard may end the attack within a fraction of a second
        calls.check(minimum=10)
        assert told == '42/signal,["peer-left",{}]'
        sluggard.sock.settimeout(5)
        assert_closed_by_server(sluggard)
    finally:
        sender.sock.close()
        sluggard.sock.close()
    peak = peak_growth(server, resources)
    assert peak < MEMORY_MARGIN + MAX_QUEUED, f"peak {peak / MiB:.0f} MiB"


# As large as a message may be, and no message of the protocol: each is refused as too-large.
HEAVY_PACKETS = {
    "an SDP over 64 KiB": f'42/signal,{json.dumps(["signal", {"type": "offer", "sdp": "a=x" * 43_000}])}'.encode(),
    "127 KiB of numbers": b'42/signal,["signal",' + b"1," * 64_000 + b"1]",
}
ATTACKERS = 10  # the 15 filled a core at 4 ms a refusal; 10 fill two at 7-12 ms
REFUSAL_CPU = 0.004  # seconds per refusal, at most: the issue measured 4 ms; now 1.5-2.5 ms


@pytest.mark.parametrize("packet", HEAVY_PACKETS.values(), ids=HEAVY_PACKETS.keys())
def test_large_packets_that_no_message_could_be_are_refused_cheaply(server, resources, packet):
    assert MAX_MESSAGE - 4096 < len(packet) < MAX_MESSAGE
    attackers = [RawSocketIO(server.url) for _ in range(ATTACKERS)]
    frame = websocket_frame(packet)
    sent = 0
    try:
        with HonestCalls(server.url) as calls:
            began, cpu_before = time.monotonic(), cpu_seconds(server.pid)
            rate = ATTACKERS * LIMITS.messages_per_second  # each at 20 a second, the legal rate, in turn
            while time.monotonic() < began + 3:
                attackers[sent % ATTACKERS].sock.sendall(frame)
                sent += 1
                time.sleep(max(0, began + sent / rate - time.monotonic()))
            codes = [error_code(attackers[n % ATTACKERS].receive()) for n in range(sent)]
            cpu = cpu_seconds(server.pid) - cpu_before
    finally:
        for attacker in attackers:
            attacker.sock.close()
    calls.check()
    assert set(codes) == {"too-large"}
    assert cpu / len(codes) < REFUSAL_CPU, f"{cpu / len(codes) * 1000:.1f} ms of CPU per refusal"
