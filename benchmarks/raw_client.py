"""A light Socket.IO client for the saturation and capacity parts, and the frames it sends.

On a 2-core machine the load generator shares the CPU with the server, so it must
cost little per message or it measures itself: frames are pre-built strings, and a
received one is read with a regex, not a JSON decode. The realistic part uses
socketio.AsyncClient instead, as a real non-browser peer.
"""

import asyncio
import contextlib
import json
import os
import time

import aiohttp

from signaling import NAMESPACE
from tests.harness.load import TOKEN, candidate_message, make_token, sdp_template

CONNECT_CONCURRENCY = 48  # connects in flight at once, well under any listen backlog


class RawClient:
    """Socket.IO 5 / Engine.IO 4 over one aiohttp WebSocket: connect, join, send frames, pong.

    Received frames go to sink.on_signal(client, text, now_ns) unparsed, so reading a
    5 KB message costs a regex search rather than a JSON decode.
    """

    SIGNAL = f'42{NAMESPACE},["signal",'
    ERROR = f'42{NAMESPACE},["error",'
    ACK = f"43{NAMESPACE},"

    def __init__(self, session, url, sink, pair, role, compress=0):
        self.session, self.sink, self.pair, self.role = session, sink, pair, role
        self.ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.compress = compress
        self.ws = None
        self.reader = None
        self.ack = None
        self.closed = False
        self.pings = 0

    async def connect(self, room):
        self.ws = await self.session.ws_connect(self.ws_url, autoping=False, compress=self.compress,
                                                max_msg_size=0, timeout=aiohttp.ClientWSTimeout(ws_close=2))
        opened = await self.ws.receive(timeout=30)
        if opened.type != aiohttp.WSMsgType.TEXT or not opened.data.startswith("0"):
            raise RuntimeError(f"no Engine.IO open packet: {opened}")
        await self.ws.send_str(f"40{NAMESPACE},")
        connected = await self.ws.receive(timeout=30)
        if connected.type != aiohttp.WSMsgType.TEXT or not connected.data.startswith(f"40{NAMESPACE},"):
            raise RuntimeError(f"namespace refused: {connected.data}")
        self.reader = asyncio.create_task(self._read())
        self.ack = asyncio.get_running_loop().create_future()
        await self.ws.send_str(f'42{NAMESPACE},1["join",{{"room":"{room}"}}]')
        reply = await asyncio.wait_for(self.ack, 30)
        if not reply.get("ok"):
            raise RuntimeError(f"join refused: {reply}")
        return reply

    async def _read(self):
        ws, sink = self.ws, self.sink
        try:
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = message.data
                if data.startswith(self.SIGNAL):
                    sink.on_signal(self, data, time.monotonic_ns())
                elif data == "2":
                    self.pings += 1
                    await ws.send_str("3")
                elif data.startswith(self.ACK):
                    if self.ack is not None and not self.ack.done():
                        self.ack.set_result(json.loads(data[len(self.ACK) + 1:])[0])
                elif data.startswith(self.ERROR):
                    sink.on_error(self, data)
        except (aiohttp.ClientError, ConnectionError):
            pass
        finally:
            self.closed = True

    async def send(self, frame):
        await self.ws.send_str(frame)

    async def close(self):
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 3)
        if self.reader is not None:
            self.reader.cancel()


