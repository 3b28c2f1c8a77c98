"""Socket.IO packets for the signaling server: what it cannot read becomes a refusal.

python-socketio decodes every Socket.IO packet with its packet class. JSON it
cannot read (nested deeper than Python's recursion limit, an integer of 100
digits, broken syntax), an ack id of 101 digits, a packet type no client sends,
an event that is not a list, or a packet announcing millions of binary
attachments would otherwise raise inside the library (a traceback in the log
and silence for the client) or make it wait for the attachments; binary data
that no packet announced was dropped unanswered, outside any rate limit. Here
each becomes an event that the namespace answers with a clear error.

A packet holding more JSON values than any message of the protocol (MAX_JSON_VALUES)
is refused before it is decoded, as `too-large`: 127 KiB of small numbers, arrays or
keys cost json.loads 1.5-13 ms, a JSON string of that size 0.1 ms. Counting is
cheap: an upper bound from four str.count calls settles most short packets; the
rest are walked value by value, skipping each string to its closing quote, and
the walk stops at the limit. (A 5 KB offer: 5 µs, where four counts took 16 µs
and decoding each string on the way 9 µs, more than json.loads itself.)

Only Socket.IO packets use this. Engine.IO, the layer below, also calls
json.loads, on its own packets, and relies on the ValueError: that is how it
tells the plain string of the transport upgrade's "probe" from JSON. Giving it
this codec (python-socketio's `json=` option does) breaks every client that
starts on long-polling and upgrades, which is the official clients' default.
"""

import json
import re
from json.decoder import scanstring

from engineio.json import loads as engineio_loads  # keeps its guard against huge integers
from socketio import packet as sio

from .protocol import MAX_JSON_VALUES
from .protocol import NAMESPACE as SIGNALING_NAMESPACE


class Refusal:
    """What the codec puts in an event's name: not a string, so no client can send one."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"<{self.name}>"


# The event names an unreadable packet, and one with too many values, turn into.
UNREADABLE = Refusal("unreadable")
TOO_MANY_VALUES = Refusal("too many values")


class ForgivingJSON:
    """json's dumps and loads, except that loads never raises for bad input, and an
    event's object goes out as the text it came in, if nothing changed it."""

    @staticmethod
    def dumps(data, *args, **kwargs):
        if _is_arrived_event(data):
            return f"[{json.dumps(data[0])},{data[1].text}]"
        return json.dumps(data, *args, **kwargs)

    @staticmethod
    def loads(text, *args, **kwargs):
        if isinstance(text, str) and holds_more_values(text, MAX_JSON_VALUES):
            return [TOO_MANY_VALUES]
        try:
            data = engineio_loads(text, *args, **kwargs)
        except (ValueError, RecursionError):
            return [UNREADABLE]
        return _keep_object_text(text, data)


def _keep_object_text(text, data):
    """An event of one object, ["name",{...}]: the object keeps its JSON text."""
    if (type(data) is list and len(data) == 2 and type(data[1]) is dict and isinstance(data[0], str)
            and isinstance(text, str)):
        head = f"[{json.dumps(data[0])},"
        if text.startswith(head) and text.endswith("}]"):
            data[1] = ArrivedObject(data[1], text[len(head):-1])
    return data


def _is_arrived_event(data):
    """An event, [name, object], whose object still holds the text it arrived as."""
    return type(data) is list and len(data) == 2 and arrived_text(data[1]) is not None


def arrived_text(value):
    """The JSON text a value arrived as, if it still holds it; else None."""
    kind = type(value)
    if kind is ArrivedObject or kind is RelayedText:
        return value.text
    return None


def _forgets_text(method):
    def changed(self, *args, **kwargs):
        self.text = None
        return method(self, *args, **kwargs)

    return changed


class ArrivedObject(dict):
    """A JSON object as decoded, with the text it was decoded from, until it changes.

    A relayed signal leaves exactly as it came: encoding it again cost json.dumps
    19 µs for a 5 KB offer, 5 % of the server's CPU per relayed message. The text is
    the client's own, already read by json.loads, so the peer reads the same values."""

    __slots__ = ("text",)

    def __init__(self, decoded, text):
        super().__init__(decoded)
        self.text = text

    __setitem__ = _forgets_text(dict.__setitem__)
    __delitem__ = _forgets_text(dict.__delitem__)
    __ior__ = _forgets_text(dict.__ior__)
    clear = _forgets_text(dict.clear)
    pop = _forgets_text(dict.pop)
    popitem = _forgets_text(dict.popitem)
    setdefault = _forgets_text(dict.setdefault)
    update = _forgets_text(dict.update)


