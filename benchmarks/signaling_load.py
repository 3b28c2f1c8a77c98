"""Signaling load: latency, throughput and capacity of one server process.

Starts the real server (`python app.py --async-mode MODE`) as a subprocess on a
free loopback port and drives the /signal namespace from this process. Prints
figures; it passes or fails nothing. Every part is bounded in count and time.

1. realistic   K rooms (10, 100, 500), starts spread evenly over 10 s. Each room
               is one call's signaling between two socketio.AsyncClient peers:
               both join; the caller offers (~5 KB SDP), the callee answers
               (~5 KB); each sends 20 candidates a few ms apart, then `bye`.
               Every message carries a sequence id and a send timestamp inside
               its payload (an `a=x-bench:` SDP line, an `x-bench` candidate
               extension attribute), so the receiver measures relay latency and
               counts lost, duplicated, reordered, misrouted and corrupted ones.
2. saturation  The most messages per second one server relays (250 B and 5 KB
               messages; eventlet and threading): a ramp of offered loads, each
               client pacing itself under the server's per-client rate limit.
               Then py-spy samples the server under the 5 KB load and says where
               its CPU goes. Also checks TCP_NODELAY on the server's sockets and
               the latency of back-to-back messages (the delayed-ACK stall).
3. capacity    Idle connections one process holds (1,000, 2,500, 5,000), opened
               200 at a time: RSS and connect CPU per connection, kernel listen
               queue overflows, liveness through an Engine.IO ping, the idle
               server's CPU (profiled), and the clean-up when all drop at once.

Parts 2 and 3 use a minimal Socket.IO client written on aiohttp (RawClient): on
a 2-core machine the load generator shares the CPU with the server, so it must
cost little per message (pre-built frames, a regex instead of a JSON decode) or
it measures itself. Part 1 uses socketio.AsyncClient, as a real non-browser peer.
Every table shows the server's CPU use and its run-queue wait ("srv wait": time
it was runnable but other processes had the CPU); on a busy machine read the
CPU cost per message, which contention changes far less than throughput.

    python benchmarks/signaling_load.py            # everything, ~10 minutes
    python benchmarks/signaling_load.py --quick    # a short run
    python benchmarks/signaling_load.py --realistic --rooms 10,100
    python benchmarks/signaling_load.py --saturation --modes eventlet --sizes 5000
    python benchmarks/signaling_load.py --capacity --levels 1000,2500,5000,8000

Needs aiohttp (requirements-dev.txt) and, for the profile, py-spy (`pip install
py-spy`; sampling another process needs ptrace rights, e.g. root).
"""

import argparse
import asyncio
import contextlib
import ctypes
import json
import logging
import math
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

from tests.harness.load import (
    TOKEN,
    candidate_message,
    make_token,
    run_realistic,
    sdp_template,
)
from tests.harness.server import free_port, read_log, stop_process, wait_until_serving

ROOT = Path(__file__).resolve().parents[1]

NAMESPACE = "/signal"
# The server's limit is 20 messages a second per client after a burst; stay under it.
PER_CLIENT_RATE = 18.0
CONNECT_CONCURRENCY = 48  # eventlet.listen's default backlog is 50
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- the server under test ----------------------------------------------------


