"""The /signal namespace: joins, relays inside rooms of two, and refusals.

The server never looks inside a session description; it checks that each
message has one of the protocol's shapes (protocol.py), then forwards it,
unchanged, to the other member of the sender's room (rooms.py). Media never
passes through here. The protocol is documented in the README.

Anything a client gets wrong is refused to that client alone, with a code and a
sentence, and logged in one line; nobody else notices.
"""

import logging

from flask import request
from flask_socketio import Namespace

from .addresses import address_key
from .codec import TOO_MANY_VALUES, UNREADABLE
from .protocol import MAX_JSON_VALUES, SignalingError, validate_join, validate_offer_ahead, validate_signal
from .ratelimit import ClientAllowance

log = logging.getLogger(__name__)

# Events a client may send; each has an on_<event> handler below (offer-ahead: on_offer_ahead).
CLIENT_EVENTS = frozenset({"join", "leave", "signal", "offer-ahead"})
# Events answered through their acknowledgement rather than an `error` event.
ACKED_EVENTS = frozenset({"join", "leave"})


class SignalingNamespace(Namespace):
    """Rooms of two: the first member waits, the second one's arrival starts the call."""

    def __init__(self, namespace, rooms, limits, addresses):
        super().__init__(namespace)
        self.rooms = rooms
        self.limits = limits
        self.addresses = addresses  # AddressCounts: what each client address holds
        self._place_of = {}  # sid in a room -> the address its place counts against
        # One budget per connection (Engine.IO session), not per namespace entry:
        # leaving the namespace and entering it again must not refill it.
        self._allowances = {}  # Engine.IO session id -> ClientAllowance
        self._session_of = {}  # sid in this namespace -> its Engine.IO session id
        self.sending_away = False  # this process is stopping: see send_everyone_away
        self._offers_ahead = {}  # sid alone in its room -> the offer it left for the next to join

    def trigger_event(self, event, *args):
        """Every client event passes here first: unknown events, floods and crashes stop here."""
        sid = args[0]
        if self._is_lifecycle(event, sid):
            return super().trigger_event(event, *args)
        try:
            self._check_rate(sid, event)
            if event is UNREADABLE:
                raise SignalingError("unreadable", "The server could not read that message as JSON.")
            if event is TOO_MANY_VALUES:
                raise SignalingError("too-large", f"A message may hold at most {MAX_JSON_VALUES} JSON values.")
            if not isinstance(event, str) or event not in CLIENT_EVENTS:
                raise SignalingError("unknown-event", "Events are join, leave, signal and offer-ahead.")
            # Called directly, without the Flask request context that Flask-SocketIO
            # builds for each event: that was a fifth of the server's CPU per relay.
            return getattr(self, f"on_{event.replace('-', '_')}")(sid, *args[1:])
        except SignalingError as refusal:
            return self._refuse(sid, event, refusal)
        except Exception as error:  # a bug of ours: one line in the log, a clear word to the client
            log.error("failed handling %r from %s: %s: %s", event, sid, type(error).__name__, error)
            failure = SignalingError("server-error", "The server failed to handle that.")
            return self._refuse(sid, event, failure)

    def _is_lifecycle(self, event, sid):
        """A real connect or disconnect, not a client's event that borrows the name.

        python-socketio dispatches both the same way, so tell them apart by state:
        a real connect comes before this socket has a budget; a real disconnect
        comes once python-socketio has started taking the socket down.
        """
        if event == "connect":
            return sid not in self._session_of
        if event == "disconnect":
            return not self.server.manager.is_connected(sid, self.namespace)
        return False

    def on_connect(self, auth=None):
        session = self.server.manager.eio_sid_from_sid(request.sid, self.namespace)
        self._session_of[request.sid] = session
        if session not in self._allowances:
            self._forget_closed_sessions()
            self._allowances[session] = ClientAllowance(self.limits)

    def on_join(self, sid, *payload):
        room, key = validate_join(_single(payload, "invalid-room"))
        if not self._allowance(sid).allow_join():
            raise SignalingError("too-many-joins", "Too many joins; wait a minute and try again.")
        others = self._join_counted(sid, room, key)
        # In its room's channel before anyone hears of it, so that no answer comes first.
        self.enter_room(sid, _channel(self.rooms.room_of(sid)))
        # The member already there makes the offer; the newcomer answers. If it
        # left its offer here, the newcomer gets it now, as the signal it would
        # have sent, a trip through that member sooner; and that member is told.
        for other in others:
            offer = self._offers_ahead.pop(other, None)
            if offer is not None:
                self._send("signal", offer, sid)
            self._send("peer-joined", {"offer_sent": True} if offer else {}, other)
        role = "callee" if others else "caller"
        return {"ok": True, "role": role, "peers": len(others)}

    def _join_counted(self, sid, room, key):
        """Join, with the place counted against the client's address."""
        environ = self.server.get_environ(sid, self.namespace) or {}
        address = address_key(environ.get("REMOTE_ADDR"))
        if not self.addresses.allow_join(address):
            raise SignalingError(
                "address-too-many-joins",
                f"Over {self.addresses.limits.joins_per_minute} joins a minute came from your "
                "address; wait a minute and try again.",
            )
        if sid in self._place_of:  # already in a room: let the registry say so
            return self.rooms.join(sid, room, key)
        if not self.addresses.take_room_place(address):
            raise SignalingError(
                "too-many-rooms",
                f"Your address already holds {self.addresses.limits.room_places} places in rooms; "
                "leave some and try again.",
            )
        try:
            others = self.rooms.join(sid, room, key)
        except SignalingError:
            self.addresses.free_room_place(address)
            raise
        self._place_of[sid] = address
        return others

    def on_leave(self, sid, *payload):
        if payload not in ((), (None,)):
            raise SignalingError("invalid-leave", "leave takes no payload.")
        if self._depart(sid) is None:
            raise SignalingError("not-in-room", "You are in no room.")
        return {"ok": True}

    def on_signal(self, sid, *payload):
        message = validate_signal(_single(payload, "invalid-signal"))
        identity = self.rooms.room_of(sid)
        # It negotiates now: an offer it left here is stale. (With a message queue, a
        # newcomer who joined through another process never took it.)
        self._offers_ahead.pop(sid, None)
        self._send_to_room("signal", message, identity, sid)

    def on_offer_ahead(self, sid, *payload):
        """Alone in its room, a member leaves the offer for whoever joins next (the
        latest one counts). Sent once someone has joined, it is dropped: their
        peer-joined has already asked the member for its offer."""
        message = validate_offer_ahead(_single(payload, "invalid-signal"))
        if not self.rooms.peers_of(sid):
            self._offers_ahead[sid] = message

    def clients(self):
        """How many Socket.IO clients this process holds in the namespace now."""
        return len(self._session_of)

    def offers_held(self):
        """How many offers left ahead the server holds (one at most per waiting member)."""
        return len(self._offers_ahead)

    def on_disconnect(self, reason=None):
        sid = request.sid
        session = self._session_of.pop(sid, None)
        if not self._is_open(session):
            self._allowances.pop(session, None)
        self._depart(sid)

    def _depart(self, sid):
        self._leave_channel(sid)
        room, remaining = self.rooms.leave(sid)
        self._offers_ahead.pop(sid, None)
        address = self._place_of.pop(sid, None)
        if address is not None:
            self.addresses.free_room_place(address)
        if not self.sending_away:
            self.peers_gone(remaining)
        return room

    def send_everyone_away(self):
        """This process is stopping (SIGTERM): end every client's connection, so that
        each reconnects (to another process, or to this one restarted) and joins its
        room again. Their peers are not told that they left: the call itself is peer
        to peer and goes on meanwhile."""
        self.sending_away = True
        eio = self.server.eio
        for session_id, session in list(eio.sockets.items()):
            # Dropped, as if the network had dropped it (abort: no close packet):
            # python-socketio's client takes a close packet for "do not come back".
            # Without waiting: serving/graceful.py waits, for a bounded time.
            session.close(wait=False, abort=True, reason=eio.reason.SERVER_DISCONNECT)
            eio.sockets.pop(session_id, None)

    def peers_gone(self, sids):
        """Tell these members that the other one in their room left."""
        for sid in sids:
            self._send("peer-left", {}, sid)

    def seats_lost(self, sids):
        """These clients of this process lost their seats while Redis was down
        (someone else took them meanwhile): they are in no room now, and told so."""
        from .store import UNAVAILABLE  # the Redis side, loaded only with a message queue

        lost = SignalingError(UNAVAILABLE, "The server lost your place in the room while its room store "
                                           "(Redis) was down; join again.")
        for sid in sids:
            self._leave_channel(sid)
            address = self._place_of.pop(sid, None)
            if address is not None:
                self.addresses.free_room_place(address)
            self._send("error", lost.as_dict(), sid)

    def _send_to_room(self, event, data, identity, sid):
        """One event to the other members of sid's room. They sit in its Socket.IO room
        (its channel), on this process or, with a message queue, on others: then the
        queue takes the event to every process, and each delivers it to its own
        members. Members here are reached directly, without a trip to Redis."""
        channel = _channel(identity)
        here = sum(1 for member, _ in self.server.manager.get_participants(self.namespace, channel)
                   if member != sid)
        local = not self.rooms.spans_processes or here == self.rooms.capacity - 1
        self.socketio.emit(event, data, to=channel, skip_sid=sid, namespace=self.namespace,
                           ignore_queue=local)

    def _leave_channel(self, sid):
        """Out of its room's channel, if it is in one and still connected (python-socketio
        takes a disconnected client out of every room itself)."""
        identity = self.rooms.room_of(sid, None)
        if identity is not None and self.server.manager.is_connected(sid, self.namespace):
            self.leave_room(sid, _channel(identity))

    def _send(self, event, data, sid):
        """One event to one client. With a message queue, a client of another process
        is reached through it; one of this process directly, without a trip to Redis."""
        local = self.server.manager.is_connected(sid, self.namespace)
        self.socketio.emit(event, data, to=sid, namespace=self.namespace, ignore_queue=local)

    def undelivered(self, event, sender):
        """The message queue could not pass this event on (Redis is down). A relayed
        signal's sender, if it is here, is refused, as when a join cannot reach Redis."""
        from .store import unavailable  # the Redis side, loaded only with a message queue

        if sender is not None and self.server.manager.is_connected(sender, self.namespace):
            self._refuse(sender, event, unavailable())
        else:
            log.info("could not pass %r through the message queue", event)

    def _check_rate(self, sid, event):
        allowance = self._allowance(sid)
        if allowance.allow_message():
            return
        if allowance.exhausted:
            log.warning("disconnecting %s: it kept flooding", sid)
            self._drop_connection(sid)
        raise SignalingError(
            "rate-limited",
            f"Too many messages: at most {self.limits.messages_per_second:g} a second "
            f"(bursts of {self.limits.message_burst}). This one was dropped.",
        )

    def _allowance(self, sid):
        session = self._session_of.get(sid, sid)
        # setdefault: a client whose connect handler has not run yet still gets a budget.
        return self._allowances.setdefault(session, ClientAllowance(self.limits))

    def _is_open(self, session):
        """Whether this Engine.IO connection is still up (it may leave and re-enter)."""
        socket = self.server.eio.sockets.get(session)
        return socket is not None and not (socket.closing or socket.closed)

    def _forget_closed_sessions(self):
        """Budgets of connections that left the namespace, then closed: now and then,
        not on every connect, so the cost stays constant per connection."""
        if len(self._allowances) <= 2 * len(self._session_of) + 64:
            return
        live = set(self._session_of.values())
        for session in [s for s in self._allowances if s not in live and not self._is_open(s)]:
            del self._allowances[session]

    def _drop_connection(self, sid):
        """Close the client's whole connection: leaving the namespace alone, it could come back."""
        session = self._session_of.get(sid)
        if self._is_open(session):
            self.server.eio.disconnect(session)
        else:  # Flask-SocketIO's test client has no Engine.IO socket
            self.disconnect(sid)

    def _refuse(self, sid, event, refusal):
        log.info("refused %r from %s: %s", event, sid, refusal.code)
        if isinstance(event, str) and event in ACKED_EVENTS:
            return {"ok": False, "error": refusal.as_dict()}
        self._send("error", refusal.as_dict(), sid)
        return None


def _channel(identity):
    """The Socket.IO room through which a room's members reach each other. (A sid has
    no colon: no room of ours takes the name of a client's own room.)"""
    return f"room:{identity}"


def _single(payload, code):
    """Events carry exactly one argument; anything else is malformed."""
    if len(payload) != 1:
        raise SignalingError(code, "Send exactly one object with this event.")
    return payload[0]
