"""Where the server's CPU goes: py-spy samples it, and its stacks are sorted into categories.

Used by the saturation part (the server relaying 5 KB messages) and the capacity
part (the server holding idle connections). Needs py-spy (`pip install py-spy`);
sampling another process needs ptrace rights, e.g. root.
"""

import asyncio
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections import Counter
from pathlib import Path

import socketio

ROOT = Path(__file__).resolve().parents[1]  # the checkout the server runs from


def _folders_to_strip():
    """Where the server's modules live, so a function reads `eventlet/websocket.py`, not
    its whole path. The server runs with this interpreter, from this checkout."""
    paths = sysconfig.get_paths()
    folders = {paths["purelib"], paths["platlib"], paths["stdlib"], paths["platstdlib"],
               str(Path(socketio.__file__).parents[1]), str(ROOT)}
    return sorted((folder.rstrip(os.sep) + os.sep for folder in folders), key=len, reverse=True)


STRIP = _folders_to_strip()
OURS = {package: f"{ROOT / package}{os.sep}" for package in ("signaling", "serving")}


def add_arguments(parser):
    group = parser.add_argument_group("profile (saturation and capacity)")
    group.add_argument("--no-profile", dest="profile", action="store_false", help="skip py-spy")
    group.add_argument("--profile-dir", help="keep py-spy's raw stacks here (default: discard them)")


CATEGORIES = [
    # (label, test on one frame "function (file:line)"), checked from the innermost frame outwards
    ("socket I/O (send/recv, eventlet greenio)", lambda f: any(s in f for s in (
        "eventlet/greenio/", "/socket.py", "/ssl.py", "/selectors.py"))),
    ("eventlet hub / green-thread switching", lambda f: any(s in f for s in (
        "eventlet/hubs/", "eventlet/greenthread.py", "eventlet/queue.py", "eventlet/event.py",
        "eventlet/semaphore.py", "eventlet/timeout.py", "eventlet/green/threading.py",
        "eventlet/lock.py"))),
    ("WebSocket framing, other (eventlet.websocket)", lambda f: "eventlet/websocket.py" in f),
    ("WebSocket framing (simple-websocket, wsproto)", lambda f: "simple_websocket/" in f or "wsproto/" in f),
    ("JSON encode/decode", lambda f: "/json/" in f),
    ("our namespace (signaling/)", lambda f: OURS["signaling"] in f),
    ("our server tuning (serving/, e.g. its WebSocket unmasking)", lambda f: OURS["serving"] in f),
    ("Socket.IO / Engine.IO packets and dispatch", lambda f: "/socketio/" in f or "/engineio/" in f),
    ("Flask / Flask-SocketIO request context", lambda f: "/flask/" in f or "/flask_socketio/" in f
        or "/werkzeug/" in f),
    ("threads, queues, locks (stdlib)", lambda f: any(s in f for s in (
        "/threading.py", "/queue.py", "/logging/"))),
]
UNMASK = "eventlet frame unmasking (_apply_mask, byte by byte)"


def categorise(stack):
    if not stack.strip():
        return "no Python frame (C: eventlet's hub, greenlet switches, thread start-up)"
    frames = stack.split(";")
    if any("_apply_mask" in f and "eventlet/websocket.py" in f for f in frames):
        return UNMASK
    for frame in reversed(frames):
        for label, test in CATEGORIES:
            if test(frame):
                return label
    return "other"


def short_place(where):
    """A file path without the folder it was installed in."""
    for folder in STRIP:
        if where.startswith(folder):
            return where[len(folder):]
    return where