def _raise_nofile_limit(wanted=65536):
    """Let a process hold many sockets: soft RLIMIT_NOFILE up to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Server:
    """`python app.py` in a subprocess, as tests/e2e/server.py runs it, exposing its pid."""

    def __init__(self, async_mode, script="app.py", env=None):
        """script: app.py, or a wrapper that takes the same arguments (to try a change)."""
        self.async_mode = async_mode
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - lives as long as the server
        command = [sys.executable, str(script), "--host", "127.0.0.1", "--port", str(self.port),
                   "--async-mode", async_mode]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                        text=True, preexec_fn=_raise_nofile_limit,
                                        env={**os.environ, **(env or {})})
        self.pid = self.process.pid

    def wait_until_serving(self, timeout=30):
        wait_until_serving(self.url, self.process, timeout, self.log)

    def output(self):
        return read_log(self.log)

    def stop(self):
        stop_process(self.process)
        self.log.close()

    def cpu_seconds(self):
        """User + system CPU of the whole server process (all threads), from /proc/<pid>/stat."""
        with open(f"/proc/{self.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def run_queue_seconds(self):
        """Time the server's threads spent runnable but waiting for a CPU (/proc/<pid>/task/*/schedstat)."""
        total = 0
        for task in os.listdir(f"/proc/{self.pid}/task"):
            try:
                with open(f"/proc/{self.pid}/task/{task}/schedstat") as stat:
                    total += int(stat.read().split()[1])
            except (OSError, ValueError, IndexError):
                continue
        return total / 1e9

    def memory_kib(self):
        """{'VmRSS': kib, 'VmHWM': kib} from /proc/<pid>/status."""
        found = {}
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    found[name] = int(value.split()[0])
        return found

    def rss_mib(self):
        return self.memory_kib()["VmRSS"] / 1024

    def open_fds(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def problems(self):
        """Tracebacks and errors the server printed, if any."""
        lines = self.output().splitlines()
        bad = [i for i, line in enumerate(lines) if "Traceback" in line or "ERROR" in line]
        return "\n".join(lines[bad[0]:bad[0] + 30]) if bad else ""


@contextlib.contextmanager
def server_process(async_mode, timeout=30, script="app.py", env=None):
    server = Server(async_mode, script, env)
    try:
        server.wait_until_serving(timeout)
        yield server
    finally:
        problems = server.problems()
        server.stop()
        if problems:
            print(f"  [server {async_mode} printed errors]\n{problems}", flush=True)


def tcp_nodelay_report(server):
    """Read TCP_NODELAY on the server's own sockets (pidfd_getfd: needs ptrace rights).

    Returns (listener, connections_with_nodelay, connections) or None if not readable.
    """
    try:
        pidfd = os.pidfd_open(server.pid)
    except (AttributeError, OSError):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd_getfd = 438  # the syscall number is the same on every Linux architecture
    listener, on, total = None, 0, 0
    try:
        for name in os.listdir(f"/proc/{server.pid}/fd"):
            try:
                if not os.readlink(f"/proc/{server.pid}/fd/{name}").startswith("socket:"):
                    continue
            except OSError:
                continue
            fd = libc.syscall(pidfd_getfd, pidfd, int(name), 0)
            if fd < 0:
                return None
            try:
                sock = socket.socket(fileno=fd)
            except OSError:
                os.close(fd)
                continue
            try:
                if sock.family != socket.AF_INET or sock.type != socket.SOCK_STREAM:
                    continue
                if sock.getsockname()[1] != server.port:
                    continue
                nodelay = bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                try:
                    sock.getpeername()
                except OSError:
                    listener = nodelay
                    continue
                total += 1
                on += nodelay
            finally:
                sock.detach()
                os.close(fd)
    finally:
        os.close(pidfd)
    return listener, on, total


def tcp_counters(names=("ListenOverflows", "ListenDrops", "TCPSynRetrans")):
    """Kernel TCP counters of this network namespace, from /proc/net/netstat."""
    with open("/proc/net/netstat") as netstat:
        lines = netstat.read().splitlines()
    for header, values in zip(lines[::2], lines[1::2], strict=False):
        if header.startswith("TcpExt:"):
            table = dict(zip(header.split()[1:], map(int, values.split()[1:]), strict=False))
            return {name: table.get(name, 0) for name in names}
    return {}


def describe_nodelay(report):
    if report is None:
        return "TCP_NODELAY: could not read the server's sockets (needs ptrace rights)"
    listener, on, total = report
    return f"TCP_NODELAY: listening socket {'on' if listener else 'off'}; on for {on}/{total} connections"


# --- messages -------------------------------------------------------------------


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


# --- statistics ------------------------------------------------------------------


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def ms(ns):
    return ns / 1e6


def fmt_ms(value):
    return "    -" if value != value else f"{value:7.1f}"  # NaN -> "-"


# --- part 1: realistic calls ---------------------------------------------------------


def part_realistic(args):
    print(f"\n== 1. Realistic calls: {args.spread:g} s of room starts, {args.realistic_mode} "
          "(offer/answer ~5 KB, 20 candidates each, bye) ==", flush=True)
    header = (f"{'rooms':>5} {'done':>5} {'msgs':>6} {'msg/s':>6} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'max ms':>7} {'lost':>4} {'dup':>3} {'reord':>5} {'misrt':>5} {'corr':>4} {'err':>3} "
              f"{'unfin':>5} {'call p50/p99 s':>14} {'srv CPU s':>9} {'srv wait s':>10} "
              f"{'srv RSS MiB':>11} {'cli CPU s':>9}")
    rows = []
    print(header, flush=True)
    for rooms in args.rooms:
        with server_process(args.realistic_mode) as server:
            rss_before = server.rss_mib()
            cpu_before, client_before = server.cpu_seconds(), time.process_time()
            wait_before = server.run_queue_seconds()
            stats = asyncio.run(run_realistic(server.url, rooms, args.spread, args.room_timeout))
            cpu = server.cpu_seconds() - cpu_before
            wait = server.run_queue_seconds() - wait_before
            client_cpu = time.process_time() - client_before
            peak = server.memory_kib()["VmHWM"] / 1024
        window = max(1e-9, stats.last_receive - stats.first_send)
        lat = [ms(v) for v in stats.latencies_ns]
        calls = f"{percentile(stats.call_seconds, 50):.1f}/{percentile(stats.call_seconds, 99):.1f}"
        rows.append(f"{rooms:>5} {rooms - stats.failed_rooms:>5} {stats.received:>6} "
                    f"{stats.received / window:>6.0f} {fmt_ms(percentile(lat, 50))} "
                    f"{fmt_ms(percentile(lat, 99))} {fmt_ms(max(lat, default=0))} "
                    f"{stats.lost:>4} {stats.duplicated:>3} {stats.reordered:>5} {stats.misrouted:>5} "
                    f"{stats.corrupted:>4} {stats.errors:>3} {stats.undelivered_in_failed_rooms:>5} "
                    f"{calls:>14} {cpu:>9.2f} {wait:>10.2f} {rss_before:>5.0f}>{peak:<5.0f} "
                    f"{client_cpu:>9.2f}")
        print(rows[-1], flush=True)
        for sample in stats.error_samples:
            print(f"       e.g. {sample}")
    print("  done: rooms whose both byes arrived within the room timeout; msgs: signals delivered;\n"
          "  msg/s: over first send..last delivery; latency: send -> receipt, in this process;\n"
          "  lost..corr: in completed rooms; unfin: sent but not delivered when a room gave up;\n"
          "  call: room start -> both byes in; srv wait: time the server was runnable but had no CPU;\n"
          "  srv RSS: at start > peak (VmHWM)")


# --- a light Socket.IO client for parts 2 and 3 --------------------------------------------


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

    def __init__(self, session, url, meter, compress=0, concurrency=CONNECT_CONCURRENCY):
        self.session, self.url, self.meter, self.compress = session, url, meter, compress
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
            for role in ("a", "b"):
                client = RawClient(self.session, self.url, self.meter, pair, role, self.compress)
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


async def offer_load(pool, maker, rate, duration, seqs, warmup=1.0, drain=8.0):
    """Send `rate` msg/s for `duration` s from just enough clients; return the step's figures."""
    senders_needed = max(2, math.ceil(rate / PER_CLIENT_RATE))
    await pool.grow(math.ceil(senders_needed / 2))
    senders = [c for c in pool.clients if not c.closed][:senders_needed]
    interval = len(senders) / rate
    meter = pool.meter
    start = time.monotonic() + 0.3
    stop = start + duration
    meter.begin(seqs.value + 1, int((start + warmup) * 1e9), int(stop * 1e9))
    sent = 0

    async def sender(client, first):
        nonlocal sent
        at = first
        while True:
            delay = at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if time.monotonic() >= stop or client.closed:
                return
            seq = seqs.next()
            try:
                await client.send(maker.frame(make_token(client.pair, client.role, seq), seq))
            except (ConnectionError, aiohttp.ClientError, RuntimeError):
                return
            sent += 1
            # Late? Do not catch up in a burst: that is what the rate limit refuses.
            at = max(at + interval, time.monotonic())

    server = pool.server
    cpu0, client0, wall0 = server.cpu_seconds(), time.process_time(), time.monotonic()
    wait0 = server.run_queue_seconds()
    await asyncio.gather(*(sender(c, start + interval * i / len(senders)) for i, c in enumerate(senders)))
    cpu1, client1, wall1 = server.cpu_seconds(), time.process_time(), time.monotonic()
    wait1 = server.run_queue_seconds()
    deadline = time.monotonic() + drain
    while len(meter.seen) < sent and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    lat = [ms(v) for v in meter.latencies_ns]
    return {
        "offered": rate, "senders": len(senders), "sent_rate": sent / duration,
        "achieved": meter.in_window / (duration - warmup), "sent": sent,
        "lost": sent - len(meter.seen), "dup": meter.duplicated, "misrouted": meter.misrouted,
        "p50": percentile(lat, 50), "p99": percentile(lat, 99),
        "server_cpu": (cpu1 - cpu0) / (wall1 - wall0), "client_cpu": (client1 - client0) / (wall1 - wall0),
        "server_cpu_s": cpu1 - cpu0, "errors": meter.errors, "server_wait": (wait1 - wait0) / (wall1 - wall0),
    }


def step_row(r):
    return (f"{r['offered']:>8.0f} {r['senders']:>7} {r['sent_rate']:>8.0f} {r['achieved']:>8.0f} "
            f"{fmt_ms(r['p50'])} {fmt_ms(r['p99'])} {r['lost']:>6} {r['dup']:>4} {r['misrouted']:>5} "
            f"{r['errors']:>4} {100 * r['server_cpu']:>6.0f}% {100 * r['server_wait']:>7.0f}% "
            f"{100 * r['client_cpu']:>6.0f}%")


STEP_HEADER = (f"{'offered':>8} {'senders':>7} {'sent/s':>8} {'relay/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
               f"{'lost':>6} {'dup':>4} {'misrt':>5} {'err':>4} {'srv CPU':>7} {'srv wait':>8} {'cli CPU':>7}")


def saturated(r):
    return (r["achieved"] < 0.9 * r["sent_rate"] or r["p99"] > 500 or r["lost"] > 0.01 * max(1, r["sent"])
            or r["sent_rate"] < 0.85 * r["offered"])


# --- part 2: saturation and profile ---------------------------------------------------------


async def nagle_probe(server, session, pairs=6, rounds=15):
    """Back-to-back messages: does the second one wait ~40 ms for a delayed ACK?"""
    meter = Meter(keep_seqs=True)
    pool = PairPool(session, server.url, meter)
    pool.server = server
    await pool.grow(pairs)
    maker = FrameMaker(250)
    seqs = Sequence()
    meter.begin(1, 0, 2**63)
    senders = [c for c in pool.clients if c.role == "a"]

    async def rounds_of(client):
        for _ in range(rounds):
            first, second = seqs.next(), seqs.next()
            await client.send(maker.frame(make_token(client.pair, client.role, first), first))
            await client.send(maker.frame(make_token(client.pair, client.role, second), second))
            await asyncio.sleep(0.12)  # 2 messages per 120 ms: under the rate limit

    await asyncio.gather(*(rounds_of(c) for c in senders))
    await asyncio.sleep(0.3)
    report = tcp_nodelay_report(server)
    await pool.close()
    # Seqs come in (odd, even) pairs: the even one left right behind the odd one.
    seconds = [ms(v) for seq, v in meter.latency_of.items() if seq % 2 == 0]
    stalls = sum(1 for v in seconds if v > 30)
    return report, seconds, stalls, 2 * rounds * len(senders) - len(meter.seen)


def mask_microbenchmark():
    """Time eventlet's _apply_mask on 5 KB in a child process (this one never imports eventlet)."""
    code = (
        "import os, time, timeit, warnings\n"
        "warnings.simplefilter('ignore')\n"
        "from eventlet.websocket import RFC6455WebSocket as W\n"
        "data, mask = os.urandom(5000), (17, 34, 51, 68)\n"
        "n, cpu = 200, time.process_time\n"
        "slow = timeit.Timer(lambda: W._apply_mask(data, mask), timer=cpu).timeit(n) / n\n"
        "def fast(data, mask):\n"
        "    key = bytes(mask) * (len(data) // 4 + 1)\n"
        "    x = int.from_bytes(data, 'little') ^ int.from_bytes(key[:len(data)], 'little')\n"
        "    return x.to_bytes(len(data), 'little')\n"
        "assert fast(data, mask) == W._apply_mask(data, mask)\n"
        "quick = timeit.Timer(lambda: fast(data, mask), timer=cpu).timeit(n) / n\n"
        "print(slow * 1e6, quick * 1e6)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        return None
    slow, quick = map(float, done.stdout.split())
    return slow, quick


CATEGORIES = [
    # (label, test on one frame "function (file:line)"), checked from the innermost frame outwards
    ("socket I/O (send/recv, eventlet greenio)", lambda f: any(s in f for s in (
        "eventlet/greenio/", "/socket.py", "/ssl.py", "/selectors.py"))),
    ("eventlet hub / green-thread switching", lambda f: any(s in f for s in (
        "eventlet/hubs/", "eventlet/greenthread.py", "eventlet/queue.py", "eventlet/event.py",
        "eventlet/semaphore.py", "eventlet/timeout.py", "eventlet/green/threading.py",
        "eventlet/lock.py"))),
    ("WebSocket framing, other (eventlet.websocket)", lambda f: "eventlet/websocket.py" in f),
    ("WebSocket framing (simple-websocket, wsproto)", lambda f: "simple_websocket/" in f or "wsproto/" in f),
    ("JSON encode/decode", lambda f: "/json/" in f),
    ("our namespace (signaling, protocol, rooms, ratelimit)", lambda f: any(s in f for s in (
        "main/signaling.py", "main/protocol.py", "main/rooms.py", "main/ratelimit.py"))),
    ("Socket.IO / Engine.IO packets and dispatch", lambda f: "/socketio/" in f or "/engineio/" in f),
    ("Flask / Flask-SocketIO request context", lambda f: "/flask/" in f or "/flask_socketio/" in f
        or "/werkzeug/" in f),
    ("threads, queues, locks (stdlib)", lambda f: any(s in f for s in (
        "/threading.py", "/queue.py", "/logging/"))),
]
UNMASK = "eventlet frame unmasking (_apply_mask, byte by byte)"


def categorise(stack):
    if not stack.strip():
        return "no Python frame (C: eventlet's hub, greenlet switches, thread start-up)"
    frames = stack.split(";")
    if any("_apply_mask" in f and "eventlet/websocket.py" in f for f in frames):
        return UNMASK
    for frame in reversed(frames):
        for label, test in CATEGORIES:
            if test(frame):
                return label
    return "other"


def read_profile(path):
    """py-spy raw output -> (samples, categories, inclusive markers, leaf functions), as Counters."""
    shares, inclusive, leaves, total = Counter(), Counter(), Counter(), 0
    markers = {"on_signal (our handler, incl. its emit)": "on_signal (",
               "validate_signal": "validate_signal (", "rate limit check": "_check_rate (",
               "Flask-SocketIO _handle_event": "_handle_event (/",
               "Engine.IO client monitor (_service_task)": "_service_task (",
               "json.dumps": "dumps (", "json.loads": "loads ("}
    with open(path) as raw:
        for line in raw:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            total += n
            shares[categorise(stack)] += n
            for label, marker in markers.items():
                if marker in stack:
                    inclusive[label] += n
            leaf = stack.rsplit(";", 1)[-1].strip()
            if not leaf:
                leaves["(no Python frame)"] += n
                continue
            function, _, where = leaf.partition(" (")
            where = where.rsplit(":", 1)[0]
            for prefix in ("site-packages/", "python3.11/", "main/"):
                where = where.split(prefix, 1)[-1]
            leaves[f"{function} ({where})"] += n
    return total, shares, inclusive, leaves


def py_spy_command(pid, seconds, out, gil=False):
    """py-spy samples a thread only while it runs (not waiting in epoll, recv or a lock).

    Under threading, a thread that waits for the GIL looks busy to it, so there it
    samples only the thread holding the GIL (--gil): Python's own CPU.
    """
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not os.path.exists(spy):
        return None
    return [spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "100",
            "--nonblocking", "--format", "raw", "--full-filenames", "-o", out, *(["--gil"] if gil else [])]


async def py_spy(server, seconds, keep_dir=None, name="profile"):
    """Sample the server for `seconds`; returns (path of raw stacks, CPU seconds used) or None."""
    if keep_dir:
        os.makedirs(keep_dir, exist_ok=True)
        out = os.path.join(keep_dir, f"{name}.txt")
    else:
        handle, out = tempfile.mkstemp(suffix=".txt", prefix="py-spy-")
        os.close(handle)
    command = py_spy_command(server.pid, seconds, out, gil=server.async_mode == "threading")
    if command is None:
        print("  (no profile: `pip install py-spy` to get one)")
        return None
    cpu0 = server.cpu_seconds()
    spying = await asyncio.create_subprocess_exec(*command, stdout=subprocess.DEVNULL,
                                                  stderr=subprocess.PIPE)
    _, stderr = await spying.communicate()
    cpu = server.cpu_seconds() - cpu0
    if spying.returncode != 0 or not os.path.exists(out):
        print(f"  (py-spy failed: {stderr.decode()[-300:]})")
        return None
    return out, cpu  # an empty file: no busy samples


def print_profile(path, per, units, keep=False, top=10):
    """Shares of the server's busy samples by category, and the busiest functions (self time)."""
    total, shares, inclusive, leaves = read_profile(path)
    if not keep:
        os.unlink(path)
    if not total:
        print("    (no busy samples)")
        return
    for label, n in shares.most_common():
        print(f"    {100 * n / total:5.1f}%  ~{per * n / total:6.0f} us/{units}  {label}")
    print("    inclusive (on the stack):", ", ".join(
        f"{label} {100 * n / total:.1f}%" for label, n in inclusive.most_common()))
    print("    busiest functions (self):", "; ".join(
        f"{100 * n / total:.1f}% {name}" for name, n in leaves.most_common(top)))


async def profile_server(server, pool, maker, rate, seconds, seqs, keep_dir=None):
    load = asyncio.create_task(offer_load(pool, maker, rate, seconds + 2.0, seqs))
    await asyncio.sleep(1.0)  # let the load settle first
    received0 = len(pool.meter.seen)
    spied = await py_spy(server, seconds, keep_dir, f"{server.async_mode}-{maker.size}B")
    relayed = len(pool.meter.seen) - received0
    result = await load
    if spied is None:
        return
    path, cpu = spied
    per_message = 1e6 * cpu / max(1, relayed)
    print(f"  profile: py-spy, {seconds:g} s at {result['achieved']:.0f} relayed msg/s "
          f"({maker.size} B); server CPU {cpu:.2f} s for {relayed} relayed "
          f"messages = {per_message:.0f} us CPU per message")
    print_profile(path, per_message, "msg", keep=bool(keep_dir))


def part_saturation(args):
    print("\n== 2. Saturation: relayed messages/s from one server process ==", flush=True)
    print(f"  each sender <= {PER_CLIENT_RATE:g} msg/s (the server allows 20/s after a burst); "
          f"{args.step_seconds:g} s per step; the ramp stops at saturation")
    summary = []
    for mode in args.modes:
        with server_process(mode) as server:
            summary += asyncio.run(_saturate_mode(server, mode, args))
    print("\n  summary: most relayed msg/s before saturation (p99 at that step)")
    for mode, size, best, compress in summary:
        if best is None:
            continue
        tag = " (permessage-deflate)" if compress else ""
        cpu_us = 1e6 * best["server_cpu"] / max(1, best["achieved"])
        print(f"    {mode:<9} {size:>5} B{tag}: {best['achieved']:7.0f} msg/s  p50 {best['p50']:.1f} ms  "
              f"p99 {best['p99']:.1f} ms  server CPU {100 * best['server_cpu']:.0f}%  "
              f"= {cpu_us:.0f} us CPU/msg, so ~{1e6 / cpu_us:.0f} msg/s if given a whole core")
    if args.profile and "eventlet" in args.modes:
        timing = mask_microbenchmark()
        if timing:
            slow, quick = timing
            print(f"\n  eventlet RFC6455WebSocket._apply_mask on 5,000 bytes: {slow:.0f} us "
                  f"({1000 * slow / 5000:.0f} ns/byte); an int.from_bytes XOR of the same: {quick:.1f} us")


async def _saturate_mode(server, mode, args):
    results = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        report, seconds, stalls, lost = await nagle_probe(server, session, rounds=args.nagle_rounds)
        print(f"\n  [{mode}] {describe_nodelay(report)}")
        band = sum(1 for v in seconds if 36 <= v <= 50)
        print(f"  [{mode}] back-to-back candidate pairs, the 2nd: latency p50 {percentile(seconds, 50):.1f} ms, "
              f"p99 {percentile(seconds, 99):.1f} ms, max {max(seconds, default=0):.1f} ms; "
              f"{stalls}/{len(seconds)} over 30 ms, {band} of them at 36-50 ms (a delayed ACK's "
              f"signature); lost {lost}")
        variants = [(size, 0) for size in args.sizes]
        if args.deflate and mode == "eventlet":
            variants.append((max(args.sizes), 15))
        for size, compress in variants:
            maker = FrameMaker(size)
            meter = Meter()
            pool = PairPool(session, server.url, meter, compress)
            pool.server = server
            seqs = Sequence()
            tag = ", permessage-deflate as browsers negotiate it" if compress else ""
            frame_bytes = maker.typical_size()
            print(f"\n  [{mode}] {size} B messages ({frame_bytes} B frames{tag})")
            print("  " + STEP_HEADER, flush=True)
            rate = args.start_rate.get(size, 400 if size < 1500 else 80)
            best = None
            deadline = time.monotonic() + args.ramp_budget
            for _ in range(args.max_steps):
                r = await offer_load(pool, maker, rate, args.step_seconds, seqs)
                print("  " + step_row(r), flush=True)
                if meter.error_sample:
                    print(f"    server refused: {meter.error_sample}")
                    meter.error_sample = None
                if saturated(r):
                    if best is None or r["achieved"] > best["achieved"]:
                        best = dict(r, saturated=True) if best is None else best
                    break
                best = r
                if time.monotonic() > deadline:
                    break
                rate *= args.ramp
            if pool.failed:
                print(f"    {pool.failed} clients failed to connect")
            results.append((mode, size, best, compress))
            if args.profile and size == max(args.sizes) and not compress and best is not None:
                # Sample the server at the highest rate it kept up with.
                await profile_server(server, pool, maker, best["offered"], args.profile_seconds, seqs,
                                     args.profile_dir)
            await pool.close()
    return results


# --- part 3: capacity ---------------------------------------------------------------------


async def _capacity(server, args):
    rows = []
    meter = Meter()
    meter.begin(0, 0, 2**63)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        pool = PairPool(session, server.url, meter, concurrency=args.connect_concurrency)
        pool.server = server
        await pool.grow(1)  # warm up every code path once
        fds_base = server.open_fds()
        tcp0 = tcp_counters()
        await asyncio.sleep(0.5)
        base = server.rss_mib()
        print(f"  baseline: server RSS {base:.1f} MiB with 2 connections, {server.open_fds()} fds")
        print(f"  {'target':>7} {'held':>6} {'failed':>6} {'connect s':>9} {'conn/s':>7} {'p99 conn ms':>11} "
              f"{'CPU ms/conn':>8} {'RSS MiB':>8} {'KiB/conn':>8} {'fds':>6} {'probe p50/max ms':>16}",
              flush=True)
        maker = FrameMaker(250)
        seqs = Sequence()
        for target in args.levels:
            before = len(pool.connect_seconds)
            started, cpu0 = time.monotonic(), server.cpu_seconds()
            await pool.grow(target // 2)
            took, connect_cpu = time.monotonic() - started, server.cpu_seconds() - cpu0
            fresh = pool.connect_seconds[before:]
            await asyncio.sleep(1.5)
            alive = pool.alive()
            rss = server.rss_mib()
            per_conn = 1024 * (rss - base) / max(1, alive - 2)
            # Liveness: a message across 20 random rooms.
            meter.begin(seqs.value + 1, 0, 2**63)
            rooms = len(pool.clients) // 2
            probes = random.Random(target).sample(range(rooms), min(20, rooms))
            for pair in probes:
                client = pool.clients[2 * pair]
                if not client.closed:
                    seq = seqs.next()
                    await client.send(maker.frame(make_token(client.pair, client.role, seq), seq))
            await asyncio.sleep(0.5)
            lat = [ms(v) for v in meter.latencies_ns]
            probe = (f"{percentile(lat, 50):.1f}/{max(lat, default=float('nan')):.1f} "
                     f"({len(lat)}/{len(probes)})")
            rate = len(fresh) / max(took, 1e-9)
            print(f"  {target:>7} {alive:>6} {pool.failed:>6} {took:>9.1f} {rate:>7.0f} "
                  f"{1000 * percentile(fresh, 99):>11.0f} {1000 * connect_cpu / max(1, len(fresh)):>8.1f} "
                  f"{rss:>8.1f} {per_conn:>8.1f} {server.open_fds():>6} {probe:>16}", flush=True)
            rows.append((target, alive, rss, per_conn))
            if pool.failed > 0.05 * target:
                print("  (stopping: more than 5% of connections failed)")
                break
        if args.hold > 0:
            pings0 = sum(c.pings for c in pool.clients)
            cpu0 = server.cpu_seconds()
            hold = asyncio.create_task(asyncio.sleep(args.hold))
            spied = None
            if args.profile:
                spied = await py_spy(server, min(args.hold, 15), args.profile_dir, f"{server.async_mode}-idle")
            await hold
            cpu = server.cpu_seconds() - cpu0
            pinged = sum(1 for c in pool.clients if c.pings)
            alive = pool.alive()
            pongs = sum(c.pings for c in pool.clients) - pings0
            print(f"  held {alive} connections idle for {args.hold:g} s: server CPU {cpu:.2f} s "
                  f"({100 * cpu / args.hold:.1f}%), {pongs} Engine.IO pings "
                  f"answered ({pinged} clients pinged), {len(pool.clients) - alive} dropped; "
                  f"RSS {server.rss_mib():.1f} MiB")
            if spied:
                path, spied_cpu = spied
                seconds = min(args.hold, 15)
                print(f"  profile of the idle server, {seconds:g} s (CPU us per second of wall time):")
                print_profile(path, 1e6 * spied_cpu / seconds, "s", keep=bool(args.profile_dir))
        report = tcp_nodelay_report(server)
        print(f"  {describe_nodelay(report)}")
        tcp = {name: value - tcp0.get(name, 0) for name, value in tcp_counters().items()}
        print("  TCP while connecting (this network namespace): " + ", ".join(
            f"{name} {value}" for name, value in tcp.items()))
        # Every client vanishes at once (a network drop, a laptop lid): how long to clean up?
        held = len(pool.clients)
        started, cpu0 = time.monotonic(), server.cpu_seconds()
        await session.close()
        while server.open_fds() > fds_base and time.monotonic() - started < 120:
            await asyncio.sleep(0.05)
        print(f"  all {held} clients dropped at once: the server closed their sockets within "
              f"{time.monotonic() - started:.1f} s, using {server.cpu_seconds() - cpu0:.2f} s CPU", flush=True)
        pool.clients = []
    return rows


def part_capacity(args):
    print("\n== 3. Capacity: idle connections one process holds (each joined to a room of two) ==",
          flush=True)
    for mode in args.capacity_modes:
        print(f"  [{mode}]")
        with server_process(mode) as server:
            asyncio.run(_capacity(server, args))


# --- command line ------------------------------------------------------------------------


def numbers(text):
    return [int(float(part)) for part in text.split(",") if part]


def names(text):
    return [part for part in text.split(",") if part]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realistic", action="store_true", help="part 1 (default: every part)")
    parser.add_argument("--saturation", action="store_true", help="part 2")
    parser.add_argument("--capacity", action="store_true", help="part 3")
    parser.add_argument("--quick", action="store_true", help="a short run of the chosen parts")
    parser.add_argument("--rooms", type=numbers, help="part 1: room counts (default 10,100,500)")
    parser.add_argument("--spread", type=float, help="part 1: seconds over which rooms start (default 10)")
    parser.add_argument("--room-timeout", type=float, default=60.0,
                        help="part 1: seconds a room may take before it counts as failed (default 60)")
    parser.add_argument("--modes", type=names, default=["eventlet", "threading"], help="part 2 async modes")
    parser.add_argument("--sizes", type=numbers, default=[250, 5000], help="part 2 message sizes, bytes")
    parser.add_argument("--step-seconds", type=float,
                        help="part 2: seconds per offered-load step (default 5)")
    parser.add_argument("--ramp", type=float, default=1.5, help="part 2: factor between steps")
    parser.add_argument("--no-profile", dest="profile", action="store_false", help="part 2: skip py-spy")
    parser.add_argument("--profile-seconds", type=float, help="part 2: py-spy duration (default 10)")
    parser.add_argument("--profile-dir", help="keep py-spy's raw stacks here (default: discard them)")
    parser.add_argument("--deflate", action="store_true",
                        help="part 2: also eventlet with permessage-deflate, as browsers negotiate it")
    parser.add_argument("--levels", type=numbers, help="part 3: connection counts (default 1000,2500,5000)")
    parser.add_argument("--hold", type=float, help="part 3: seconds to hold the most connections "
                        "(default 30: longer than one 25 s Engine.IO ping interval)")
    parser.add_argument("--capacity-modes", type=names, default=["eventlet"], help="part 3 async modes")
    parser.add_argument("--connect-concurrency", type=int, default=200,
                        help="part 3: connections opened at once (default 200: a reconnect storm)")
    parser.add_argument("--realistic-mode", default="eventlet", choices=["eventlet", "threading"],
                        help="part 1 async mode (default eventlet)")
    args = parser.parse_args(argv)
    if not (args.realistic or args.saturation or args.capacity):
        args.realistic = args.saturation = args.capacity = True
    quick = args.quick
    args.rooms = args.rooms or ([10, 50] if quick else [10, 100, 500])
    args.spread = args.spread if args.spread is not None else (3.0 if quick else 10.0)
    args.step_seconds = args.step_seconds or (2.5 if quick else 5.0)
    args.profile_seconds = args.profile_seconds or (4.0 if quick else 10.0)
    args.levels = args.levels or ([200, 500] if quick else [1000, 2500, 5000])
    args.hold = args.hold if args.hold is not None else (3.0 if quick else 30.0)
    args.max_steps = 5 if quick else 10
    args.ramp_budget = 25.0 if quick else 75.0
    args.nagle_rounds = 5 if quick else 15
    args.start_rate = {250: 200, 5000: 40}
    return args


def main(argv=None):
    args = parse_args(argv)
    # socketio.AsyncClient's engine logs an error when a disconnect finds its send queue empty.
    logging.getLogger("engineio.client").setLevel(logging.CRITICAL)
    limit = _raise_nofile_limit()
    needed = max(args.levels) + 200 if args.capacity else 2 * max(args.rooms) + 200
    if limit < needed:
        print(f"warning: RLIMIT_NOFILE is {limit}; {needed} descriptors are wanted")
    began = time.monotonic()
    print(f"signaling load benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.2f} at start", flush=True)
    if args.realistic:
        part_realistic(args)
    if args.saturation:
        part_saturation(args)
    if args.capacity:
        part_capacity(args)
    print(f"\ndone in {time.monotonic() - began:.0f} s; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
