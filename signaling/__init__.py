"""The signaling server: a Socket.IO namespace that relays SDP and ICE inside rooms of two.

    namespace.py   the /signal namespace: joins, relays, refusals
    protocol.py    the shape of every message a client may send
    rooms.py       who is in which room
    ratelimit.py   each client's budget of messages and joins
    addresses.py   what each client address holds: connections, places in rooms, joins
    connections.py Engine.IO connections counted per address
    logs.py        one line per refusal, at a bounded rate
    codec.py       Socket.IO packets whose JSON the server cannot read become a refusal
    outbound.py    each client's outbound queue, bounded
    upstream.py    guards around defects of the libraries below

With a message queue (MESSAGE_QUEUE, redis://host:port/db), several processes
serve one set of rooms; what they share lives in Redis:

    shared.py           what init_app adds then (imported only then)
    queue.py            the message queue: python-socketio's RedisManager, retrying promptly,
                        publishing in batches
    store.py            the Redis client, and the refusal while Redis is down
    redis_rooms.py      rooms, changed atomically by Lua scripts
    redis_addresses.py  the per-address counts
    processes.py        heartbeats; the seats of a dead process are freed

`init_app(app)` binds it all to a Flask app, in the style of a Flask extension.
The app's config may override any of DEFAULTS; everything else is fixed here.
"""

import os
from dataclasses import dataclass

from flask_socketio import SocketIO

from . import connections, logs, namespace, outbound, upstream
from .addresses import AddressCounts, AddressLimits
from .codec import SignalingPacket
from .namespace import SignalingNamespace
from .protocol import NAMESPACE
from .ratelimit import Limits
from .rooms import RoomRegistry

DEFAULTS = {
    # None: the best async mode installed (eventlet, then threading).
    "ASYNC_MODE": None,
    # redis://host:port/db: this process is one of several that share rooms there.
    # None: one process, everything in memory.
    "MESSAGE_QUEUE": None,
    # Origins other than the app's own that may open a Socket.IO connection.
    "ALLOWED_ORIGINS": [],
    # Limits (README, "Security and limits").
    "LIMITS": Limits(),
    "ADDRESS_LIMITS": AddressLimits(),
    "MAX_ROOMS": 10_000,
    "MAX_MESSAGE_BYTES": 128 * 1024,  # larger messages close the connection
    # Bytes waiting for a client that stopped reading, at most: then it is disconnected.
    "MAX_QUEUED_BYTES": 1024 * 1024,
}


@dataclass(frozen=True)
class Signaling:
    """What init_app binds to an app: its Socket.IO server and the namespace."""

    app: object
    socketio: SocketIO
    namespace: SignalingNamespace
    shared: object = None  # with a message queue: shared.Shared

    def health(self):
        """(all is well, what /healthz shows): this process, how many clients it
        holds now, and, with a message queue, whether Redis answers."""
        report = {"pid": os.getpid(), "async_mode": self.socketio.async_mode, "clients": self.namespace.clients()}
        if self.shared is None:
            return True, {**report, "message_queue": None}
        answers = self.shared.health()
        return answers, {**report, "message_queue": {"redis": "answers" if answers else "unreachable"}}

    @property
    def rooms(self):
        return self.namespace.rooms

    @property
    def addresses(self):
        return self.namespace.addresses

    def retire(self):
        """At a clean stop (app.py, once SIGTERM's or Ctrl+C's stop is done), with a
        message queue: free this process's seats and counts in Redis now, and tell the
        peers of clients it still held `peer-left`, instead of when the other processes
        notice it is gone (up to 20 s). Nothing to do without a queue."""
        if self.shared is not None:
            self.shared.retire()

    def test_client(self, address="127.0.0.1", **kwargs):
        """An in-process client connected to the namespace (Flask-SocketIO's test client),
        coming from this client address."""
        http = self.app.test_client()
        http.environ_base["REMOTE_ADDR"] = address
        return self.socketio.test_client(self.app, namespace=NAMESPACE, flask_test_client=http, **kwargs)


def allowed_origins(listed):
    """Engine.IO's origin rule: None, its default, allows this app's own pages
    only; a list would allow those origins *instead*, so the app's own step
    pages were refused once another origin was listed. Both, then."""
    if not listed:
        return None

    def allowed(origin, environ):
        own = f"{environ.get('wsgi.url_scheme')}://{environ.get('HTTP_HOST')}"
        return origin == own or origin in listed

    return allowed


def init_app(app):
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    shared = None
    if app.config["MESSAGE_QUEUE"]:
        from .shared import Shared

        shared = Shared(app.config["MESSAGE_QUEUE"], app.config["ADDRESS_LIMITS"], app.config["MAX_ROOMS"])
    socketio = SocketIO(
        app,
        **({"client_manager": shared.manager} if shared else {}),
        async_mode=app.config["ASYNC_MODE"],
        # Pages served by this app, and those of ALLOWED_ORIGINS (never "*").
        cors_allowed_origins=allowed_origins(app.config["ALLOWED_ORIGINS"]),
        max_http_buffer_size=app.config["MAX_MESSAGE_BYTES"],
        # Socket.IO packets only; Engine.IO keeps its own JSON (see codec.py).
        serializer=SignalingPacket,
        # One client's events are handled in the order they arrive. (The default
        # runs each in its own thread or greenlet: cost, and a reordering race.)
        async_handlers=False,
    )
    logs.limit_rate(namespace.log, upstream.log, connections.log, outbound.log)
    upstream.end_sessions_on_broken_frames()
    upstream.close_polling_sessions_without_waiting()
    upstream.end_sessions_left_mid_upgrade()
    upstream.cap_simple_websocket_messages(socketio.server.eio)
    socketio.server.eio.max_queued_bytes = app.config["MAX_QUEUED_BYTES"]
    outbound.bound_queues()
    if shared:
        addresses, rooms = shared.addresses, shared.rooms
    else:
        addresses = AddressCounts(app.config["ADDRESS_LIMITS"])
        rooms = RoomRegistry(max_rooms=app.config["MAX_ROOMS"])
    connections.count_per_address(socketio.server.eio, addresses)
    handler = SignalingNamespace(NAMESPACE, rooms, app.config["LIMITS"], addresses)
    socketio.on_namespace(handler)
    if shared:
        shared.start(socketio, handler)
    app.extensions["signaling"] = Signaling(app, socketio, handler, shared)
    return app.extensions["signaling"]


def of(app):
    """The Signaling that init_app bound to this app."""
    return app.extensions["signaling"]
