"""Start the app's web server in the chosen async mode, tuned for small real-time messages.

    eventlet_server.py    eventlet's WSGI server (the default)
    gevent_server.py      gevent's WSGI server, with simple-websocket
    threading_server.py   Werkzeug's threaded server, with simple-websocket
    websocket_mask.py     a fast WebSocket unmasking for eventlet
    deadlines.py          timeouts for clients that send too slowly
    eventlet_reads.py     eventlet's WebSocket: a cap on a whole message, a turn for others per frame
    tcp.py                the listening socket's options
    certificate.py        --https: the self-signed certificate, made once and reused
    announce.py           what it prints at start: the LAN URLs and their QR codes

Measured with benchmarks/ (see the README): without these, small messages
stalled ~40 ms on delayed ACKs, eventlet stopped accepting at 1,024
connections and dropped SYNs from a burst of clients, and unmasking a 5 KB
client frame cost eventlet ~3 ms of Python.
"""

from .deadlines import HEAD_SECONDS, HEADS, IDLE_SECONDS

ASYNC_MODES = ("eventlet", "gevent", "threading")


def serve(app, host, port, certfile=None, keyfile=None, request_timeout=HEAD_SECONDS, idle_timeout=IDLE_SECONDS):
    """Serve until interrupted; with certfile and keyfile, HTTPS and WSS.
    The timeouts are deadlines.py's HEAD_SECONDS and IDLE_SECONDS."""
    mode = app.extensions["socketio"].server.eio.async_mode
    if mode == "eventlet":
        from .eventlet_server import serve_eventlet as run
    elif mode == "gevent":
        from .gevent_server import serve_gevent as run
    else:
        from .threading_server import serve_threading as run
    HEADS.seconds = request_timeout
    run(app, host, port, certfile, keyfile, idle_timeout)
