"""A small realistic load on a real eventlet server: every relayed message arrives once, in order,
at the right client.

50 rooms start over 2 s; each is one call's signaling between two socketio.AsyncClient
peers (offer and answer of ~5 KB, 20 candidates each, bye), exactly as
benchmarks/realistic.py runs it. The server is a subprocess: eventlet must
never patch, or even be imported by, the pytest process.
"""

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.harness.load import CANDIDATES_PER_PEER, run_realistic
from tests.harness.server import running_server

ROOMS = 50


@pytest.mark.quiet
def test_fifty_concurrent_calls_lose_duplicate_reorder_and_misroute_nothing():
    # A thread of its own: Playwright's session (other tests) keeps an event loop
    # running in this one, and asyncio.run() refuses to nest in it.
    with running_server("eventlet") as url, ThreadPoolExecutor(max_workers=1) as thread:
        load = run_realistic(url, rooms=ROOMS, spread=2.0, room_timeout=20)
        stats = thread.submit(asyncio.run, load).result()

    assert stats.failed_rooms == 0, stats.error_samples
    assert stats.errors == 0, stats.error_samples  # e.g. rate-limited: the load must stay under it
    assert {
        "lost": stats.lost,
        "duplicated": stats.duplicated,
        "reordered": stats.reordered,
        "misrouted": stats.misrouted,
        "corrupted": stats.corrupted,
    } == dict.fromkeys(("lost", "duplicated", "reordered", "misrouted", "corrupted"), 0)
    per_peer = 1 + CANDIDATES_PER_PEER + 1  # offer or answer, candidates, bye
    assert stats.sent == stats.received == ROOMS * 2 * per_peer
    assert "eventlet" not in sys.modules
