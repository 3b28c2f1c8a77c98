"""Part 2, saturation: the most messages per second one server process relays.

250 B and 5 KB messages, under eventlet and threading: a ramp of offered loads,
each client pacing itself under the server's per-client rate limit, until the
server falls behind. Then py-spy samples the server under the 5 KB load and says
where its CPU goes, and eventlet's unmasking is timed against the server's own.
Also checks TCP_NODELAY on the server's sockets and the latency of back-to-back
messages (the delayed-ACK stall).

    python -m benchmarks.saturation --modes eventlet --sizes 5000
    python -m benchmarks.saturation --quick --no-profile
"""

import asyncio
import math
import time

import aiohttp

from benchmarks import common, server_profile
from benchmarks.mask import print_mask_microbenchmark
from benchmarks.raw_client import FrameMaker, Meter, PairPool, Sequence
from tests.harness.load import make_token

# The server's limit is 20 messages a second per client after a burst; stay under it.
PER_CLIENT_RATE = 18.0


def add_arguments(parser):
    group = parser.add_argument_group("saturation")
    group.add_argument("--modes", type=common.names, default=["eventlet", "threading"], help="async modes")
    group.add_argument("--sizes", type=common.numbers, default=[250, 5000], help="message sizes, bytes")
    group.add_argument("--step-seconds", type=float, help="seconds per offered-load step (default 5)")
    group.add_argument("--ramp", type=float, default=1.5, help="factor between steps")
    group.add_argument("--profile-seconds", type=float, help="py-spy duration (default 10)")
    group.add_argument("--deflate", action="store_true",
                       help="also eventlet with permessage-deflate, as browsers negotiate it")


def defaults(args):
    quick = args.quick
    args.step_seconds = args.step_seconds or (2.5 if quick else 5.0)
    args.profile_seconds = args.profile_seconds or (4.0 if quick else 10.0)
    args.max_steps = 5 if quick else 10
    args.ramp_budget = 25.0 if quick else 75.0
    args.nagle_rounds = 5 if quick else 15
    args.start_rate = {250: 200, 5000: 40}


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
    lat = [common.ms(v) for v in meter.latencies_ns]
    return {
        "offered": rate, "senders": len(senders), "sent_rate": sent / duration,
        "achieved": meter.in_window / (duration - warmup), "sent": sent,
        "lost": sent - len(meter.seen), "dup": meter.duplicated, "misrouted": meter.misrouted,
        "p50": common.percentile(lat, 50), "p99": common.percentile(lat, 99),
        "server_cpu": (cpu1 - cpu0) / (wall1 - wall0), "client_cpu": (client1 - client0) / (wall1 - wall0),
        "server_cpu_s": cpu1 - cpu0, "errors": meter.errors, "server_wait": (wait1 - wait0) / (wall1 - wall0),
    }


def step_row(r):
    return (f"{r['offered']:>8.0f} {r['senders']:>7} {r['sent_rate']:>8.0f} {r['achieved']:>8.0f} "
            f"{common.fmt_ms(r['p50'])} {common.fmt_ms(r['p99'])} {r['lost']:>6} {r['dup']:>4} {r['misrouted']:>5} "
            f"{r['errors']:>4} {100 * r['server_cpu']:>6.0f}% {100 * r['server_wait']:>7.0f}% "
            f"{100 * r['client_cpu']:>6.0f}%")


STEP_HEADER = (f"{'offered':>8} {'senders':>7} {'sent/s':>8} {'relay/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
               f"{'lost':>6} {'dup':>4} {'misrt':>5} {'err':>4} {'srv CPU':>7} {'srv wait':>8} {'cli CPU':>7}")


def saturated(r):
    return (r["achieved"] < 0.9 * r["sent_rate"] or r["p99"] > 500 or r["lost"] > 0.01 * max(1, r["sent"])
            or r["sent_rate"] < 0.85 * r["offered"])


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
    report = common.tcp_nodelay_report(server)
    await pool.close()
    # Seqs come in (odd, even) pairs: the even one left right behind the odd one.
    seconds = [common.ms(v) for seq, v in meter.latency_of.items() if seq % 2 == 0]
    stalls = sum(1 for v in seconds if v > 30)
    return report, seconds, stalls, 2 * rounds * len(senders) - len(meter.seen)


async def profile_server(server, pool, maker, rate, seconds, seqs, keep_dir=None):
    load = asyncio.create_task(offer_load(pool, maker, rate, seconds + 2.0, seqs))
    await asyncio.sleep(1.0)  # let the load settle first
    received0 = len(pool.meter.seen)
    spied = await server_profile.py_spy(server, seconds, keep_dir, f"{server.async_mode}-{maker.size}B")
    relayed = len(pool.meter.seen) - received0
    result = await load
    if spied is None:
        return
    path, cpu = spied
    per_message = 1e6 * cpu / max(1, relayed)
    print(f"  profile: py-spy, {seconds:g} s at {result['achieved']:.0f} relayed msg/s "
          f"({maker.size} B); server CPU {cpu:.2f} s for {relayed} relayed "
          f"messages = {per_message:.0f} us CPU per message")
    server_profile.print_profile(path, per_message, "msg", keep=bool(keep_dir))


def run(args):
    print("\n== 2. Saturation: relayed messages/s from one server process ==", flush=True)
    print(f"  each sender <= {PER_CLIENT_RATE:g} msg/s (the server allows 20/s after a burst); "
          f"{args.step_seconds:g} s per step; the ramp stops at saturation")
    summary = []
    for mode in args.modes:
        with common.measured_server(mode) as server:
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
        print_mask_microbenchmark()


async def _saturate_mode(server, mode, args):
    results = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        report, seconds, stalls, lost = await nagle_probe(server, session, rounds=args.nagle_rounds)
        print(f"\n  [{mode}] {common.describe_nodelay(report)}")
        band = sum(1 for v in seconds if 36 <= v <= 50)
        print(f"  [{mode}] back-to-back candidate pairs, the 2nd: latency p50 {common.percentile(seconds, 50):.1f} ms, "
              f"p99 {common.percentile(seconds, 99):.1f} ms, max {max(seconds, default=0):.1f} ms; "
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


PART = common.Part("saturation", (server_profile.add_arguments, add_arguments), defaults, lambda args: 0, run)

if __name__ == "__main__":
    common.main([PART], __doc__)
