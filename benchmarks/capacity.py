"""Part 3, capacity: idle connections one process holds (1,000, 2,500, 5,000).

Connections open 200 at a time (a reconnect storm), each pair joined to a room of
two. Prints RSS and connect CPU per connection, kernel listen-queue overflows,
liveness through a message across 20 random rooms and Engine.IO pings, the idle
server's CPU (profiled with py-spy), and the clean-up when every client drops at once.

    python -m benchmarks.capacity --levels 1000,2500,5000,8000
    python -m benchmarks.capacity --quick
"""

import asyncio
import random
import time

import aiohttp

from benchmarks import common, server_profile
from benchmarks.raw_client import FrameMaker, Meter, PairPool, Sequence
from tests.harness.load import make_token


def add_arguments(parser):
    group = parser.add_argument_group("capacity")
    group.add_argument("--levels", type=common.numbers, help="connection counts (default 1000,2500,5000)")
    group.add_argument("--hold", type=float, help="seconds to hold the most connections "
                       "(default 30: longer than one 25 s Engine.IO ping interval)")
    group.add_argument("--capacity-modes", type=common.names, default=["eventlet"], help="async modes")
    group.add_argument("--connect-concurrency", type=int, default=200,
                       help="connections opened at once (default 200: a reconnect storm)")


def defaults(args):
    args.levels = args.levels or ([200, 500] if args.quick else [1000, 2500, 5000])
    args.hold = args.hold if args.hold is not None else (3.0 if args.quick else 30.0)


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
        tcp0 = common.tcp_counters()
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
            lat = [common.ms(v) for v in meter.latencies_ns]
            probe = (f"{common.percentile(lat, 50):.1f}/{max(lat, default=float('nan')):.1f} "
                     f"({len(lat)}/{len(probes)})")
            rate = len(fresh) / max(took, 1e-9)
            print(f"  {target:>7} {alive:>6} {pool.failed:>6} {took:>9.1f} {rate:>7.0f} "
                  f"{1000 * common.percentile(fresh, 99):>11.0f} {1000 * connect_cpu / max(1, len(fresh)):>8.1f} "
                  f"{rss:>8.1f} {per_conn:>8.1f} {server.open_fds():>6} {probe:>16}", flush=True)
            rows.append((target, alive, rss, per_conn))
            if pool.failed > 0.05 * target:
                print("  (stopping: more than 5% of connections failed)")
                break
        if args.hold > 0:
            pings0 = sum(c.pings for c in pool.clients)
            cpu0 = server.cpu_seconds()
            # Measured with no profiler attached: py-spy on a threading server of 20,000
            # threads failed, and its tries to attach tripled the idle CPU (19 -> 106-139 %).
            await asyncio.sleep(args.hold)
            cpu = server.cpu_seconds() - cpu0
            pinged = sum(1 for c in pool.clients if c.pings)
            alive = pool.alive()
            pongs = sum(c.pings for c in pool.clients) - pings0
            print(f"  held {alive} connections idle for {args.hold:g} s: server CPU {cpu:.2f} s "
                  f"({100 * cpu / args.hold:.1f}%), {pongs} Engine.IO pings "
                  f"answered ({pinged} clients pinged), {len(pool.clients) - alive} dropped; "
                  f"RSS {server.rss_mib():.1f} MiB")
            if args.profile:
                seconds = min(args.hold, 15)
                spied = await server_profile.py_spy(server, seconds, args.profile_dir, f"{server.async_mode}-idle")
                if spied:
                    path, spied_cpu = spied
                    print(f"  profile of the idle server, {seconds:g} s more (CPU us per second of wall time):")
                    server_profile.print_profile([path], 1e6 * spied_cpu / seconds, "s",
                                                 keep=bool(args.profile_dir))
        report = common.tcp_nodelay_report(server)
        print(f"  {common.describe_nodelay(report)}")
        tcp = {name: value - tcp0.get(name, 0) for name, value in common.tcp_counters().items()}
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


def run(args):
    print("\n== 3. Capacity: idle connections one process holds (each joined to a room of two) ==",
          flush=True)
    for mode in args.capacity_modes:
        print(f"  [{mode}]")
        with common.measured_server(mode) as server:
            asyncio.run(_capacity(server, args))


PART = common.Part("capacity", (server_profile.add_arguments, add_arguments), defaults,
                   lambda args: max(args.levels) + 200, run)

if __name__ == "__main__":
    common.main([PART], __doc__)
