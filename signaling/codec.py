"""Socket.IO packets for the signaling server: unreadable JSON becomes a refusal.

python-socketio decodes every Socket.IO packet with its packet class's JSON
module. JSON it cannot read (nested deeper than Python's recursion limit, an
integer of 100 digits, broken syntax) would otherwise raise inside the library:
a traceback in the log and silence for the client. Here it becomes an event
that the namespace answers with a clear error.

Only Socket.IO packets use this. Engine.IO, the layer below, also calls
json.loads, on its own packets, and relies on the ValueError: that is how it
tells the plain string of the transport upgrade's "probe" from JSON. Giving it
this codec (python-socketio's `json=` option does) breaks every client that
starts on long-polling and upgrades, which is the official clients' default.
"""

import json

from engineio.json import loads as engineio_loads  # keeps its guard against huge integers
from socketio.packet import Packet

# The event name an unreadable packet turns into. No browser sends it.
UNREADABLE = "\x00unreadable"


class ForgivingJSON:
    """json's dumps and loads, except that loads never raises for bad input."""

    dumps = staticmethod(json.dumps)

    @staticmethod
    def loads(text, *args, **kwargs):
        try:
            return engineio_loads(text, *args, **kwargs)
        except (ValueError, RecursionError):
            return [UNREADABLE]


class SignalingPacket(Packet):
    json = ForgivingJSON