class Meter:
    """What arrived during one step of offered load."""

    def __init__(self, keep_seqs=False):
        self.errors = 0
        self.error_sample = None
        self.keep_seqs = keep_seqs
        self.begin(0, 0, 0)

    def begin(self, first_seq, window_start_ns, window_end_ns):
        self.first_seq = first_seq
        self.window = (window_start_ns, window_end_ns)
        self.seen = set()
        self.latencies_ns = []
        self.latency_of = {}  # seq -> latency, if keep_seqs
        self.in_window = 0
        self.duplicated = self.misrouted = self.stale = 0

    def on_signal(self, client, data, now_ns):
        match = TOKEN.search(data)
        if match is None:
            self.misrouted += 1
            return
        pair, role, seq, sent_ns = int(match[1]), match[2], int(match[3]), int(match[4])
        if pair != client.pair or role == client.role:
            self.misrouted += 1
            return
        if seq < self.first_seq:
            self.stale += 1  # from an earlier step, after its drain gave up
            return
        if seq in self.seen:
            self.duplicated += 1
            return
        self.seen.add(seq)
        self.latencies_ns.append(now_ns - sent_ns)
        if self.keep_seqs:
            self.latency_of[seq] = now_ns - sent_ns
        if self.window[0] <= now_ns < self.window[1]:
            self.in_window += 1

    def on_error(self, client, data):
        self.errors += 1
        self.error_sample = self.error_sample or data[:200]


class PairPool:
    """Rooms of two RawClients, both members sending to each other."""

    def __init__(self, session, url, meter, compress=0, concurrency=CONNECT_CONCURRENCY, together=False):
        """url: one server, or a list of processes: pair p's `a` on p mod N, its `b` on p + 1 mod N
        (together: on p mod N too)."""
        self.session, self.meter, self.compress = session, meter, compress
        self.callee_shift = 0 if together else 1
        self.urls = [url] if isinstance(url, str) else list(url)
        self.concurrency = concurrency
        self.clients = []
        self.failed = 0
        self.connect_seconds = []
        self.run = f"{os.getpid() % 10000}t{time.monotonic_ns() % 10**8}"

    async def grow(self, pairs):
        """Connect and join until there are `pairs` rooms of two."""
        have = len(self.clients) // 2
        if pairs <= have:
            return
        gate = asyncio.Semaphore(self.concurrency)

        async def one(pair):
            room = f"sat{self.run}p{pair}"
            made = []
            for shift, role in ((0, "a"), (self.callee_shift, "b")):
                url = self.urls[(pair + shift) % len(self.urls)]
                client = RawClient(self.session, url, self.meter, pair, role, self.compress)
                async with gate:
                    started = time.monotonic()
                    try:
                        await client.connect(room)
                    except Exception:
                        self.failed += 1
                        await client.close()
                        return []
                    self.connect_seconds.append(time.monotonic() - started)
                made.append(client)
            return made

        for made in await asyncio.gather(*(one(p) for p in range(have, pairs))):
            self.clients.extend(made)

    def alive(self):
        return sum(1 for c in self.clients if not c.closed)

    async def close(self):
        gate = asyncio.Semaphore(200)

        async def one(client):
            async with gate:
                await client.close()

        await asyncio.gather(*(one(c) for c in self.clients))
        self.clients = []


class Sequence:
    def __init__(self):
        self.value = 0

    def next(self):
        self.value += 1
        return self.value


class FrameMaker:
    """Socket.IO text frames for `signal` events of a given total size, built by string pasting."""

    def __init__(self, size):
        self.size = size
        self.kind = "candidate" if size < 1500 else "offer"
        sample_token = make_token(10, "a", 1000)
        if self.kind == "offer":
            target = self.size - len(self._offer("", "", sample_token))
            for _ in range(3):  # JSON escapes each CRLF as 4 characters: shrink until it fits
                before, after = sdp_template(max(200, target))
                self._before = json.dumps(before)[1:-1]
                self._after = json.dumps(after)[1:-1]
                target -= len(self.frame(sample_token, 1000)) - self.size
        else:
            self.pad = 0
            self.pad = max(0, self.size - len(self.frame(sample_token, 1000)))

    def typical_size(self):
        return len(self.frame(make_token(10, "a", 1000), 1000))

    @staticmethod
    def _offer(before, after, token):
        return f'42{NAMESPACE},["signal",{{"type":"offer","sdp":"{before}{token}{after}"}}]'

    def frame(self, token, seq):
        if self.kind == "offer":
            return self._offer(self._before, self._after, token)
        return (f'42{NAMESPACE},["signal",' + json.dumps(candidate_message(token, seq, self.pad),
                                                         separators=(",", ":")) + "]")
