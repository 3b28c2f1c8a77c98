"""Honest calls in rooms of their own, relaying numbered offers in turn while an attack runs:
how long each relay took, and whether any was lost or came out of order."""

import json
import threading
import time
import uuid

from tests.harness.raw_socketio import RawSocketIO


class HonestCalls:
    """Use as a context manager around an attack; then read p99() and problems."""

    # Four calls, both directions in turn, one offer every 7.5 ms: each sender sends one
    # every 60 ms, inside its budget of 20 a second; about 300 relays in 3 s, so that
    # the 99th percentile is not decided by two or three pauses of a busy machine.
    def __init__(self, url, pairs=4, pace=0.0075):
        self.pace = pace
        self.turns = []
        for _ in range(pairs):
            caller, callee = RawSocketIO(url), RawSocketIO(url)
            room = f"honest-{uuid.uuid4().hex}"
            assert caller.call(1, "join", {"room": room})["ok"]
            assert callee.call(1, "join", {"room": room})["ok"]
            assert caller.receive().startswith('42/signal,["peer-joined"')
            self.turns += [(caller, callee), (callee, caller)]
        self.latencies = []
        self.problems = []  # lost, reordered or unexpected messages, or a closed socket
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._relay, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)
        for sender, _ in self.turns:
            sender.sock.close()

    def _relay(self):
        n = 0
        while not self._stop.is_set():
            sender, receiver = self.turns[n % len(self.turns)]
            sender.event("signal", {"type": "offer", "sdp": f"v=0\r\ns=honest {n} {time.monotonic()}\r\n"})
            try:
                frame = receiver.receive()
                relayed = json.loads(frame.removeprefix("42/signal,"))
                _, number, sent = relayed[1]["sdp"].split("\r\n")[1].split()
            except Exception as error:  # a timeout, a closed socket, or another message
                self.problems.append(f"relay {n}: {type(error).__name__}: {error}")
                return
            if int(number) != n:
                self.problems.append(f"relay {n}: got {number}")
                return
            self.latencies.append(time.monotonic() - float(sent))
            n += 1
            time.sleep(self.pace)

    def relay_at_least(self, count, timeout=10):
        """Keep relaying until `count` relays are in: an attack that a guard ends
        within moments leaves too few for a percentile, so take those just after it."""
        deadline = time.monotonic() + timeout
        while len(self.latencies) < count and not self.problems and time.monotonic() < deadline:
            time.sleep(0.01)

    def p99(self):
        ordered = sorted(self.latencies)
        return ordered[max(0, int(0.99 * len(ordered)) - 1)]

    def check(self, minimum=100):
        """Nothing lost, at least `minimum` relays, and p99 under 100 ms."""
        assert not self.problems, self.problems
        assert len(self.latencies) >= minimum, f"only {len(self.latencies)} relays during the attack"
        ordered = sorted(self.latencies)
        assert self.p99() < 0.100, (
            f"p99 relay latency during the attack: {self.p99():.3f} s (p50 {ordered[len(ordered) // 2]:.3f} s, "
            f"{len(ordered)} relays); the slowest: {[round(latency, 3) for latency in ordered[-5:]]}"
        )
