"""Guards around defects of the libraries below the signaling server, each with its test.

python-engineio (seen in 4.15.1): a WebSocket frame that is not an Engine.IO packet
(empty, or not starting with a packet type digit) makes the packet decoder raise
inside Socket._websocket_handler, past the code that ends the session. The web
server then writes an HTTP 500 into the WebSocket stream, and the session, with
its seat in a room, lives on until the ping timeout: the other person learned
that their peer had gone only after about 50 s, and signals sent to the ghost in
the meantime were lost. Guarded here: such a frame ends the session at once.
Test: tests/server/test_broken_packets.py, the broken-frame tests.
"""

import functools
import logging

from engineio import socket as engineio_socket

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
