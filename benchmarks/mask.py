"""eventlet's WebSocket unmasking on a 5 KB frame, timed in a child process (the
benchmark's own process never imports eventlet).
"""

import subprocess
import sys


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


def print_mask_microbenchmark():
    timing = mask_microbenchmark()
    if timing:
        slow, quick = timing
        print(f"\n  eventlet RFC6455WebSocket._apply_mask on 5,000 bytes: {slow:.0f} us "
              f"({1000 * slow / 5000:.0f} ns/byte); an int.from_bytes XOR of the same: {quick:.1f} us")
