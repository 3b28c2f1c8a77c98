"""Guards around defects of the libraries below the signaling server, each with its test.

python-engineio (seen in 4.15.1): a WebSocket frame that is not an Engine.IO packet
(empty, or not starting with a packet type digit) makes the packet decoder raise
inside Socket._websocket_handler, past the code that ends the session. The web
server then writes an HTTP 500 into the WebSocket stream, and the session, with
its seat in a room, lives on until the ping timeout: the other person learned
that their peer had gone only after about 50 s, and signals sent to the ghost in
the meantime were lost. Guarded here: such a frame ends the session at once.
Test: tests/server/test_broken_packets.py, the broken-frame tests.

python-engineio (seen in 4.15.1): ending a long-polling session from the server
(Server.disconnect: a POST over the size limit, or our flood disconnect) waits
until the client has fetched the goodbye with its next GET, which a client that
hung up never sends. The request that ended the session then waited forever,
holding its thread or greenlet and its socket: 150 refused POSTs held 150
descriptors. Guarded here: a session that is not on WebSocket ends without
waiting; the goodbye stays queued for a GET that may still come.
Test: tests/server/test_timeouts.py, the refused-POST test.

python-engineio (seen in 4.15.1): a client that leaves while its long-polling
session is upgrading to WebSocket (a tab closed within moments of opening: the
Socket.IO client cannot even say goodbye then, as it waits for the upgrade)
closes the WebSocket it was upgrading to. Engine.IO takes that for a failed
upgrade and keeps the session on long-polling, for a client that is gone, until
the ping timeout. Guarded here: a WebSocket that the client closes in the middle
of an upgrade ends its session. Test: tests/server/test_timeouts.py, the
upgrade test; tests/e2e/test_steps.py, a tab closed on each step.

python-engineio (seen in 4.15.1) with simple-websocket (1.1.0), the WebSocket of
the gevent and threading modes: Engine.IO does not pass its largest message size
on, so simple-websocket joined a message's frames without limit, and Engine.IO
checked the size only once the whole message was in memory. simple-websocket
always accepts permessage-deflate, whose frames wsproto (1.3.2) inflates before
anyone checks a size: a 489 KB frame became 480 MiB. Under gevent its reader
never yielded while data kept arriving, so one fast sender stalled every other
connection (as eventlet's did). And its close for a message too big wakes the
reader before marking the connection closed: a reader woken in between waited
forever, holding the session and its socket. Guarded here: the message limit is
passed on, the server never agrees to compress (signaling messages are small;
eventlet's WebSocket inflates within the limit and keeps it), the reader yields
after each piece it reads under gevent (threads take turns anyway), and a close
wakes the reader again.
Test: tests/server/test_heavy_clients.py.
"""

import functools
import logging

import simple_websocket
from engineio import socket as engineio_socket
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

log = logging.getLogger("signaling.upstream")


def end_sessions_on_broken_frames():
    """Wrap Engine.IO's WebSocket handler (once per process, however many apps)."""
    handler = engineio_socket.Socket._websocket_handler
    if getattr(handler, "ends_broken_sessions", False):
        return

    @functools.wraps(handler)
    def guarded(self, ws):
        try:
            return handler(self, ws)
        except ValueError as error:
            log.info("closed %s: a frame that is not an Engine.IO packet (%s)", self.sid, error)
            self.queue.put(None)  # lets the session's writer task end, as the handler would
            self.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_ERROR)
            return []

    guarded.ends_broken_sessions = True
    engineio_socket.Socket._websocket_handler = guarded


def end_sessions_left_mid_upgrade():
    """Wrap Engine.IO's WebSocket handler (once per process, however many apps)."""
    handler = engineio_socket.Socket._websocket_handler
    if getattr(handler, "ends_sessions_left_mid_upgrade", False):
        return

    @functools.wraps(handler)
    def guarded(self, ws):
        upgrading = self.connected  # Engine.IO's own test: a WebSocket for a connected session upgrades it
        watched = _ClosedByClient(ws)
        try:
            return handler(self, watched)
        finally:
            if upgrading and watched.closed and not self.upgraded and not self.closed:
                log.info("closed %s: its client left in the middle of the upgrade to WebSocket", self.sid)
                self.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_CLOSE)

    guarded.ends_sessions_left_mid_upgrade = True
    engineio_socket.Socket._websocket_handler = guarded


class _ClosedByClient:
    """A WebSocket that notes whether the client closed it; otherwise the same."""

    def __init__(self, ws):
        self._ws = ws
        self.closed = False

    def wait(self):
        message = self._ws.wait()
        self.closed = self.closed or message is None
        return message

    def send(self, message):
        try:
            return self._ws.send(message)
        except Exception:  # the client's side is gone: it could not take the answer to its probe
            self.closed = True
            raise

    def __getattr__(self, name):
        return getattr(self._ws, name)


def close_polling_sessions_without_waiting():
    """Wrap Engine.IO's Socket.close (once per process, however many apps)."""
    close = engineio_socket.Socket.close
    if getattr(close, "never_waits_for_polling", False):
        return

    @functools.wraps(close)
    def guarded(self, wait=True, abort=False, reason=None):
        # On WebSocket the session's own writer drains the queue; on long-polling
        # only the client's next GET would, and it may never come.
        return close(self, wait=wait and self.upgraded, abort=abort, reason=reason)

    guarded.never_waits_for_polling = True
    engineio_socket.Socket.close = guarded


# simple-websocket reads 4 KiB at a time: a message of 128 KiB took 32 reads, each
# giving up the GIL and taking it back, and under threading ten senders of such
# messages held calls in other rooms back by tens of milliseconds. An idle
# connection's waiting read does not touch the pages of its buffer. Under gevent a
# read is a turn (GuardedServer below), so a fast sender keeps 4 KiB a turn there.
THREADING_READ_BYTES = 64 * 1024


def cap_simple_websocket_messages(eio):
    """This Engine.IO server's simple-websocket connections (gevent and threading modes)."""
    base = eio._async["websocket"]
    if not (isinstance(base, type) and issubclass(base, SimpleWebSocketWSGI)):
        return  # eventlet's own WebSocket: serving/eventlet_reads.py

    class GuardedServer(simple_websocket.Server):
        def _handle_events(self):
            if eio.async_mode == "gevent":
                eio.sleep(0)  # each piece read lets the other connections run first
            keep_going = super()._handle_events()
            if not keep_going:
                # Closing for a message too big, simple-websocket wakes the reader before
                # it marks the connection closed: a reader woken in between waited forever.
                self.connected = False
                self.event.set()
            return keep_going

    class CappedWebSocket(base):
        def __init__(self, handler, server):
            super().__init__(handler, server)
            self.server_args["max_message_size"] = server.max_http_buffer_size
            if eio.async_mode == "threading":
                self.server_args["receive_bytes"] = THREADING_READ_BYTES

        def __call__(self, environ, start_response):
            # No permessage-deflate offer reaches simple-websocket: it answers without one.
            environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
            self.ws = GuardedServer(environ, **self.server_args)  # as SimpleWebSocketWSGI.__call__
            result = self.app(self)
            if self.ws.mode == "gunicorn":
                raise StopIteration()
            if self.ws.mode == "werkzeug":
                raise ConnectionError()
            return result

    eio._async = {**eio._async, "websocket": CappedWebSocket}
