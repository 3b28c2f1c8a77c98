"""Start the app's web server in the chosen async mode, tuned for small real-time messages.

    eventlet_server.py    eventlet's WSGI server (the default)
    gevent_server.py      gevent's WSGI server, with simple-websocket
    threading_server.py   Werkzeug's threaded server, with simple-websocket
    websocket_mask.py     a fast WebSocket unmasking for eventlet
    eventlet_reads.py     eventlet's WebSocket: a cap on a whole message, a turn for others per frame
    tcp.py                the listening socket's options

Measured with benchmarks/ (see the README): without these, small messages
stalled ~40 ms on delayed ACKs, eventlet stopped accepting at 1,024
connections and dropped SYNs from a burst of clients, and unmasking a 5 KB
client frame cost eventlet ~3 ms of Python.
"""

ASYNC_MODES = ("eventlet", "gevent", "threading")


def serve(app, host, port, certfile=None, keyfile=None):
    """Serve until interrupted; with certfile and keyfile, HTTPS and WSS."""
    mode = app.extensions["socketio"].server.eio.async_mode
    if mode == "eventlet":
        from .eventlet_server import serve_eventlet as run
    elif mode == "gevent":
        from .gevent_server import serve_gevent as run
    else:
        from .threading_server import serve_threading as run
    run(app, host, port, certfile, keyfile)
