"""What one hostile client tries against the real server, under each async mode:
each attack bounded in count and time, on loopback, and answered as documented."""

import json
import subprocess
import sys
import time
import uuid

import pytest

from signaling.ratelimit import Limits
from tests.harness.raw_socketio import RawSocketIO, error_code

LIMITS = Limits()


def test_leaving_and_entering_the_namespace_again_keeps_the_join_budget(server):
    client = RawSocketIO(server.url)
    replies = []
    for attempt in range(LIMITS.joins_per_minute + 2):
        replies.append(client.call(attempt, "join", {"room": f"reenter-{uuid.uuid4().hex}"}))
        client.reenter()  # which also leaves the room
    assert [reply["ok"] for reply in replies] == [True] * LIMITS.joins_per_minute + [False, False]
    assert replies[-1]["error"]["code"] == "too-many-joins"


def test_leaving_and_entering_the_namespace_again_keeps_the_message_budget(server):
    client = RawSocketIO(server.url)
    began = time.monotonic()
    codes = []
    for sent in range(LIMITS.message_burst + LIMITS.flood_strikes - 10):
        if sent and sent % 10 == 0:
            client.reenter()
        client.event("signal", {"type": "bye"})
        codes.append(error_code(client.receive()))
    refilled = LIMITS.messages_per_second * (time.monotonic() - began)
    assert "rate-limited" in codes
    assert codes.count("not-in-room") <= LIMITS.message_burst + refilled + 1


# Eight clients asking for a step page 40 times a second in all, for at most 20 s:
# the flood that took the median relay latency to 684 ms when each page cost 20 ms.
PAGE_FLOOD = """
import sys, threading, time, urllib.request
url, seconds = sys.argv[1], float(sys.argv[2])
end = time.monotonic() + seconds
def flood():
    next_request = time.monotonic()
    while next_request < end:
        urllib.request.urlopen(url, timeout=10).read()
        next_request += 8 / 40
        time.sleep(max(0, next_request - time.monotonic()))
threads = [threading.Thread(target=flood) for _ in range(8)]
for thread in threads:
    thread.start()
print("flooding", flush=True)
for thread in threads:
    thread.join()
"""


SAMPLES = 200  # enough for a 99th percentile that one stray pause does not decide
PAIRS = 3  # the senders take turns, so that each stays well inside its message budget


@pytest.mark.quiet
def test_a_page_flood_does_not_slow_calls_in_other_rooms(server):
    pairs = []
    for _ in range(PAIRS):
        caller, callee = RawSocketIO(server.url), RawSocketIO(server.url)
        room = f"flooded-{uuid.uuid4().hex}"
        assert caller.call(1, "join", {"room": room})["ok"]
        assert callee.call(1, "join", {"room": room})["ok"]
        assert caller.receive().startswith('42/signal,["peer-joined"')
        pairs += [(caller, callee), (callee, caller)]
    flood = subprocess.Popen([sys.executable, "-c", PAGE_FLOOD, f"{server.url}/steps/3?room=other", "20"],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert flood.stdout.readline() == "flooding\n"
        latencies = []
        for n in range(SAMPLES):
            sender, receiver = pairs[n % len(pairs)]
            sender.event("signal", {"type": "offer", "sdp": f"v=0\r\ns=message {n} {time.monotonic()}\r\n"})
            relayed = json.loads(receiver.receive().removeprefix("42/signal,"))
            _, number, sent = relayed[1]["sdp"].split("\r\n")[1].split()
            assert int(number) == n  # in order, none lost
            latencies.append(time.monotonic() - float(sent))
            time.sleep(0.010)  # a call's pace: a description, then candidates a few ms apart
        assert flood.poll() is None, "the flood ended before the measurement did"
    finally:
        flood.kill()
        flood.wait()
    p99 = sorted(latencies)[int(0.99 * SAMPLES) - 1]
    assert p99 < 0.100, f"p99 relay latency during the flood: {p99:.3f} s; the slowest: {sorted(latencies)[-5:]}"
