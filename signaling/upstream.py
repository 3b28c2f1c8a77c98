"""Guards around defects of the libraries below the signaling server, each with its test.

python-engineio (seen in 4.15.1): a WebSocket frame that is not an Engine.IO packet
(empty, or not starting with a packet type digit) makes the packet decoder raise
inside Socket._websocket_handler, past the code that ends the session. The web
server then writes an HTTP 500 into the WebSocket stream, and the session, with
its seat in a room, lives on until the ping timeout: the other person learned
that their peer had gone only after about 50 s, and signals sent to the ghost in
the meantime were lost. Guarded here: such a frame ends the session at once.
Test: tests/server/test_broken_packets.py, the broken-frame tests.

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
