"""Part 2, saturation: the most messages per second one server process relays.

250 B and 5 KB messages, under eventlet, gevent and threading: a ramp of offered
loads, each client pacing itself under the server's per-client rate limit, until the
server falls behind. The ramps start low enough and step through the issue's target
(2,500 msg/s with p99 < 20 ms), and a line says whether each mode and size met it,
and another how much the server still relayed once overloaded.
Then py-spy samples the server under the 5 KB load and says where its CPU goes, and
eventlet's unmasking is timed against the server's own. Also checks TCP_NODELAY on
the server's sockets and the latency of back-to-back messages (the delayed-ACK stall).
With --redis each mode runs again on --processes app processes sharing a
redis-server, a room's peers on different ones (benchmarks/cluster.py); its CPU per
relayed message (redis-server's included) is compared at the same offered load, each
step says how many messages a published batch carried, and py-spy samples every app
process at once.

    python -m benchmarks.saturation --modes eventlet --sizes 5000
    python -m benchmarks.saturation --redis --processes 2
    python -m benchmarks.saturation --quick --no-profile
    python -m benchmarks.saturation --modes eventlet --sizes 5000 --redis --processes 2 \
        --start-rate 2500 --ramp 1 --no-profile        (a fixed load, step after step)
"""

import asyncio
import math
import time

import aiohttp

from benchmarks import cluster, common, server_profile
from benchmarks.mask import print_mask_microbenchmark
from benchmarks.raw_client import FrameMaker, Meter, PairPool, Sequence
from tests.harness.load import make_token

# The server's limit is 20 messages a second per client after a burst; stay under it.
PER_CLIENT_RATE = 18.0
# Issue 10's target for each message size: this many relayed messages a second, p99 under this.
TARGET_RATE = 2500
TARGET_P99_MS = 20.0
# Offered more than it can relay, a server should go on relaying about as much as it
# could: below this share of its best rate, it collapsed (threading did, with a 1 ms
# GIL switch interval: about 250 of 1,688 msg/s offered).
COLLAPSE_SHARE = 0.5


def add_arguments(parser):
    group = parser.add_argument_group("saturation")
    group.add_argument("--modes", type=common.names, default=["eventlet", "gevent", "threading"], help="async modes")
    group.add_argument("--sizes", type=common.numbers, default=[250, 5000], help="message sizes, bytes")
    group.add_argument("--step-seconds", type=float, help="seconds per offered-load step (default 5)")
    group.add_argument("--ramp", type=float, default=1.5, help="factor between steps")
    group.add_argument("--start-rate", type=int, dest="first_rate",
                       help="the first step's offered msg/s, for every size (default 500 for 250 B, 300 for "
                            "5 KB); with --ramp 1 every step offers it")
    group.add_argument("--profile-seconds", type=float, help="py-spy duration (default 10)")
    group.add_argument("--deflate", action="store_true",
                       help="also eventlet with permessage-deflate, as browsers negotiate it")


def defaults(args):
    quick = args.quick
    args.step_seconds = args.step_seconds or (2.5 if quick else 5.0)
    args.profile_seconds = args.profile_seconds or (4.0 if quick else 10.0)
    args.max_steps = 5 if quick else 10
    args.ramp_budget = 25.0 if quick else 90.0
    args.nagle_rounds = 5 if quick else 15
    # Low enough to see the unloaded latency, high enough that the ramp (x1.5 a step,
    # through TARGET_RATE) passes the target and saturates within its steps.
    args.start_rate = {250: 500, 5000: 300}


