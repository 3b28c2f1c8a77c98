"""eventlet's WSGI server, with room for a classroom, timeouts, and a faster, fairer WebSocket."""

import eventlet
import eventlet.websocket
import eventlet.wsgi

from .deadlines import HeadDeadline
from .eventlet_reads import cap_messages_and_yield
from .tcp import LISTEN_BACKLOG, listening_socket
from .websocket_mask import apply_mask

MAX_CONNECTIONS = 10_000  # eventlet's default is 1,024


class DeadlineProtocol(HeadDeadline, eventlet.wsgi.HttpProtocol):
    """eventlet's HTTP protocol, with a deadline on each request's line and headers."""


def serve_eventlet(app, host, port, certfile, keyfile, idle_timeout):
    eventlet.websocket.RFC6455WebSocket._apply_mask = staticmethod(apply_mask)
    cap_messages_and_yield()
    listener = listening_socket(
        host, port, lambda address, family: eventlet.listen(address, family, backlog=LISTEN_BACKLOG)
    )
    if certfile:
        listener = eventlet.wrap_ssl(listener, certfile=certfile, keyfile=keyfile, server_side=True)
    eventlet.wsgi.server(listener, app, log_output=False, max_size=MAX_CONNECTIONS,
                         socket_timeout=idle_timeout, protocol=DeadlineProtocol)
