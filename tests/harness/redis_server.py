"""A real Redis for the tests (Debian's redis-server) on a free loopback port,
with no persistence: nothing survives a stop, as with a Redis that restarts empty."""

import contextlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import redis

from .server import free_port, read_log, server_processes, stop_process, wait_until_started

# Seconds an app process may take to start next to another one (eventlet's import
# alone took 2-4 s on a busy 2-core machine); what is tested comes after.
STARTUP = 60


def program():
    """The path of redis-server, or None."""
    return shutil.which("redis-server")


class RedisServer:
    """One redis-server; `stop()` and `start()` again keep its port, as a restart does."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.port = free_port()
        self.log = self.folder / "redis.log"
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        return redis.Redis(port=self.port, decode_responses=True, socket_timeout=5)

    def start(self, timeout=10):
        command = [program(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                   "--dir", str(self.folder)]
        with open(self.log, "ab") as output:
            self.process = subprocess.Popen(command, cwd=self.folder, stdout=output, stderr=subprocess.STDOUT)
        wait_until_started(f"redis-server on port {self.port}", self.process, self._answers, timeout,
                           lambda: read_log(self.log))

    def _answers(self):
        with contextlib.suppress(redis.ConnectionError):
            return self.client().ping()
        return False

    def stop(self):
        stop_process(self.process)


@contextlib.contextmanager
def redis_server():
    """Yield a started RedisServer; stop it (its own PID only) after the block."""
    with tempfile.TemporaryDirectory() as folder:
        server = RedisServer(folder)
        server.start()
        try:
            yield server
        finally:
            server.stop()


@contextlib.contextmanager
def two_app_processes(async_mode, redis_url, *more_args):
    """Yield two ServerProcesses of the real app sharing this Redis (--message-queue).
    The Redis is emptied first: processes stopped before leave their counts behind
    until a survivor notices."""
    redis.Redis.from_url(redis_url).flushall()
    args = ("--message-queue", redis_url, *more_args)
    with server_processes(2, async_mode, extra_args=args, timeout=STARTUP) as (one, two):
        yield one, two
