"""Werkzeug's threaded server: one thread per connection, WebSocket by simple-websocket."""

import threading

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from .deadlines import HeadDeadline
from .tcp import LISTEN_BACKLOG, is_websocket, linger, set_nodelay, stop_listening
from .websocket_mask import install_in_wsproto


class DeadlineRequestHandler(HeadDeadline, WSGIRequestHandler):
    """Werkzeug's handler, with a deadline on each request's line and headers."""

    def setup(self):
        self.timeout = self.server.idle_timeout  # socketserver sets it on the connection
        super().setup()

    def run_wsgi(self):
        super().run_wsgi()
        if is_websocket(self.environ):
            self.close_connection = True  # see serving/tcp.py, is_websocket
            linger(self.connection)


class Server(ThreadedWSGIServer):
    # Werkzeug listens with a backlog of 128: a burst of clients beyond it had
    # their connections dropped and retried by TCP after seconds of back-off.
    request_queue_size = LISTEN_BACKLOG


def serve_threading(app, host, port, certfile, keyfile, idle_timeout, on_sigterm):
    # Python's GIL switch interval (5 ms) stays. At 1 ms, relays behind a client
    # streaming junk frames were faster (p99 14-17 ms against 37-52), but an
    # overloaded server collapsed: offered 1,688 candidate-sized messages a second,
    # it relayed about 250, at 5.6 ms of CPU each, its threads queueing for the
    # GIL. At 5 ms it relayed all 1,688, and 1,359-1,510 of 2,500
    # (benchmarks.saturation --modes threading, alternating runs).
    install_in_wsproto()
    ssl_context = (certfile, keyfile) if certfile else None
    server = Server(host, port, app, handler=DeadlineRequestHandler, ssl_context=ssl_context)
    server.idle_timeout = idle_timeout
    set_nodelay(server.socket)

    def stop_accepting():
        # shutdown() asks the loop to end and waits until it has; stop_listening
        # refuses new connections meanwhile and wakes the loop at once.
        in_thread(server.shutdown)
        stop_listening(server.socket)

    on_sigterm(in_thread, stop_accepting)
    server.serve_forever()


def in_thread(task):
    threading.Thread(target=task, daemon=True).start()
