"""What the benchmark parts share: the server under test and what /proc says of it,
its TCP sockets, percentiles and formatting, and the command line.

The server runs as `python app.py --async-mode MODE` (tests/harness/server.py) on a
free loopback port. Its CPU and run-queue wait come from /proc, so every table can
show what the server itself spent: on a busy 2-core machine, CPU per message moves
far less with contention than throughput does.
"""

import argparse
import contextlib
import ctypes
import math
import os
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from serving.open_files import raise_open_file_limit
from tests.harness import server as harness

CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- what /proc says of a process ------------------------------------------------


def cpu_seconds(pid):
    """User + system CPU of a whole process (all threads), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def run_queue_seconds(pid):
    """Time a process's threads spent runnable but waiting for a CPU (/proc/<pid>/task/*/schedstat)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as stat:
                total += int(stat.read().split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1e9


def memory_kib(pid):
    """{'VmRSS': kib, 'VmHWM': kib} from /proc/<pid>/status."""
    found = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0])
    return found


# --- the server under test ----------------------------------------------------


class Server:
    """A started server (harness.ServerProcess), read from /proc while it runs."""

    def __init__(self, started):
        self.started = started
        self.async_mode, self.port, self.url, self.pid = started.async_mode, started.port, started.url, started.pid

    def cpu_seconds(self):
        return cpu_seconds(self.pid)

    def run_queue_seconds(self):
        return run_queue_seconds(self.pid)

    def memory_kib(self):
        return memory_kib(self.pid)

    def rss_mib(self):
        return self.memory_kib()["VmRSS"] / 1024

    def open_fds(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def problems(self):
        """Tracebacks and errors the server printed, if any."""
        lines = self.started.output().splitlines()
        bad = [i for i, line in enumerate(lines) if "Traceback" in line or "ERROR" in line]
        return "\n".join(lines[bad[0]:bad[0] + 30]) if bad else ""


# Every client of a benchmark comes from 127.0.0.1: lift the per-address limits,
# or the figures would measure them rather than the server.
ONE_ADDRESS_FOR_ALL = ("--per-address-connections", "1000000", "--per-address-rooms", "1000000",
                       "--per-address-joins", "1000000")


@contextlib.contextmanager
def measured_server(async_mode, timeout=30, script="app.py", env=None, extra_args=()):
    """A Server that may hold many sockets; prints what errors it logged when it stops.

    script: app.py, or a wrapper that takes the same arguments (to try a change).
    """
    with harness.server_process(async_mode, (*ONE_ADDRESS_FOR_ALL, *extra_args), timeout=timeout, script=script,
                                env={**os.environ, **(env or {})}, preexec_fn=raise_open_file_limit) as started:
        server = Server(started)
        try:
            yield server
        finally:
            problems = server.problems()
            if problems:
                print(f"  [server {async_mode} printed errors]\n{problems}", flush=True)


# --- its TCP sockets ------------------------------------------------------------


def tcp_nodelay_report(server):
    """Read TCP_NODELAY on the server's own sockets (pidfd_getfd: needs ptrace rights).

    Returns (listener, connections_with_nodelay, connections) or None if not readable.
    """
    try:
        pidfd = os.pidfd_open(server.pid)
    except (AttributeError, OSError):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd_getfd = 438  # the syscall number is the same on every Linux architecture
    listener, on, total = None, 0, 0
    try:
        for name in os.listdir(f"/proc/{server.pid}/fd"):
            try:
                if not os.readlink(f"/proc/{server.pid}/fd/{name}").startswith("socket:"):
                    continue
            except OSError:
                continue
            fd = libc.syscall(pidfd_getfd, pidfd, int(name), 0)
            if fd < 0:
                return None
            try:
                sock = socket.socket(fileno=fd)
            except OSError:
                os.close(fd)
                continue
            try:
                if sock.family != socket.AF_INET or sock.type != socket.SOCK_STREAM:
                    continue
                if sock.getsockname()[1] != server.port:
                    continue
                nodelay = bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                try:
                    sock.getpeername()
                except OSError:
                    listener = nodelay
                    continue
                total += 1
                on += nodelay
            finally:
                sock.detach()
                os.close(fd)
    finally:
        os.close(pidfd)
    return listener, on, total


def describe_nodelay(report):
    if report is None:
        return "TCP_NODELAY: could not read the server's sockets (needs ptrace rights)"
    listener, on, total = report
    return f"TCP_NODELAY: listening socket {'on' if listener else 'off'}; on for {on}/{total} connections"


def tcp_counters(names=("ListenOverflows", "ListenDrops", "TCPSynRetrans")):
    """Kernel TCP counters of this network namespace, from /proc/net/netstat."""
    with open("/proc/net/netstat") as netstat:
        lines = netstat.read().splitlines()
    for header, values in zip(lines[::2], lines[1::2], strict=False):
        if header.startswith("TcpExt:"):
            table = dict(zip(header.split()[1:], map(int, values.split()[1:]), strict=False))
            return {name: table.get(name, 0) for name in names}
    return {}


# --- statistics -------------------------------------------------------------------


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def ms(ns):
    return ns / 1e6


def fmt_ms(value):
    return "    -" if value != value else f"{value:7.1f}"  # NaN -> "-"


# --- command line ------------------------------------------------------------------


def numbers(text):
    return [int(float(part)) for part in text.split(",") if part]


def names(text):
    return [part for part in text.split(",") if part]


@dataclass(frozen=True)
class Part:
    """One part of the benchmark, as the command line runs it."""

    name: str
    options: tuple  # functions that add arguments to the parser; parts may share one
    defaults: Callable  # fills in what was not given, shorter with --quick
    descriptors: Callable  # how many file descriptors the part wants
    run: Callable


def _prog():
    """`python -m benchmarks.X`, as it was started, for the usage line."""
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    return f"python -m {spec.name.removesuffix('.__main__')}" if spec else None


def parse_args(parts, description, argv=None, choose=False):
    """choose: one flag per part (--realistic ...); without any, every part runs."""
    parser = argparse.ArgumentParser(prog=_prog(), description=description)
    if choose:
        for part in parts:
            parser.add_argument(f"--{part.name}", action="store_true", help=f"run the {part.name} part")
    parser.add_argument("--quick", action="store_true", help="a short run")
    for add in dict.fromkeys(add for part in parts for add in part.options):
        add(parser)
    args = parser.parse_args(argv)
    args.parts = [part for part in parts if getattr(args, part.name, False)] or parts
    for part in parts:
        part.defaults(args)
    return args


def machine():
    return (f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
            f"load average {os.getloadavg()[0]:.2f} at start")


def main(parts, description, argv=None, choose=False):
    args = parse_args(parts, description.splitlines()[0], argv, choose)
    limit = raise_open_file_limit()
    needed = max(part.descriptors(args) for part in args.parts)
    if limit < needed:
        print(f"warning: RLIMIT_NOFILE is {limit}; {needed} descriptors are wanted")
    began = time.monotonic()
    print(f"signaling load benchmark: {machine()}", flush=True)
    for part in args.parts:
        part.run(args)
    print(f"\ndone in {time.monotonic() - began:.0f} s; load average {os.getloadavg()[0]:.2f}")