def read_profile(path):
    """py-spy raw output -> (samples, categories, inclusive markers, leaf functions), as Counters."""
    shares, inclusive, leaves, total = Counter(), Counter(), Counter(), 0
    markers = {"on_signal (our handler, incl. its emit)": "on_signal (",
               "validate_signal": "validate_signal (", "rate limit check": "_check_rate (",
               "Flask-SocketIO _handle_event": "_handle_event (/",
               "Engine.IO client monitor (_service_task)": "_service_task (",
               "json.dumps": "dumps (", "json.loads": "loads ("}
    with open(path) as raw:
        for line in raw:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            total += n
            shares[categorise(stack)] += n
            for label, marker in markers.items():
                if marker in stack:
                    inclusive[label] += n
            leaf = stack.rsplit(";", 1)[-1].strip()
            if not leaf:
                leaves["(no Python frame)"] += n
                continue
            function, _, where = leaf.partition(" (")
            leaves[f"{function} ({short_place(where.rsplit(':', 1)[0])})"] += n
    return total, shares, inclusive, leaves


NO_PY_SPY = "  (no profile: `pip install py-spy` to get one)"


def py_spy_executable():
    """py-spy's path, or None if it is not installed."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return spy if os.path.exists(spy) else None


def py_spy_command(spy, pid, seconds, out, gil=False):
    """spy: py_spy_executable()'s path. py-spy samples a thread only while it runs
    (not waiting in epoll, recv or a lock).

    Under threading, a thread that waits for the GIL looks busy to it, so there it
    samples only the thread holding the GIL (--gil): Python's own CPU.
    """
    return [spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "100",
            "--nonblocking", "--format", "raw", "--full-filenames", "-o", out, *(["--gil"] if gil else [])]


async def py_spy(server, seconds, keep_dir=None, name="profile"):
    """Sample the server for `seconds`; returns (path of raw stacks, CPU seconds used) or None."""
    spy = py_spy_executable()
    if spy is None:
        print(NO_PY_SPY)
        return None
    if keep_dir:
        os.makedirs(keep_dir, exist_ok=True)
        out = os.path.join(keep_dir, f"{name}.txt")
    else:
        handle, out = tempfile.mkstemp(suffix=".txt", prefix="py-spy-")
        os.close(handle)
    command = py_spy_command(spy, server.pid, seconds, out, gil=server.async_mode == "threading")
    cpu0 = server.cpu_seconds()
    spying = await asyncio.create_subprocess_exec(*command, stdout=subprocess.DEVNULL,
                                                  stderr=subprocess.PIPE)
    _, stderr = await spying.communicate()
    cpu = server.cpu_seconds() - cpu0
    if spying.returncode != 0 or not os.path.exists(out):
        print(f"  (py-spy failed: {stderr.decode()[-300:]})")
        return None
    return out, cpu  # an empty file: no busy samples


async def py_spy_each(servers, seconds, keep_dir=None, name="profile"):
    """Sample every app process at once (several, with a message queue); returns
    (paths of raw stacks, CPU seconds they used together), or None."""
    if py_spy_executable() is None:
        print(NO_PY_SPY)
        return None
    names = [name] if len(servers) == 1 else [f"{name}-{i + 1}" for i in range(len(servers))]
    spied = await asyncio.gather(*(py_spy(server, seconds, keep_dir, each)
                                   for server, each in zip(servers, names, strict=True)))
    if any(result is None for result in spied):
        for path, _ in filter(None, spied):
            if not keep_dir:
                os.unlink(path)
        return None
    return [path for path, _ in spied], sum(cpu for _, cpu in spied)


def print_profile(paths, per, units, keep=False, top=10):
    """Shares of the busy samples of one or more processes by category, and the
    busiest functions (self time)."""
    total, shares, inclusive, leaves = 0, Counter(), Counter(), Counter()
    for path in paths:
        samples, *counters = read_profile(path)
        total += samples
        for summed, counted in zip((shares, inclusive, leaves), counters, strict=True):
            summed.update(counted)
        if not keep:
            os.unlink(path)
    if not total:
        print("    (no busy samples)")
        return
    for label, n in shares.most_common():
        print(f"    {100 * n / total:5.1f}%  ~{per * n / total:6.0f} us/{units}  {label}")
    print("    inclusive (on the stack):", ", ".join(
        f"{label} {100 * n / total:.1f}%" for label, n in inclusive.most_common()))
    print("    busiest functions (self):", "; ".join(
        f"{100 * n / total:.1f}% {name}" for name, n in leaves.most_common(top)))
