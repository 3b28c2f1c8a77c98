"""Run the app's web server in the chosen async mode, tuned for small real-time messages.

Measured with benchmarks/signaling_load.py (see the README): without these,
small messages stalled ~40 ms on delayed ACKs, eventlet stopped accepting at
1,024 connections and dropped SYNs from a burst of clients, and unmasking a
5 KB client frame cost eventlet ~3 ms of Python.
"""

import socket

MAX_CONNECTIONS = 10_000  # eventlet's default is 1,024
LISTEN_BACKLOG = 2048  # eventlet's default is 50: a classroom joining at once overflows it


def serve(app, host, port, certfile=None, keyfile=None):
    mode = app.extensions["socketio"].server.eio.async_mode
    if mode == "eventlet":
        serve_eventlet(app, host, port, certfile, keyfile)
    else:
        serve_threading(app, host, port, certfile, keyfile)


def listening_socket(host, port, make_socket):
    """A listener with TCP_NODELAY, which accepted connections inherit: a message
    written in two pieces then never waits for the peer's delayed ACK."""
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = make_socket(address, family)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return listener


def serve_eventlet(app, host, port, certfile, keyfile):
    import eventlet
    import eventlet.websocket
    import eventlet.wsgi

    eventlet.websocket.RFC6455WebSocket._apply_mask = staticmethod(apply_mask)
    listener = listening_socket(
        host, port, lambda address, family: eventlet.listen(address, family, backlog=LISTEN_BACKLOG)
    )
    if certfile:
        listener = eventlet.wrap_ssl(listener, certfile=certfile, keyfile=keyfile, server_side=True)
    eventlet.wsgi.server(listener, app, log_output=False, max_size=MAX_CONNECTIONS)


def serve_threading(app, host, port, certfile, keyfile):
    from werkzeug.serving import make_server

    ssl_context = (certfile, keyfile) if certfile else None
    server = make_server(host, port, app, threaded=True, ssl_context=ssl_context)
    server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    server.serve_forever()


def apply_mask(data, mask, length=None, offset=0):
    """XOR a WebSocket payload with its 4-byte mask, as one big integer rather
    than byte by byte: the same bytes as eventlet's version, ~150 times faster."""
    if length is None:
        length = len(data)
    shift = offset % 4
    key = (mask[shift:] + mask[:shift]) * (length // 4 + 1)
    masked = int.from_bytes(data[:length], "big") ^ int.from_bytes(key[:length], "big")
    return masked.to_bytes(length, "big")
