"""Run the app's web server in the chosen async mode, tuned for small real-time messages."""

import socket

# eventlet's server stops accepting at 1,024 connections unless told otherwise.
MAX_CONNECTIONS = 10_000


def serve(app, host, port, certfile=None, keyfile=None):
    socketio = app.extensions["socketio"]
    mode = socketio.server.eio.async_mode
    if mode == "eventlet":
        serve_eventlet(app, host, port, certfile, keyfile)
    elif mode == "threading" and certfile:
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True,
                     ssl_context=(certfile, keyfile))
    else:
        tls = {"certfile": certfile, "keyfile": keyfile} if certfile else {}
        socketio.run(app, host=host, port=port, log_output=False, allow_unsafe_werkzeug=True, **tls)


def serve_eventlet(app, host, port, certfile, keyfile):
    """What SocketIO.run does for eventlet, plus TCP_NODELAY and a higher connection cap.

    Without TCP_NODELAY, a signaling message written in two pieces waits for the
    browser's delayed ACK (about 40 ms) before its second piece leaves: every
    hop of an offer or answer paid that. Accepted sockets inherit the option.
    """
    import eventlet
    import eventlet.wsgi

    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = eventlet.listen(address, family)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if certfile:
        listener = eventlet.wrap_ssl(listener, certfile=certfile, keyfile=keyfile, server_side=True)
    eventlet.wsgi.server(listener, app, log_output=False, max_size=MAX_CONNECTIONS)