def offered_rates(start, ramp, steps):
    """start, start * ramp, ...; a step that would jump over TARGET_RATE stops at it instead."""
    rate = start
    for _ in range(steps):
        yield rate
        following = rate * ramp
        rate = TARGET_RATE if rate < TARGET_RATE < following else following


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
    wait0, redis0, publishes0 = server.run_queue_seconds(), server.redis_cpu_seconds(), server.publishes()
    await asyncio.gather(*(sender(c, start + interval * i / len(senders)) for i, c in enumerate(senders)))
    cpu1, client1, wall1 = server.cpu_seconds(), time.process_time(), time.monotonic()
    wait1, redis1, publishes1 = server.run_queue_seconds(), server.redis_cpu_seconds(), server.publishes()
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
        "redis_cpu": (redis1 - redis0) / (wall1 - wall0),
        # Messages sent per batch published between processes; None without Redis or batches.
        "per_publish": sent / (publishes1 - publishes0) if publishes0 is not None and publishes1 > publishes0
        else None,
    }


def cpu_us_per_message(r):
    """CPU of the app processes and redis-server per relayed message, in microseconds."""
    return 1e6 * r["server_cpu"] / r["achieved"] if r["achieved"] else float("nan")


def step_row(r):
    return (f"{r['offered']:>8.0f} {r['senders']:>7} {r['sent_rate']:>8.0f} {r['achieved']:>8.0f} "
            f"{common.fmt_ms(r['p50'])} {common.fmt_ms(r['p99'])} {r['lost']:>6} {r['dup']:>4} {r['misrouted']:>5} "
            f"{r['errors']:>4} {100 * r['server_cpu']:>6.0f}% {100 * r['redis_cpu']:>6.0f}% "
            f"{cpu_us_per_message(r):>6.0f} {100 * r['server_wait']:>7.0f}% {100 * r['client_cpu']:>6.0f}% "
            + (f"{r['per_publish']:>7.1f}" if r.get("per_publish") else f"{'-':>7}"))


STEP_HEADER = (f"{'offered':>8} {'senders':>7} {'sent/s':>8} {'relay/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
               f"{'lost':>6} {'dup':>4} {'misrt':>5} {'err':>4} {'srv CPU':>7} {'redis':>7} {'us/msg':>6} "
               f"{'srv wait':>8} {'cli CPU':>7} {'msg/pub':>7}")


def saturated(r):
    return (r["achieved"] < 0.9 * r["sent_rate"] or r["p99"] > 500 or r["lost"] > 0.01 * max(1, r["sent"])
            or r["sent_rate"] < 0.85 * r["offered"])


def clean(r):
    return r["lost"] == 0 and r["dup"] == 0 and r["misrouted"] == 0


def target_line(steps):
    """Was TARGET_RATE relayed with p99 under TARGET_P99_MS, losing nothing, at some step?"""
    good = [r for r in steps if clean(r) and r["p99"] < TARGET_P99_MS]  # NaN p99 never counts
    met = any(r["offered"] >= TARGET_RATE and r["achieved"] >= 0.97 * TARGET_RATE for r in good)
    best = max(good, key=lambda r: r["achieved"], default=None)
    best_text = (f"best: {best['achieved']:.0f} msg/s at p99 {best['p99']:.1f} ms" if best
                 else f"no step had p99 < {TARGET_P99_MS:g} ms without loss")
    return f"{TARGET_RATE:,} msg/s at p99 < {TARGET_P99_MS:g} ms: {'met' if met else 'not met'} ({best_text})"


def overload_line(steps):
    """What the server did at the step that saturated it, against its best rate before;
    None if the ramp ended before saturation."""
    kept_up = [r for r in steps if not saturated(r)]
    if not kept_up or not saturated(steps[-1]):  # (no steps: none kept up)
        return None
    over, best = steps[-1], max(kept_up, key=lambda r: r["achieved"])
    share = over["achieved"] / best["achieved"]
    verdict = "collapsed" if share < COLLAPSE_SHARE else "kept relaying"
    return (f"overloaded at {over['offered']:.0f} msg/s offered: relayed {over['achieved']:.0f} msg/s, "
            f"{share:.0%} of its best {best['achieved']:.0f}, at {cpu_us_per_message(over):.0f} us CPU/msg: {verdict}")


