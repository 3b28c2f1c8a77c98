"""Signaling load: latency, throughput and capacity of one server process.

Runs the parts in order (all of them unless some are named): realistic calls
(benchmarks/realistic.py), saturation with its profile (benchmarks/saturation.py)
and capacity (benchmarks/capacity.py). Each starts the real server as a
subprocess on a free loopback port (with --redis, realistic and saturation also
run on app processes sharing a redis-server: benchmarks/cluster.py) and drives
the /signal namespace from this process. Prints figures; it passes or fails nothing. Every part is bounded in
count and time. Every table shows the server's CPU use and its run-queue wait
("srv wait": time it was runnable but other processes had the CPU); on a busy
machine read the CPU cost per message, which contention changes far less than
throughput.

    python -m benchmarks                 # everything, ~10 minutes
    python -m benchmarks --quick         # a short run
    python -m benchmarks --realistic --rooms 100,1000
    python -m benchmarks --realistic --saturation --redis --processes 2
    python -m benchmarks --saturation --modes eventlet --sizes 5000
    python -m benchmarks --capacity --levels 1000,2500,5000,8000

Needs aiohttp (requirements-dev.txt) and, for the profile, py-spy (`pip install
py-spy`; sampling another process needs ptrace rights, e.g. root).
"""

from benchmarks import capacity, realistic, saturation
from benchmarks.common import main

main([realistic.PART, saturation.PART, capacity.PART], __doc__, choose=True)