class RelayedText:
    """A JSON object known here only by its text: one that a client of another process
    sent, which that process read and checked, and which the message queue carried
    as text (queue.py). It goes out as that text, as an ArrivedObject does; reading it
    back here (json.loads then dumps) cost 18 µs of the ~80 a 5 KB relay through Redis
    added. It has no keys to read: json.dumps, or anything else that looks inside it,
    fails loudly."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return f"RelayedText({self.text[:40]!r})"


# Between values: white space, separators and closing brackets. A number or a literal:
# anything up to the next of those or a quote.
_BETWEEN = re.compile(r"[\s,:\]}]*")
_SCALAR = re.compile(r'[^\s,:\[\]{}"]+')


SHORT_TEXT = 1024  # characters: below it, four counts of the whole text are cheaper than a walk


def holds_more_values(text, limit):
    """Whether this JSON text holds more than `limit` values (strings, numbers,
    literals, arrays, objects; an object's keys count too). Broken JSON is left
    to json.loads, which refuses it (too many values, if the walk gets that far)."""
    # Each value but the first follows a ',', ':', '[' or '{' (counted inside strings
    # too, so this is an upper bound). A long text is usually one long string (an
    # SDP, full of ':' and ','), which the walk skips in one step.
    if len(text) <= SHORT_TEXT and 1 + text.count(",") + text.count(":") + text.count("[") + text.count("{") <= limit:
        return False
    position, values = 0, 0
    while values <= limit:
        position = _BETWEEN.match(text, position).end()
        if position >= len(text):
            return False
        values += 1
        first = text[position]
        if first == '"':
            position = _after_string(text, position + 1)
            if position < 0:
                return False  # an unterminated string: json.loads says unreadable
        elif first in "[{":
            position += 1
        else:
            scalar = _SCALAR.match(text, position)
            if scalar is None:
                return False  # a stray character: json.loads says unreadable
            position = scalar.end()
    return True


def _after_string(text, start):
    """Where a JSON string whose content begins at `start` ends, past its closing
    quote; -1 if it never does."""
    quote = text.find('"', start)
    if quote != -1 and text[quote - 1] != "\\":
        return quote + 1  # no backslash before it: the end (an SDP has no quotes)
    try:
        return scanstring(text, start)[1]  # escapes before a quote: json's C scanner
    except ValueError:
        return -1


# The packets a client may send. Binary ones only so that the namespace can
# refuse a binary payload in words; the protocol has none.
CLIENT_PACKET_TYPES = {sio.CONNECT, sio.DISCONNECT, sio.EVENT, sio.ACK, sio.BINARY_EVENT}
MAX_ATTACHMENTS = 4
# "2/signal,...", "51-/signal,...": the namespace of a packet that cannot be decoded.
NAMESPACE = re.compile(r"[^/,]{0,24}(/[^,]{0,128}),")


class SignalingPacket(sio.Packet):
    json = ForgivingJSON

    def __init__(self, *args, encoded_packet=None, **kwargs):
        super().__init__(*args, encoded_packet=encoded_packet, **kwargs)
        # python-socketio decodes only a packet that is not empty: an empty one became
        # an event without data, and a traceback (an Engine.IO message "4" did it).
        if encoded_packet is not None and len(encoded_packet) == 0:
            self.attachment_count = self.decode(encoded_packet)

    @classmethod
    def data_is_binary(cls, data):
        # A relayed event's object was decoded from text, so it holds no bytes.
        # python-socketio walks every value (through functools.reduce): making and
        # encoding the packet of a 5 KB offer took 5.8 µs with the walk, 3.2 without.
        return False if _is_arrived_event(data) else super().data_is_binary(data)

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
        # An event the namespace refuses as unreadable, in the namespace the client used;
        # binary data nobody announced names none, and is refused (and counted) on /signal.
        # An empty packet names none either.
        if isinstance(encoded_packet, str) and encoded_packet:
            found = NAMESPACE.match(encoded_packet)
            self.namespace = found[1] if found else None
        else:
            self.namespace = SIGNALING_NAMESPACE
        self.packet_type, self.id, self.data = sio.EVENT, None, [UNREADABLE]
        return 0


def _is_event(data):
    return isinstance(data, list) and len(data) > 0
