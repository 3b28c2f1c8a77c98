"""SIGTERM: stop taking connections, send the Socket.IO clients elsewhere, exit 0.

A process manager (systemd, Docker, a rolling restart behind nginx) stops a
process with SIGTERM. Killed at once, the process would leave its clients to
notice by themselves (a WebSocket cut mid-write, a long-poll that hangs) and a
proxy would keep sending new visitors to a port that is going away. Instead:

1. the listening socket stops accepting at once, so new connections are
   refused and a proxy turns to the next server;
2. every Socket.IO client is told to go (send_clients_away): its connection is
   closed the way Engine.IO closes one, so the client reconnects by itself, to
   another process or to this one once it is back, and joins its room again;
3. the process waits for those connections to end, GRACE_SECONDS at most, and
   the server's loop returns: main() prints "Stopped." and exits with 0.

Each async mode's server (eventlet_server.py, ...) says how it stops accepting
and how to start a task from a signal handler. Test: tests/server/test_sigterm.py.
"""

import signal
import threading
import time

GRACE_SECONDS = 5.0  # for the clients to go; well below systemd's and Docker's 10 s before SIGKILL
POLL_SECONDS = 0.02


class GracefulStop:
    """Installed once per server process, by serving.serve."""

    def __init__(self, spawn, stop_accepting, send_clients_away, clients_gone, grace=GRACE_SECONDS):
        self.spawn = spawn  # runs a function as a task of the async mode, from a signal handler
        self.stop_accepting = stop_accepting
        self.send_clients_away = send_clients_away
        self.clients_gone = clients_gone  # () -> whether every Socket.IO client has been sent off
        self.grace = grace
        self.requested = False
        self.deadline = None  # once requested: when the grace period ends
        self.done = threading.Event()  # made after monkey-patching: green under eventlet and gevent

    def install(self):
        signal.signal(signal.SIGTERM, self._signalled)

    def _signalled(self, signum, frame):
        # A signal handler must not block: under eventlet it may run inside the hub.
        if not self.requested:
            self.requested = True
            self.deadline = time.monotonic() + self.grace
            self.spawn(self._stop)

    def seconds_left(self):
        """Of the grace period, once a stop is requested."""
        return max(0.0, self.deadline - time.monotonic())

    def _stop(self):
        try:
            self.stop_accepting()
            self.send_clients_away()
            while not self.clients_gone() and self.seconds_left() > 0:
                time.sleep(POLL_SECONDS)
        finally:
            self.done.set()

    def wait(self):
        """After the server's loop has returned: let a stop under way finish."""
        if self.requested:
            self.done.wait(self.seconds_left())
