"""The message queue's listener (signaling/queue.py) against a real Redis that
stops and starts again: it is listening again within a second or so of Redis
being back, however long Redis was away (python-socketio's own waited twice as
long after each failure, up to 60 s)."""

import subprocess
import sys
import time

from signaling import queue
from tests.harness.resources import wait_until
from tests.harness.server import ROOT, stop_process

# The listener alone, in a process of its own, printing what it receives.
LISTENER = """
import sys
from signaling import queue
for message in queue.manager(sys.argv[1])._listen():
    print(message.decode(), flush=True)
"""
OUTAGE = 8  # seconds: python-socketio's listener would next try 7 s after Redis is back


def subscribers(redis):
    return redis.client().pubsub_numsub(queue.CHANNEL)[0][1]


def test_the_listener_is_back_within_seconds_of_redis(redis, tmp_path):
    output = tmp_path / "listener.out"
    with open(output, "wb") as out:
        listener = subprocess.Popen([sys.executable, "-c", LISTENER, redis.url], cwd=ROOT, stdout=out,
                                    stderr=subprocess.STDOUT)
    try:
        assert wait_until(lambda: subscribers(redis) == 1, 10)
        redis.stop()
        time.sleep(OUTAGE)  # the outage itself: the listener fails to connect again and again
        redis.start()
        back = time.monotonic()
        assert wait_until(lambda: subscribers(redis) == 1, 4)
        print(f"listening again {time.monotonic() - back:.1f} s after Redis was back")
        redis.client().publish(queue.CHANNEL, "after the outage")
        assert wait_until(lambda: "after the outage" in output.read_text(), 5), output.read_text()
    finally:
        stop_process(listener)
