"""eventlet's WSGI server, with room for a classroom, timeouts, and a faster, fairer WebSocket."""

import ssl

import eventlet
import eventlet.websocket
import eventlet.wsgi

from .deadlines import HeadDeadline
from .eventlet_reads import cap_messages_and_yield
from .tcp import LISTEN_BACKLOG, is_websocket, linger, listening_socket, stop_listening
from .websocket_mask import apply_mask

MAX_CONNECTIONS = 10_000  # eventlet's default is 1,024


class DeadlineProtocol(HeadDeadline, eventlet.wsgi.HttpProtocol):
    """eventlet's HTTP protocol, with a deadline on each request's line and headers."""

    def handle_one_request(self):
        try:
            return super().handle_one_request()
        except ssl.SSLError:
            # With --https: plain HTTP (an http:// URL) or a TLS handshake broken off.
            # The client's mistake, closed; eventlet logged a traceback for each.
            self.close_connection = True
        except ValueError:
            # With --https, a connection idle between requests (a browser keeps them) when
            # the server stops: eventlet shuts it down, which unwraps its TLS socket, and
            # the read that waited on it raises ValueError. Closed, as eventlet meant.
            if self.conn_state[2] != eventlet.wsgi.STATE_CLOSE:
                raise
            self.close_connection = True

    def finish(self):
        if is_websocket(getattr(self, "environ", {})):  # a WebSocket is a connection's last request
            linger(self.connection)
        super().finish()


class DrainingPool(eventlet.GreenPool):
    """The connections. Once the server stops accepting, eventlet waits for them all
    to end: here, only until the grace period of the stop ends."""

    def __init__(self, size, stop):
        super().__init__(size)
        self.stop = stop

    def waitall(self):
        with eventlet.Timeout(self.stop.seconds_left() if self.stop.requested else 0, False):
            super().waitall()


class HeldListener:
    """The listener as eventlet's server loop sees it. Once it stops listening, its
    accept() fails only after the clients have been sent away (`released`): the loop
    then cuts every WebSocket, which would otherwise never get its close packet."""

    def __init__(self, listener, released):
        self._listener = listener
        self._released = released

    def accept(self):
        try:
            return self._listener.accept()
        except OSError:
            self._released.wait()
            raise

    def __getattr__(self, name):
        return getattr(self._listener, name)


def serve_eventlet(app, host, port, certfile, keyfile, idle_timeout, on_sigterm):
    eventlet.websocket.RFC6455WebSocket._apply_mask = staticmethod(apply_mask)
    cap_messages_and_yield()
    listener = listening_socket(
        host, port, lambda address, family: eventlet.listen(address, family, backlog=LISTEN_BACKLOG)
    )
    if certfile:
        # The TLS socket takes the plain one's descriptor over (the plain one is detached):
        # it is the one to stop listening.
        listener = eventlet.wrap_ssl(listener, certfile=certfile, keyfile=keyfile, server_side=True)
    stop = on_sigterm(eventlet.spawn, lambda: stop_listening(listener))
    try:
        eventlet.wsgi.server(HeldListener(listener, stop.done), app, log_output=False,
                             custom_pool=DrainingPool(MAX_CONNECTIONS, stop), socket_timeout=idle_timeout,
                             protocol=DeadlineProtocol)
    except OSError:
        if not stop.requested:
            raise
