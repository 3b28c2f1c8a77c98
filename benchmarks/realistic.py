"""Part 1, realistic calls: K rooms (100, 1,000) whose starts spread evenly over 10 s.

Each room is one call's signaling between two socketio.AsyncClient peers
(tests/harness/load.py): offer and answer of ~5 KB, 20 candidates each a few ms
apart, then `bye`. Prints relay latency, lost, duplicated, reordered, misrouted and
corrupted messages, call times, and the server's CPU, run-queue wait and memory.
Each room count gets a fresh server. With --redis, each room count runs again on
--processes app processes sharing a redis-server, a room's peers on different ones
(benchmarks/cluster.py), and the CPU per delivered signal of both runs is compared.

    python -m benchmarks.realistic --rooms 100,1000
    python -m benchmarks.realistic --rooms 100,1000 --redis --processes 2
    python -m benchmarks.realistic --quick
"""

import asyncio
import gc
import logging
import time

from benchmarks import cluster, common
from serving import ASYNC_MODES
from tests.harness.load import run_realistic


def add_arguments(parser):
    group = parser.add_argument_group("realistic calls")
    group.add_argument("--rooms", type=common.numbers, help="room counts (default 100,1000, the issue's sizes)")
    group.add_argument("--spread", type=float, help="seconds over which rooms start (default 10)")
    group.add_argument("--room-timeout", type=float, default=60.0,
                       help="seconds a room may take before it counts as failed (default 60)")
    group.add_argument("--realistic-mode", default="eventlet", choices=ASYNC_MODES,
                       help="async mode (default eventlet)")


def defaults(args):
    args.rooms = args.rooms or ([10, 50] if args.quick else [100, 1000])
    args.spread = args.spread if args.spread is not None else (3.0 if args.quick else 10.0)


HEADER = (f"{'rooms':>5} {'setup':<32} {'done':>5} {'msgs':>6} {'msg/s':>6} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'max ms':>7} {'lost':>4} {'dup':>3} {'reord':>5} {'misrt':>5} {'corr':>4} {'err':>3} "
          f"{'unfin':>5} {'call p50/p99 s':>14} {'srv CPU s':>9} {'redis s':>7} {'us/msg':>6} "
          f"{'srv wait s':>10} {'srv RSS MiB':>11} {'cli CPU s':>9}")


def run(args):
    # socketio.AsyncClient's engine logs an error when a disconnect finds its send queue empty.
    logging.getLogger("engineio.client").setLevel(logging.CRITICAL)
    runs = cluster.setups(args)
    print(f"\n== 1. Realistic calls: {args.spread:g} s of room starts, {args.realistic_mode} "
          "(offer/answer ~5 KB, 20 candidates each, bye) ==", flush=True)
    print(HEADER, flush=True)
    for rooms in args.rooms:
        per_message = {}
        for processes, redis, together in runs:
            with cluster.measured_cluster(args.realistic_mode, processes, redis, together) as server:
                per_message[redis] = _one_run(server, rooms, args)
        if len(per_message) == 2:
            print(f"  {rooms} rooms: " + cluster.redis_overhead(per_message[False], per_message[True]), flush=True)
    print("  done: rooms whose both byes arrived within the room timeout; msgs: signals delivered;\n"
          "  msg/s: over first send..last delivery; latency: send -> receipt, in this process;\n"
          "  lost..corr: in completed rooms; unfin: sent but not delivered when a room gave up;\n"
          "  call: room start -> both byes in; srv CPU: every app process and redis-server, of which\n"
          "  redis: redis-server's; us/msg: srv CPU per delivered signal; srv wait: time they were\n"
          "  runnable but had no CPU; srv RSS: at start > peak (VmHWM), summed over the processes")


def _one_run(server, rooms, args):
    """One row of the table; returns the CPU microseconds per delivered signal."""
    # The load generator measures every latency, so what earlier runs left in it is
    # frozen out of its collections: a full collection of it after the one-process
    # run stalled its event loop mid-run, and three relays took 44 ms instead of 6.
    gc.collect()
    gc.freeze()
    rss_before = server.rss_mib()
    cpu_before, client_before = server.cpu_seconds(), time.process_time()
    redis_before, wait_before = server.redis_cpu_seconds(), server.run_queue_seconds()
    stats = asyncio.run(run_realistic(server.urls, rooms, args.spread, args.room_timeout, server.together))
    cpu = server.cpu_seconds() - cpu_before
    redis_cpu = server.redis_cpu_seconds() - redis_before
    wait = server.run_queue_seconds() - wait_before
    client_cpu = time.process_time() - client_before
    peak = server.memory_kib()["VmHWM"] / 1024
    window = max(1e-9, stats.last_receive - stats.first_send)
    lat = [common.ms(v) for v in stats.latencies_ns]
    calls = f"{common.percentile(stats.call_seconds, 50):.1f}/{common.percentile(stats.call_seconds, 99):.1f}"
    per_message = 1e6 * cpu / stats.received if stats.received else float("nan")
    print(f"{rooms:>5} {server.label:<32} {rooms - stats.failed_rooms:>5} {stats.received:>6} "
          f"{stats.received / window:>6.0f} {common.fmt_ms(common.percentile(lat, 50))} "
          f"{common.fmt_ms(common.percentile(lat, 99))} {common.fmt_ms(max(lat, default=0))} "
          f"{stats.lost:>4} {stats.duplicated:>3} {stats.reordered:>5} {stats.misrouted:>5} "
          f"{stats.corrupted:>4} {stats.errors:>3} {stats.undelivered_in_failed_rooms:>5} "
          f"{calls:>14} {cpu:>9.2f} {redis_cpu:>7.2f} {per_message:>6.0f} {wait:>10.2f} "
          f"{rss_before:>5.0f}>{peak:<5.0f} {client_cpu:>9.2f}", flush=True)
    for sample in stats.error_samples:
        print(f"       e.g. {sample}")
    return per_message


PART = common.Part("realistic", (cluster.add_arguments, add_arguments), defaults,
                   lambda args: 2 * max(args.rooms) + 200, run)

if __name__ == "__main__":
    common.main([PART], __doc__)