def redis_lines(base_steps, redis_steps):
    """CPU per relayed message with Redis against in memory: first at the highest offered
    load where both runs met the p99 target, then at each load both kept up with. (At a
    load past its target a process spends its CPU differently: the README says how.)"""
    base = {r["offered"]: r for r in base_steps if not saturated(r) and clean(r)}
    both = sorted(((base[r["offered"]], r) for r in redis_steps
                   if not saturated(r) and clean(r) and r["offered"] in base), key=lambda pair: pair[1]["offered"])
    if not both:
        if not base_steps or not redis_steps:
            return ["Redis adds ? % CPU per relayed message (a run had no step)"]
        # Neither load was kept up with by both: the first step of each, said to be rough.
        first, r = base_steps[0], redis_steps[0]
        return [f"at {r['offered']:.0f} msg/s offered, where a run saturated (rough), "
                + cluster.redis_overhead(cpu_us_per_message(first), cpu_us_per_message(r))]
    met = [(b, r) for b, r in both if b["p99"] < TARGET_P99_MS and r["p99"] < TARGET_P99_MS]  # never a NaN p99
    b, r = (met or both)[-1]
    where = (f"the highest load where both met p99 < {TARGET_P99_MS:g} ms" if met
             else f"the highest both kept up with; at none did both meet p99 < {TARGET_P99_MS:g} ms")
    by_load = ", ".join(f"{step['offered']:.0f} {_added(alone, step)}" for alone, step in both)
    return [f"at {r['offered']:.0f} msg/s offered ({where}), "
            + cluster.redis_overhead(cpu_us_per_message(b), cpu_us_per_message(r)),
            f"by offered load, msg/s and CPU added: {by_load}"]


def _added(alone, step):
    """The CPU per message Redis added at one load, as text: "+25 %", or "? %" without figures."""
    percent = cluster.added_percent(cpu_us_per_message(alone), cpu_us_per_message(step))
    return "? %" if percent is None else f"{percent:+.0f} %"


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
    redis0 = server.redis_cpu_seconds()
    name = f"{server.async_mode}-{maker.size}B" + ("-redis" if server.redis_pid else "")
    spied = await server_profile.py_spy_each(server.servers, seconds, keep_dir, name)
    relayed = len(pool.meter.seen) - received0
    redis_cpu = server.redis_cpu_seconds() - redis0
    result = await load
    if spied is None:
        return
    paths, cpu = spied
    per_message = 1e6 * cpu / max(1, relayed)
    processes = f" on {len(paths)} app processes" if len(paths) > 1 else ""
    redis_part = (f"; redis-server {1e6 * redis_cpu / max(1, relayed):.0f} us more per message"
                  if server.redis_pid else "")
    print(f"  profile: py-spy{processes}, {seconds:g} s at {result['achieved']:.0f} relayed msg/s "
          f"({maker.size} B); server CPU {cpu:.2f} s for {relayed} relayed "
          f"messages = {per_message:.0f} us CPU per message{redis_part}")
    server_profile.print_profile(paths, per_message, "msg", keep=bool(keep_dir))


