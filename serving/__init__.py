"""Start the app's web server in the chosen async mode, tuned for small real-time messages.

    eventlet_server.py    eventlet's WSGI server (the default)
    gevent_server.py      gevent's WSGI server, with simple-websocket
    threading_server.py   Werkzeug's threaded server, with simple-websocket
    websocket_mask.py     fast WebSocket unmasking (websockets' C code) for eventlet and wsproto
    deadlines.py          timeouts for clients that send too slowly
    graceful.py           SIGTERM: stop accepting, send the clients elsewhere, exit 0
    eventlet_reads.py     eventlet's WebSocket: a cap on a whole message, a turn for others when a client sends fast
    tcp.py                the listening socket's options; a WebSocket's lingering close
    open_files.py         the limit on open files (sockets), raised as far as allowed
    certificate.py        --https: the self-signed certificate, made once and reused
    announce.py           what it prints at start: the LAN URLs and their QR codes

Measured with benchmarks/ (see the README): without these, small messages
stalled ~40 ms on delayed ACKs, eventlet stopped accepting at 1,024
connections and dropped SYNs from a burst of clients, and unmasking a 5 KB
client frame cost eventlet ~3 ms of Python.
"""

import functools
import gc

from .deadlines import HEAD_SECONDS, HEADS, IDLE_SECONDS
from .graceful import GracefulStop
from .open_files import raise_open_file_limit

ASYNC_MODES = ("eventlet", "gevent", "threading")


def serve(app, host, port, certfile=None, keyfile=None, request_timeout=HEAD_SECONDS, idle_timeout=IDLE_SECONDS,
          send_clients_away=None):
    """Serve until interrupted or stopped by SIGTERM (graceful.py); with certfile
    and keyfile, HTTPS and WSS. The timeouts are deadlines.py's HEAD_SECONDS and
    IDLE_SECONDS. send_clients_away() closes every Socket.IO client's connection
    without waiting (signaling's send_everyone_away); the stop then waits for
    their close packets to go out."""
    eio = app.extensions["socketio"].server.eio
    mode = eio.async_mode
    if mode == "eventlet":
        from .eventlet_server import serve_eventlet as run
    elif mode == "gevent":
        from .gevent_server import serve_gevent as run
    else:
        from .threading_server import serve_threading as run
    HEADS.seconds = request_timeout
    raise_open_file_limit()
    _note_websocket_ends()
    freeze_what_start_made()
    stops = []

    def on_sigterm(spawn, stop_accepting):
        """Called by the server once it listens: spawn starts a task of its async mode.
        Returns the GracefulStop, installed."""
        sent_off = []

        def send_away():
            sent_off.extend(eio.sockets.values())
            if send_clients_away:
                send_clients_away()

        stop = GracefulStop(spawn, stop_accepting, send_away, lambda: all(map(_delivered, sent_off)))
        stop.install()
        stops.append(stop)
        return stop

    run(app, host, port, certfile, keyfile, idle_timeout, on_sigterm)
    for stop in stops:
        stop.wait()


def freeze_what_start_made():
    """Keep what exists at start (the app, its modules and templates: ~100,000 objects)
    out of every later garbage collection. A full collection walked them all: 40 ms on
    a quiet machine, 80-100 ms under load, a stall of every connection that showed as
    the p99 of relayed messages (benchmarks/saturation.py). Garbage first, since
    frozen objects are never freed."""
    gc.collect()
    gc.freeze()


def _delivered(session):
    """Whether a closed Engine.IO session is done with: over WebSocket, when its queue
    holds nothing but the marks (None) that end its writer, or when its WebSocket is
    over (a client that hung up before its last packets went out: nothing will send
    them; it kept a stop waiting its whole grace period). A long-polling client gets
    the close in answer to its pending request, or, if its next one comes after the
    close, a 400 for a session that no longer exists: it reconnects either way, so
    it is not waited for."""
    return (not session.upgraded or getattr(session, "websocket_over", False)
            or all(item is None for item in list(session.queue.queue)))


def _note_websocket_ends():
    """Engine.IO's sessions keep no sign that their WebSocket has ended: its handler
    leaves one (websocket_over), once per process."""
    from engineio import socket as engineio_socket
    handler = engineio_socket.Socket._websocket_handler
    if getattr(handler, "notes_its_end", False):
        return

    @functools.wraps(handler)
    def noted(self, ws):
        try:
            return handler(self, ws)
        finally:
            self.websocket_over = True

    noted.notes_its_end = True
    engineio_socket.Socket._websocket_handler = noted
