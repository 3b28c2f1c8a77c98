"""Realistic call signaling against a running server: the load generator of
tests/server/test_load.py and benchmarks/realistic.py.

K rooms start spread evenly over a few seconds. Each room is one call's signaling
between two socketio.AsyncClient peers: both join; the caller offers (~5 KB SDP),
the callee answers (~5 KB); each sends 20 candidates a few ms apart, then `bye`.
Every message carries a sequence id and a send timestamp inside its payload (an
`a=x-bench:` SDP line, an `x-bench` candidate extension attribute), so the
receiver measures relay latency and counts lost, duplicated, reordered,
misrouted and corrupted ones.
"""

import asyncio
import contextlib
import itertools
import math
import os
import random
import re
import time
from dataclasses import dataclass, field

import socketio

from signaling import NAMESPACE

CANDIDATES_PER_PEER = 20
CANDIDATE_GAP = 0.006  # seconds between a peer's candidates ("a few ms")
# The token inside every message: room (or pair), role, sequence id, send time in ns.
TOKEN = re.compile(r"x-bench[: ](\d+)\.([ab])\.(\d+)\.(\d+)")


# --- messages -------------------------------------------------------------------


def _hex(rnd, n):
    return "".join(rnd.choice("0123456789abcdef") for _ in range(n))


def sdp_template(target_chars=5000):
    """A plausible browser SDP of about target_chars, split around an `a=x-bench:` token line.

    Returns (before, after): the SDP is before + token + after.
    """
    rnd = random.Random(target_chars)
    fingerprint = ":".join(_hex(rnd, 2).upper() for _ in range(32))
    ufrag, pwd = _hex(rnd, 4), _hex(rnd, 24)
    head = ["v=0", f"o=- {rnd.getrandbits(62)} 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=x-bench:{TOKEN}",
            "a=group:BUNDLE 0 1", "a=extmap-allow-mixed", "a=msid-semantic: WMS stream"]
    media = []
    for mid, (kind, codecs) in enumerate((
            ("audio", [(111, "opus/48000/2"), (63, "red/48000/2"), (9, "G722/8000"), (0, "PCMU/8000"),
                       (8, "PCMA/8000"), (13, "CN/8000"), (110, "telephone-event/48000")]),
            ("video", [(96, "VP8/90000"), (97, "rtx/90000"), (98, "VP9/90000"), (99, "rtx/90000"),
                       (100, "H264/90000"), (101, "rtx/90000"), (102, "AV1/90000"), (103, "rtx/90000"),
                       (104, "red/90000"), (105, "rtx/90000"), (106, "ulpfec/90000")]))):
        payloads = " ".join(str(pt) for pt, _ in codecs)
        media += [f"m={kind} 9 UDP/TLS/RTP/SAVPF {payloads}", "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0",
                  f"a=ice-ufrag:{ufrag}", f"a=ice-pwd:{pwd}", "a=ice-options:trickle",
                  f"a=fingerprint:sha-256 {fingerprint}", "a=setup:actpass", f"a=mid:{mid}",
                  "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
                  "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
                  "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
                  "a=sendrecv", f"a=msid:stream {_hex(rnd, 8)}-{_hex(rnd, 4)}-{_hex(rnd, 12)}",
                  "a=rtcp-mux", "a=rtcp-rsize"]
        for pt, codec in codecs:
            media += [f"a=rtpmap:{pt} {codec}", f"a=rtcp-fb:{pt} transport-cc", f"a=rtcp-fb:{pt} nack",
                      f"a=fmtp:{pt} minptime=10;useinbandfec=1;level-asymmetry-allowed=1"]
    lines = head + media
    text = "\r\n".join(lines) + "\r\n"
    while len(text) < target_chars:
        ssrc = rnd.getrandbits(32)
        text += f"a=ssrc:{ssrc} cname:{_hex(rnd, 16)}\r\na=ssrc:{ssrc} msid:stream {_hex(rnd, 32)}\r\n"
    before, after = text.split("{TOKEN}")
    return before, after[: max(1, len(after) - (len(text) - target_chars))]


def make_token(room, role, seq):
    return f"{room}.{role}.{seq}.{time.monotonic_ns()}"


