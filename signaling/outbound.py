"""Each client's outbound queue, bounded: a client that stops reading is disconnected.

python-engineio (seen in 4.15.1) queues every packet for a client until its writer
sends it, without limit: a client that never read, while its peer sent legal
60 KiB offers, held 4,234 packets and took the server from 66 to 322 MB. Here the
bytes waiting for each client are counted, and a packet that would take them over
the bound disconnects that client instead: its peer gets `peer-left` (the usual
disconnect), and its TCP connection is shut down at once, since the server's
writer may be stuck sending to it.
Test: tests/server/test_heavy_clients.py, the reader that never reads.
"""

import contextlib
import functools
import logging
import socket
import threading

from engineio import exceptions as engineio_exceptions
from engineio import socket as engineio_socket

log = logging.getLogger("signaling.outbound")


class QueueBudget:
    """Bytes queued for one client, at most `limit` (None: no limit)."""

    def __init__(self, limit):
        self.limit = limit
        self.queued = 0
        self._lock = threading.Lock()  # the peer's thread adds while the writer takes

    def add(self, size):
        """Count a packet in, unless it would take the queue over the limit."""
        with self._lock:
            if self.limit is not None and self.queued + size > self.limit:
                return False
            self.queued += size
            return True

    def remove(self, size):
        with self._lock:
            self.queued = max(0, self.queued - size)


def packet_size(pkt):
    return len(pkt.data) if isinstance(pkt.data, (str, bytes)) else 0


def bound_queues():
    """Wrap Engine.IO's Socket (once per process). Each Engine.IO server's bound is its
    `max_queued_bytes` attribute; a server without one keeps unbounded queues."""
    Socket = engineio_socket.Socket
    if getattr(Socket.send, "bounded", False):
        return
    init, send, poll, websocket_handler = Socket.__init__, Socket.send, Socket.poll, Socket._websocket_handler

    @functools.wraps(init)
    def bounded_init(self, server, *args, **kwargs):
        init(self, server, *args, **kwargs)
        self.outbound = QueueBudget(getattr(server, "max_queued_bytes", None))
        self.transport_socket = None

    @functools.wraps(send)
    def bounded_send(self, pkt):
        size = packet_size(pkt)
        if self.outbound.add(size):
            try:
                return send(self, pkt)
            except engineio_exceptions.SocketIsClosedError:
                # Closed on its own thread since Engine.IO found it open: dropped,
                # as Engine.IO drops a packet for a session already gone.
                self.outbound.remove(size)
                return None
        if not (self.closing or self.closed):
            log.warning("disconnecting %s: %d bytes wait for it; it stopped reading", self.sid,
                        self.outbound.queued)
            self.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_ERROR)
            _shut_down(self.transport_socket)
        return None

    @functools.wraps(poll)
    def counted_poll(self):
        packets = poll(self)
        self.outbound.remove(sum(packet_size(pkt) for pkt in packets))
        return packets

    @functools.wraps(websocket_handler)
    def handler_knowing_its_socket(self, ws):
        # eventlet's WebSocket has .socket; simple-websocket's wrapper, .ws.sock
        self.transport_socket = getattr(ws, "socket", None) or getattr(getattr(ws, "ws", None), "sock", None)
        return websocket_handler(self, ws)

    bounded_send.bounded = True
    Socket.__init__, Socket.send, Socket.poll = bounded_init, bounded_send, counted_poll
    Socket._websocket_handler = handler_knowing_its_socket


def _shut_down(sock):
    """Wake the server's reader and writer of this connection: both then end."""
    if sock is not None:
        with contextlib.suppress(OSError):  # already gone
            sock.shutdown(socket.SHUT_RDWR)
