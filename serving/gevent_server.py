"""gevent's WSGI server. WebSocket comes from simple-websocket, which Engine.IO
drives with gevent's own events and selectors."""

import socket
import ssl

import gevent
from gevent.pywsgi import WSGIHandler, WSGIServer

from .deadlines import HEADS
from .tcp import LISTEN_BACKLOG, is_websocket, linger, listening_socket
from .websocket_mask import install_in_wsproto


class DeadlineHandler(WSGIHandler):
    """gevent's handler, with a deadline on each request's line and headers."""

    def handle(self):
        self.socket.settimeout(self.server.idle_timeout)
        super().handle()

    def handle_one_request(self):
        # The plain socket below gevent's: shutting down gevent's own would raise
        # in the reading greenlet and log a traceback.
        connection = self.socket._sock
        HEADS.arm(connection)
        try:
            return super().handle_one_request()
        finally:
            HEADS.disarm(connection)

    def run_application(self):
        super().run_application()
        if is_websocket(self.environ):
            self.close_connection = True  # see serving/tcp.py, is_websocket
            linger(self.socket)

    def read_request(self, raw_requestline):
        parsed = super().read_request(raw_requestline)
        return HEADS.disarm(self.socket._sock) and parsed  # never serve half a head


class Server(WSGIServer):
    def wrap_socket_and_handle(self, client_socket, address):
        try:
            return super().wrap_socket_and_handle(client_socket, address)
        except (ssl.SSLError, ConnectionError):
            # With --https: plain HTTP (an http:// URL), or a client gone before its TLS
            # handshake (a port check). The client's mistake, closed (by the caller):
            # gevent logged a traceback for each.
            return None


def bound_socket(address, family):
    sock = socket.socket(family, socket.SOCK_STREAM)  # gevent's, once patched
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(LISTEN_BACKLOG)
    return sock


def serve_gevent(app, host, port, certfile, keyfile, idle_timeout, on_sigterm):
    install_in_wsproto()
    tls = {"certfile": certfile, "keyfile": keyfile} if certfile else {}
    listener = listening_socket(host, port, bound_socket)
    server = Server(listener, app, log=None, handler_class=DeadlineHandler, **tls)
    server.idle_timeout = idle_timeout
    on_sigterm(gevent.spawn, server.close)  # closes the listener and ends serve_forever
    server.serve_forever()
