"""Socket.IO packets for the signaling server: what it cannot read becomes a refusal.

python-socketio decodes every Socket.IO packet with its packet class. JSON it
cannot read (nested deeper than Python's recursion limit, an integer of 100
digits, broken syntax), an ack id of 101 digits, a packet type no client sends,
an event that is not a list, or a packet announcing millions of binary
attachments would otherwise raise inside the library (a traceback in the log
and silence for the client) or make it wait for the attachments. Here each
becomes an event that the namespace answers with a clear error.

Only Socket.IO packets use this. Engine.IO, the layer below, also calls
json.loads, on its own packets, and relies on the ValueError: that is how it
tells the plain string of the transport upgrade's "probe" from JSON. Giving it
this codec (python-socketio's `json=` option does) breaks every client that
starts on long-polling and upgrades, which is the official clients' default.
"""

import json
import re

from engineio.json import loads as engineio_loads  # keeps its guard against huge integers
from socketio import packet as sio

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


# The packets a client may send. Binary ones only so that the namespace can
# refuse a binary payload in words; the protocol has none.
CLIENT_PACKET_TYPES = {sio.CONNECT, sio.DISCONNECT, sio.EVENT, sio.ACK, sio.BINARY_EVENT}
MAX_ATTACHMENTS = 4
# "2/signal,...", "51-/signal,...": the namespace of a packet that cannot be decoded.
NAMESPACE = re.compile(r"[^/,]{0,24}(/[^,]{0,128}),")


class SignalingPacket(sio.Packet):
    json = ForgivingJSON

    def decode(self, encoded_packet):
        try:
            attachments = super().decode(encoded_packet)
            readable = (
                self.packet_type in CLIENT_PACKET_TYPES
                and attachments <= MAX_ATTACHMENTS
                and (self.packet_type not in (sio.EVENT, sio.BINARY_EVENT) or _is_event(self.data))
            )
        except (ValueError, TypeError, IndexError, RecursionError):
            readable = False
        if readable:
            return attachments
        # An event the namespace refuses as unreadable, in the namespace the client used.
        found = NAMESPACE.match(encoded_packet) if isinstance(encoded_packet, str) else None
        self.packet_type, self.id, self.data = sio.EVENT, None, [UNREADABLE]
        self.namespace = found[1] if found else None
        return 0


def _is_event(data):
    return isinstance(data, list) and len(data) > 0
