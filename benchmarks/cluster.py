"""The server under test as one process in memory, or as N app processes sharing one
redis-server (`--message-queue`), measured as a whole.

With Redis, the CPU, run-queue wait and memory are those of every app process and of
redis-server together: a relay that crosses Redis costs the sending process, Redis
and the receiving process, and all of it is what one relayed message costs. Clients
are spread so that a room's two peers sit on different processes (the caller on
process i mod N, the callee on i + 1 mod N): with N = 2 every relay crosses Redis.
With --together both sit on process i mod N, as a proxy that sends a room's members
to one process would place them: relays then stay in their process, and Redis
costs only the rooms, counts and heartbeats it keeps.
"""

import contextlib

from benchmarks import common
from tests.harness.redis_server import STARTUP, redis_server


def add_arguments(parser):
    group = parser.add_argument_group("Redis (realistic and saturation)")
    group.add_argument("--redis", action="store_true",
                       help="also run each case on app processes sharing a redis-server (--message-queue), "
                            "and compare its CPU per relayed message with one process in memory")
    group.add_argument("--processes", type=int, default=1,
                       help="app processes in the Redis run (default 1; 2 puts a room's peers on different ones)")
    group.add_argument("--together", action="store_true",
                       help="in the Redis run, put a room's two peers on the same process (relays stay in it)")


def setups(args):
    """(processes, redis) of each run: one process in memory, then the Redis run if asked for."""
    if args.processes < 1 or (args.processes > 1 and not args.redis):
        raise SystemExit("--processes N (N > 1) needs --redis: processes share rooms only through Redis")
    if args.together and not args.redis:
        raise SystemExit("--together is a placement for the Redis run: add --redis")
    return [(1, False, False)] + ([(args.processes, True, args.together)] if args.redis else [])


def label(processes, redis, together=False):
    if not redis:
        return "1 process, in memory"
    return f"{processes} process{'es' if processes > 1 else ''} + Redis" + (", together" if together else "")


class Cluster:
    """App processes (common.Server) and an optional redis-server, read from /proc as one."""

    def __init__(self, servers, redis_pid=None, together=False, redis_client=None):
        self.servers, self.redis_pid, self.together = servers, redis_pid, together
        self.redis_client = redis_client
        first = servers[0]
        # One process's own figures (TCP_NODELAY) are read from the first.
        self.async_mode, self.port, self.url, self.pid = first.async_mode, first.port, first.url, first.pid
        self.urls = [server.url for server in servers]
        self.label = label(len(servers), redis_pid is not None, together)

    def pids(self):
        return [server.pid for server in self.servers] + ([self.redis_pid] if self.redis_pid else [])

    def cpu_seconds(self):
        return sum(common.cpu_seconds(pid) for pid in self.pids())

    def redis_cpu_seconds(self):
        return common.cpu_seconds(self.redis_pid) if self.redis_pid else 0.0

    def publishes(self):
        """PUBLISH commands redis-server has run: each carries a batch of messages
        between processes (signaling/queue.py). None without Redis."""
        if self.redis_client is None:
            return None
        return self.redis_client.info("commandstats").get("cmdstat_publish", {}).get("calls", 0)

    def run_queue_seconds(self):
        return sum(common.run_queue_seconds(pid) for pid in self.pids())

    def memory_kib(self):
        """VmRSS and VmHWM summed over the processes (the peaks need not coincide)."""
        total = {"VmRSS": 0, "VmHWM": 0}
        for pid in self.pids():
            for name, kib in common.memory_kib(pid).items():
                total[name] += kib
        return total

    def rss_mib(self):
        return self.memory_kib()["VmRSS"] / 1024


@contextlib.contextmanager
def measured_cluster(async_mode, processes=1, redis=False, together=False):
    """Yield a started Cluster; stop every process it started after the block."""
    with contextlib.ExitStack() as stack:
        extra, redis_pid, client, timeout = (), None, None, 30
        if redis:
            store = stack.enter_context(redis_server())
            extra, timeout = ("--message-queue", store.url), STARTUP
            redis_pid, client = store.process.pid, store.client()
        servers = [stack.enter_context(common.measured_server(async_mode, timeout=timeout, extra_args=extra))
                   for _ in range(processes)]
        yield Cluster(servers, redis_pid, together, client)


def added_percent(base_us, redis_us):
    """How much more CPU per message Redis takes, in percent; None without two figures to compare."""
    if not base_us or not redis_us or base_us != base_us or redis_us != redis_us:  # 0, or NaN
        return None
    return 100 * (redis_us / base_us - 1)


def redis_overhead(base_us, redis_us, what="relayed message"):
    """The line comparing CPU per message with Redis against one process in memory."""
    added = added_percent(base_us, redis_us)
    if added is None:
        return f"Redis adds ? % CPU per {what} (no figure to compare)"
    return (f"Redis adds {added:.0f} % CPU per {what} "
            f"({base_us:.0f} us in memory -> {redis_us:.0f} us with Redis, app processes and redis-server)")