def run(args):
    runs = cluster.setups(args)
    print("\n== 2. Saturation: relayed messages/s from one server process"
          + (f", then {cluster.label(*runs[-1])}" if len(runs) > 1 else "") + " ==", flush=True)
    print(f"  each sender <= {PER_CLIENT_RATE:g} msg/s (the server allows 20/s after a burst); "
          f"{args.step_seconds:g} s per step; the ramp stops at saturation")
    summary = []
    for mode in args.modes:
        for processes, redis, together in runs:
            with cluster.measured_cluster(mode, processes, redis, together) as server:
                summary += asyncio.run(_saturate_mode(server, mode, args))
    print("\n  summary: most relayed msg/s before saturation (p99 at that step); CPU: app processes"
          " and redis-server")
    steps_of = {}
    for mode, size, where, best, compress, steps in summary:
        tag = " (permessage-deflate)" if compress else ""
        print(f"    {mode:<9} {size:>5} B{tag}, {where}:")
        if best is not None:
            cpu_us = cpu_us_per_message(best)
            print(f"      {best['achieved']:7.0f} msg/s  p50 {best['p50']:.1f} ms  p99 {best['p99']:.1f} ms  "
                  f"CPU {100 * best['server_cpu']:.0f}%  = {cpu_us:.0f} us CPU/msg, "
                  f"so ~{1e6 / cpu_us:.0f} msg/s if given a whole core")
        overload = overload_line(steps)
        if overload:
            print(f"      {overload}")
        if not compress:
            print(f"      {target_line(steps)}")
            steps_of.setdefault((mode, size), []).append(steps)
    for (mode, size), runs_steps in steps_of.items():
        if len(runs_steps) == 2:
            first, *more = redis_lines(*runs_steps)
            print(f"    {mode:<9} {size:>5} B: {first}")
            for line in more:
                print(f"      {line}")
    if args.profile and "eventlet" in args.modes:
        print_mask_microbenchmark()


async def _saturate_mode(server, mode, args):
    """The ramps of one mode on one Cluster; the TCP checks only on one process in memory."""
    results = []
    alone = server.redis_pid is None
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        if alone:
            await _check_nagle(server, session, mode, args)
        variants = [(size, 0) for size in args.sizes]
        if args.deflate and mode == "eventlet" and alone:
            variants.append((max(args.sizes), 15))
        for size, compress in variants:
            maker = FrameMaker(size)
            meter = Meter()
            pool = PairPool(session, server.urls, meter, compress, together=server.together)
            pool.server = server
            seqs = Sequence()
            tag = ", permessage-deflate as browsers negotiate it" if compress else ""
            frame_bytes = maker.typical_size()
            print(f"\n  [{mode}, {server.label}] {size} B messages ({frame_bytes} B frames{tag})")
            print("  " + STEP_HEADER, flush=True)
            steps, best = [], None
            deadline = time.monotonic() + args.ramp_budget
            first = args.first_rate or args.start_rate.get(size, 500 if size < 1500 else 300)
            for rate in offered_rates(first, args.ramp, args.max_steps):
                r = await offer_load(pool, maker, rate, args.step_seconds, seqs)
                steps.append(r)
                print("  " + step_row(r), flush=True)
                if meter.error_sample:
                    print(f"    server refused: {meter.error_sample}")
                    meter.error_sample = None
                if saturated(r):
                    best = best or dict(r, saturated=True)
                    break
                best = r
                if time.monotonic() > deadline:
                    break
            if pool.failed:
                print(f"    {pool.failed} clients failed to connect")
            results.append((mode, size, server.label, best, compress, steps))
            if args.profile and size == max(args.sizes) and not compress and best is not None:
                # Sample the server (every app process) at the highest rate it kept up with.
                await profile_server(server, pool, maker, best["offered"], args.profile_seconds, seqs,
                                     args.profile_dir)
            await pool.close()
    return results


async def _check_nagle(server, session, mode, args):
    report, seconds, stalls, lost = await nagle_probe(server, session, rounds=args.nagle_rounds)
    print(f"\n  [{mode}] {common.describe_nodelay(report)}")
    band = sum(1 for v in seconds if 36 <= v <= 50)
    print(f"  [{mode}] back-to-back candidate pairs, the 2nd: latency p50 {common.percentile(seconds, 50):.1f} ms, "
          f"p99 {common.percentile(seconds, 99):.1f} ms, max {max(seconds, default=0):.1f} ms; "
          f"{stalls}/{len(seconds)} over 30 ms, {band} of them at 36-50 ms (a delayed ACK's "
          f"signature); lost {lost}")


PART = common.Part("saturation", (cluster.add_arguments, server_profile.add_arguments, add_arguments), defaults,
                   lambda args: 0, run)

if __name__ == "__main__":
    common.main([PART], __doc__)
