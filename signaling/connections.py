"""Engine.IO connections counted per address; past the limit, the handshake is refused.

Counted at the Engine.IO level, not on entering /signal: a connection costs the
server memory and a seat in its connection cap whether or not it enters the
namespace. A refused handshake gets HTTP 401 (Engine.IO's answer for a connection
the application rejects) with {code: "too-many-connections", message} as its body.
"""

import logging

from .addresses import address_key
from .protocol import SignalingError

log = logging.getLogger(__name__)


def count_per_address(eio, counts):
    """Wrap the Engine.IO server's connect and disconnect handlers (python-socketio's)."""
    connect, disconnect = eio.handlers["connect"], eio.handlers["disconnect"]
    address_of = {}  # Engine.IO session id -> the address it counts under

    def counted_connect(sid, environ):
        address = address_key(environ.get("REMOTE_ADDR"))
        if not counts.open_connection(address):
            log.info("refused a connection from %s: too-many-connections", address)
            return SignalingError(
                "too-many-connections",
                f"This address already has {counts.limits.connections} connections open; "
                "close some and try again.",
            ).as_dict()
        address_of[sid] = address
        return connect(sid, environ)

    def counted_disconnect(sid, *reason):
        try:
            return disconnect(sid, *reason)
        finally:  # once per accepted connection: a refused one never gets here
            address = address_of.pop(sid, None)
            if address is not None:
                counts.close_connection(address)

    eio.on("connect", counted_connect)
    eio.on("disconnect", counted_disconnect)