def candidate_line(token, seq, pad=0):
    port = 10000 + seq % 50000
    extra = " network-id 1" + (" x-pad " + "x" * max(1, pad - 7) if pad > 0 else "")
    return (f"candidate:{seq % 4294967296} 1 udp 2122260223 127.0.0.1 {port} typ host generation 0"
            f" ufrag bnch{extra} x-bench {token}")


def candidate_message(token, seq, pad=0):
    return {"type": "candidate",
            "candidate": {"candidate": candidate_line(token, seq, pad), "sdpMid": "0", "sdpMLineIndex": 0}}


# --- calls ---------------------------------------------------------------------


@dataclass
class CallStats:
    rooms: int = 0
    clients: int = 0
    sent: int = 0
    received: int = 0
    lost: int = 0
    duplicated: int = 0
    reordered: int = 0
    misrouted: int = 0
    corrupted: int = 0
    errors: int = 0
    failed_rooms: int = 0
    undelivered_in_failed_rooms: int = 0
    first_send: float = math.inf
    last_receive: float = 0.0
    latencies_ns: list = field(default_factory=list)
    call_seconds: list = field(default_factory=list)  # room start -> both byes received
    error_samples: list = field(default_factory=list)
    failed: set = field(default_factory=set)


class CallPeer:
    """One side of a call: a socketio.AsyncClient that checks everything it receives."""

    def __init__(self, load, index, role):
        self.load, self.index, self.role = load, index, role
        self.peer_role = "b" if role == "a" else "a"
        self.sent = []  # (seq) in sending order
        self.bye_sent = False
        self.seen = set()
        self.max_seq = -1
        self.byes = 0
        self.done = asyncio.Event()
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("signal", self.on_signal, namespace=NAMESPACE)
        self.sio.on("peer-joined", self.on_peer_joined, namespace=NAMESPACE)
        self.sio.on("error", self.on_error, namespace=NAMESPACE)
        self.tasks = set()

    @property
    def peer(self):
        return self.load.peers[(self.index, self.peer_role)]

    async def start(self, url):
        await self.sio.connect(url, transports=["websocket"], namespaces=[NAMESPACE], wait_timeout=30)
        reply = await self.sio.call("join", {"room": self.load.room_name(self.index)},
                                    namespace=NAMESPACE, timeout=30)
        expected = "caller" if self.role == "a" else "callee"
        if not reply.get("ok") or reply.get("role") != expected:
            raise RuntimeError(f"join refused or wrong role: {reply}")

    def _spawn(self, coroutine):
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def on_peer_joined(self, data):
        if self.role == "a":
            self._spawn(self.send_all("offer"))

    def on_error(self, data):
        self.load.stats.errors += 1
        if len(self.load.stats.error_samples) < 3:
            self.load.stats.error_samples.append(data)

    async def send_all(self, kind):
        """The whole of one side's signaling: its description, 20 candidates, bye."""
        stats = self.load.stats
        seq = self.load.next_seq()
        before, after = self.load.sdp
        message = {"type": kind, "sdp": before + make_token(self.index, self.role, seq) + after}
        await self._send(seq, message)
        for _ in range(CANDIDATES_PER_PEER):
            await asyncio.sleep(CANDIDATE_GAP)
            seq = self.load.next_seq()
            await self._send(seq, candidate_message(make_token(self.index, self.role, seq), seq))
        await asyncio.sleep(CANDIDATE_GAP)
        self.bye_sent = True
        stats.sent += 1
        await self.sio.emit("signal", {"type": "bye"}, namespace=NAMESPACE)
        self._check_done()

    async def _send(self, seq, message):
        self.load.payloads[(self.index, self.role, seq)] = message
        self.sent.append(seq)
        stats = self.load.stats
        stats.sent += 1
        stats.first_send = min(stats.first_send, time.monotonic())
        await self.sio.emit("signal", message, namespace=NAMESPACE)

    def on_signal(self, data):
        """Bookkeeping first, synchronously: handlers run in arrival order."""
        now = time.monotonic_ns()
        stats = self.load.stats
        stats.received += 1
        stats.last_receive = time.monotonic()
        kind = data.get("type") if isinstance(data, dict) else None
        if kind == "bye":
            self.byes += 1
            if self.byes > 1:
                stats.duplicated += 1
            elif not self.peer.bye_sent:
                stats.misrouted += 1  # a bye our peer has not sent
            self._check_done()
            return
        if kind in ("offer", "answer"):
            text = data.get("sdp", "")
        elif kind == "candidate":
            text = data.get("candidate", {}).get("candidate", "")
        else:
            stats.corrupted += 1
            return
        match = TOKEN.search(text)
        if not match:
            stats.corrupted += 1
            return
        index, role, seq, sent_ns = int(match[1]), match[2], int(match[3]), int(match[4])
        stats.latencies_ns.append(now - sent_ns)
        if index != self.index or role != self.peer_role:
            stats.misrouted += 1
            return
        key = (index, role, seq)
        if key in self.seen:
            stats.duplicated += 1
            return
        self.seen.add(key)
        if seq < self.max_seq or self.byes:
            stats.reordered += 1
        self.max_seq = max(self.max_seq, seq)
        if self.load.payloads.get(key) != data:
            stats.corrupted += 1
        if self.role == "b" and kind == "offer":
            self._spawn(self.send_all("answer"))

    def _check_done(self):
        if self.bye_sent and self.byes:
            self.done.set()

    def count_lost(self):
        """Messages our peer sent that never reached us."""
        peer = self.peer
        lost = sum(1 for seq in peer.sent if (self.index, self.peer_role, seq) not in self.seen)
        return lost + (1 if peer.bye_sent and not self.byes else 0)

    async def stop(self):
        for task in list(self.tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await self.sio.disconnect()


class RealisticLoad:
    def __init__(self, url, rooms, spread, room_timeout=30.0, together=False):
        """url: one server, or a list of processes: room i's caller on i mod N, its callee on
        i + 1 mod N (together: on i mod N too)."""
        self.urls = [url] if isinstance(url, str) else list(url)
        self.callee_shift = 0 if together else 1
        self.rooms, self.spread, self.room_timeout = rooms, spread, room_timeout
        self.run = f"{os.getpid() % 10000}t{time.monotonic_ns() % 10**8}"
        self.stats = CallStats(rooms=rooms, clients=2 * rooms)
        self.peers = {}
        self.payloads = {}
        self.sdp = sdp_template(5000)
        self._seq = itertools.count()

    def room_name(self, index):
        return f"load{self.run}n{index}"

    def next_seq(self):
        return next(self._seq)

    async def call(self, index, start_at):
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        began = time.monotonic()
        caller = self.peers[(index, "a")] = CallPeer(self, index, "a")
        callee = self.peers[(index, "b")] = CallPeer(self, index, "b")
        stage = "caller connects and joins"
        try:
            async with asyncio.timeout(self.room_timeout):
                await caller.start(self.urls[index % len(self.urls)])
                stage = "callee connects and joins"
                await callee.start(self.urls[(index + self.callee_shift) % len(self.urls)])
                stage = "signaling"
                await caller.done.wait()
                await callee.done.wait()
            self.stats.call_seconds.append(time.monotonic() - began)
        except Exception as error:  # a room that failed is counted, and its story kept
            self.stats.failed_rooms += 1
            self.stats.failed.add(index)
            if len(self.stats.error_samples) < 3:
                self.stats.error_samples.append(
                    f"room {index}: {type(error).__name__} {error} during {stage}, "
                    f"{time.monotonic() - began:.0f} s after its start")
        finally:
            await caller.stop()
            await callee.stop()

    async def run_all(self):
        start = time.monotonic() + 0.2
        step = self.spread / self.rooms if self.rooms > 1 else 0.0
        await asyncio.gather(*(self.call(i, start + i * step) for i in range(self.rooms)))
        for (index, _), peer in self.peers.items():
            if index in self.stats.failed:  # gave up waiting: in flight or queued, not known lost
                self.stats.undelivered_in_failed_rooms += peer.count_lost()
            else:
                self.stats.lost += peer.count_lost()
        return self.stats


async def run_realistic(url, rooms, spread, room_timeout=30.0, together=False):
    """K calls against the server at url (or spread over a list of them); returns CallStats."""
    return await RealisticLoad(url, rooms, spread, room_timeout, together).run_all()
