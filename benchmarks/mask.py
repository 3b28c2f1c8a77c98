"""The WebSocket unmasking the server ships, timed against eventlet's own on a 5 KB frame.

serving/eventlet_server.py installs serving.websocket_mask.apply_mask as eventlet's
RFC6455WebSocket._apply_mask, which unmasks every client frame one byte at a time
in Python. Both are timed here on the same bytes, in a child process: the
benchmark's own process never imports eventlet.

    python -m benchmarks.mask
"""

import os
import subprocess
import sys
import time
import timeit
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE = 5000
ROUNDS = 200


def time_both(size=SIZE, rounds=ROUNDS):
    """CPU microseconds per call: (eventlet's _apply_mask, serving.websocket_mask.apply_mask).

    Imports eventlet: call it in a process of its own.
    """
    warnings.simplefilter("ignore")  # eventlet's deprecation notice
    from eventlet.websocket import RFC6455WebSocket

    from serving.websocket_mask import apply_mask

    eventlets = RFC6455WebSocket._apply_mask
    if eventlets is apply_mask:
        raise RuntimeError("eventlet's _apply_mask is already replaced: nothing to compare")
    data, mask = os.urandom(size), os.urandom(4)
    if apply_mask(data, mask) != eventlets(data, mask):
        raise RuntimeError("serving.websocket_mask.apply_mask unmasks differently from eventlet")

    def per_call(function):
        return 1e6 * timeit.Timer(lambda: function(data, mask), timer=time.process_time).timeit(rounds) / rounds

    return per_call(eventlets), per_call(apply_mask)


def mask_microbenchmark():
    """time_both() in a child process; None (and why, printed) if it failed."""
    done = subprocess.run([sys.executable, "-m", "benchmarks.mask", "--child"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        print(f"  (mask benchmark failed: {done.stderr.strip()[-300:]})")
        return None
    slow, quick = map(float, done.stdout.split())
    return slow, quick


def print_mask_microbenchmark():
    timing = mask_microbenchmark()
    if timing:
        slow, quick = timing
        print(f"\n  eventlet RFC6455WebSocket._apply_mask on {SIZE:,} bytes: {slow:.0f} us "
              f"({1000 * slow / SIZE:.0f} ns/byte); serving.websocket_mask.apply_mask, which the "
              f"server installs instead: {quick:.1f} us ({slow / quick:.0f} times faster)")


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        print(*time_both())
    else:
        print_mask_microbenchmark()
