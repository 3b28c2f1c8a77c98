"""Timeouts for clients that send too slowly: every async mode's server uses these.

Without them a client could hold a connection forever by sending half a request
(slowloris: 3,000 such connections were held for 75 s and never closed) or by
going silent, and a server at its connection cap stopped answering anyone.

    HEAD_SECONDS   from the moment the server waits for a request on a connection
                   (a new one, or an idle keep-alive one) until the request's line
                   and headers are complete. Trickling a byte at a time does not
                   stretch it, which a per-read timeout alone would allow.
    IDLE_SECONDS   the longest a single read or write may wait for the client.
                   Above Engine.IO's ping interval plus its timeout (25 + 20 s), so
                   a quiet but live WebSocket or long-poll is never cut.
"""

import contextlib
import socket
import threading
import time

HEAD_SECONDS = 20.0
IDLE_SECONDS = 60.0
CHECK_EVERY = 0.5  # how late, at most, a deadline is enforced


class HeadDeadlines:
    """One watcher for every connection, whatever the async mode: reading from a
    connection whose request head is late is shut down, so the server's blocked
    read returns, and the server refuses what it read instead of serving it.
    (Only reading: the server can still answer before it closes the connection.)"""

    def __init__(self, seconds=HEAD_SECONDS, clock=time.monotonic):
        self.seconds = seconds
        self.clock = clock
        self._due = {}  # socket -> when its request head is due
        self._late = set()  # sockets cut off, until the server asks about them
        self._lock = threading.Lock()
        self._watcher = None

    def arm(self, sock):
        """The server starts waiting for a request on sock."""
        with self._lock:
            self._due[sock] = self.clock() + self.seconds
            first = self._watcher is None
            if first:
                # Made on first use, in the server process: a thread made before
                # eventlet's or gevent's monkey-patching would not be green.
                self._watcher = threading.Thread(target=self._watch, name="head-deadlines", daemon=True)
        if first:
            # Outside the lock: a green thread's start lets the other requests run, and
            # they take the lock too.
            self._watcher.start()

    def disarm(self, sock):
        """sock's request head is complete, or the connection is over.
        False if the head was late and reading was cut off: refuse the request."""
        with self._lock:
            self._due.pop(sock, None)
            if sock in self._late:
                self._late.discard(sock)
                return False
            return True

    def is_late(self, sock):
        """Whether reading from sock was cut off, its request head late."""
        with self._lock:
            return sock in self._late

    def expire(self):
        """Shut down every connection whose request head is late; return how many."""
        now = self.clock()
        with self._lock:
            late = [sock for sock, due in self._due.items() if due <= now]
            for sock in late:
                del self._due[sock]
            self._late.update(late)
        for sock in late:
            with contextlib.suppress(OSError):  # already closed by the client
                sock.shutdown(socket.SHUT_RD)
        return len(late)

    def _watch(self):
        while True:
            time.sleep(CHECK_EVERY)
            self.expire()


# One per server process, shared by whichever server the async mode runs.
HEADS = HeadDeadlines()


class HeadDeadline:
    """For request handlers in the style of http.server (eventlet's and Werkzeug's):
    a deadline on each request's line and headers, and never half a head served."""

    def handle_one_request(self):
        HEADS.arm(self.connection)
        try:
            return super().handle_one_request()
        finally:
            HEADS.disarm(self.connection)

    def parse_request(self):
        if HEADS.is_late(self.connection):
            # Cut off in its request line: nothing to parse, nor to answer. (http.server
            # answers a line without its version with an HTML body and no status line.)
            self.close_connection = True
            return False
        parsed = super().parse_request()
        # The head is in (the app's time is its own), or was cut off: never serve half
        # of one, nor read on (what is left would be parsed as the next request).
        if not HEADS.disarm(self.connection):
            self.close_connection = True
            return False
        return parsed
