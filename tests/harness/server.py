"""Run the real app as a subprocess, exactly as a learner starts it."""

import contextlib
import json
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class ServerProcess:
    """A started server: its process, where it listens, and its log."""

    process: subprocess.Popen
    async_mode: str
    port: int
    log: Path
    scheme: str = "http"

    @property
    def url(self):
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def pid(self):
        return self.process.pid

    def output(self):
        return read_log(self.log)

    def health(self):
        """(status, JSON) of its /healthz."""
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=5) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def clients(self):
        """How many Socket.IO clients it holds now, as its /healthz says."""
        return self.health()[1]["clients"]


@contextlib.contextmanager
def server_process(async_mode="eventlet", extra_args=(), timeout=20, port=None, script="app.py", wait=True,
                   **popen):
    """Yield a ServerProcess once it answers (with wait=False, at once); stop it after the block.

    script: app.py, or a wrapper that takes the same arguments (to try a change).
    popen: more subprocess.Popen arguments (env, preexec_fn).
    With --https or --certfile among extra_args, it serves (and is polled over) https.
    """
    port = port or free_port()
    scheme = "https" if {"--https", "--certfile"} & set(extra_args) else "http"
    command = [sys.executable, str(script), "--host", "127.0.0.1", "--port", str(port),
               "--async-mode", async_mode, *extra_args]
    # A file, not a pipe: nobody reads the log while the server runs, and a full
    # pipe would block the server. Opened for appending, so the server always
    # writes at the end, whatever the test reading the log does.
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "server.log"
        with open(log, "ab") as output:
            process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, **popen)
        server = ServerProcess(process, async_mode, port, log, scheme)
        try:
            if wait:
                wait_until_serving(server.url, process, timeout, log)
            yield server
        finally:
            stop_process(process)


@contextlib.contextmanager
def server_processes(count, async_mode="eventlet", extra_args=(), timeout=20):
    """Yield a list of `count` ServerProcesses, started side by side: a start is
    mostly CPU (imports, then every page made once), and this machine has two
    cores. Stop them all after the block."""
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(server_process(async_mode, extra_args, timeout, wait=False))
                   for _ in range(count)]
        for server in servers:
            wait_until_serving(server.url, server.process, timeout, server.log)
        yield servers


@contextlib.contextmanager
def running_server(async_mode="eventlet", extra_args=(), timeout=20, port=None):
    """Yield the URL of a started server."""
    with server_process(async_mode, extra_args, timeout, port) as server:
        yield server.url


def read_log(log):
    return log.read_text(errors="replace")


# The server's own certificate is self-signed: the tests check it themselves.
UNVERIFIED = ssl._create_unverified_context()


def wait_until_started(name, process, answers, timeout, output):
    """Until answers() is true (it catches its own connection errors); fails at once
    if the process exits, and after timeout seconds, each time with its output."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited early:\n{output()}")
        if answers():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{name} did not answer within {timeout} s:\n{output()}")


def wait_until_serving(url, process, timeout, log):
    def answers():
        with contextlib.suppress(OSError), urllib.request.urlopen(url + "/", timeout=1, context=UNVERIFIED) as page:
            return page.status == 200

    wait_until_started(f"the server at {url}", process, answers, timeout, lambda: read_log(log))


def stop_process(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
