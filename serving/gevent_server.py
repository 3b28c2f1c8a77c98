"""gevent's WSGI server. WebSocket comes from simple-websocket, which Engine.IO
drives with gevent's own events and selectors."""

import socket

from gevent.pywsgi import WSGIServer

from .tcp import LISTEN_BACKLOG, listening_socket


def bound_socket(address, family):
    sock = socket.socket(family, socket.SOCK_STREAM)  # gevent's, once patched
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(LISTEN_BACKLOG)
    return sock


def serve_gevent(app, host, port, certfile, keyfile):
    tls = {"certfile": certfile, "keyfile": keyfile} if certfile else {}
    listener = listening_socket(host, port, bound_socket)
    WSGIServer(listener, app, log=None, **tls).serve_forever()
