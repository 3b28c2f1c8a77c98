"""The signaling server: a Socket.IO namespace that relays SDP and ICE inside rooms of two.

The server never looks inside a session description; it only checks that each
message has one of the protocol's shapes, then forwards it, unchanged, to the
other member of the sender's room. Media never passes through here.

Events (client -> server):
    join   {room}        ack {ok: true, role, peers} | {ok: false, error: {code, message}}
    leave  (no payload)  ack {ok: true} | {ok: false, error}
    signal {type: 'offer'|'answer', sdp}
           {type: 'candidate', candidate: {candidate, sdpMid, sdpMLineIndex, usernameFragment}}
           {type: 'bye'}
Events (server -> client):
    peer-joined {}   to the member already in the room when a second one arrives
    peer-left   {}   to the remaining member when the other leaves or disconnects
    signal      ...  a relayed payload, exactly as its sender sent it
    error {code, message}  a refused `signal`; nothing was relayed
"""

import logging
import re
import threading

from flask import request
from flask_socketio import Namespace

log = logging.getLogger(__name__)

ROOM_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
ROOM_CAPACITY = 2
# An SDP offer from a browser is 3-10 KB; a candidate line well under 1 KB.
MAX_SDP_CHARS = 64 * 1024
MAX_CANDIDATE_CHARS = 2048
CANDIDATE_FIELDS = {"candidate", "sdpMid", "sdpMLineIndex", "usernameFragment"}


class SignalingError(Exception):
    """A refusal to send back to the client that caused it."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message

    def as_dict(self):
        return {"code": self.code, "message": self.message}


class RoomRegistry:
    """Who is in which room. In memory: one server process owns all rooms."""

    def __init__(self, capacity=ROOM_CAPACITY):
        self.capacity = capacity
        self._members = {}  # room name -> list of sids, in order of arrival
        self._room_of = {}  # sid -> room name
        # A green lock under eventlet, a real one under threading.
        self._lock = threading.Lock()

    def join(self, sid, room):
        """Add sid to room and return the members who were already there."""
        with self._lock:
            if sid in self._room_of:
                raise SignalingError(
                    "already-joined",
                    f"You are already in room '{self._room_of[sid]}'; leave it first.",
                )
            members = self._members.setdefault(room, [])
            if len(members) >= self.capacity:
                raise SignalingError(
                    "room-full",
                    f"Room '{room}' is full: it already has {self.capacity} people in a call. "
                    "Pick another room name.",
                )
            others = list(members)
            members.append(sid)
            self._room_of[sid] = room
            return others

    def leave(self, sid):
        """Remove sid from its room; return (room, remaining members) or (None, [])."""
        with self._lock:
            room = self._room_of.pop(sid, None)
            if room is None:
                return None, []
            members = self._members[room]
            members.remove(sid)
            if not members:
                del self._members[room]
            return room, list(members)

    def peers_of(self, sid):
        """The other members of sid's room; raises if sid is in no room."""
        with self._lock:
            room = self._room_of.get(sid)
            if room is None:
                raise SignalingError("not-in-room", "Join a room before sending signals.")
            return [other for other in self._members[room] if other != sid]

    def room_count(self):
        with self._lock:
            return len(self._members)


def validate_room(data):
    room = data.get("room") if isinstance(data, dict) else None
    if not isinstance(room, str) or not ROOM_NAME.fullmatch(room):
        raise SignalingError(
            "invalid-room",
            "A room name is 1-64 characters: letters A-Z or a-z, digits, '-' and '_'.",
        )
    return room


def validate_signal(data):
    """Accept only the protocol's shapes, with no extra fields."""
    if not isinstance(data, dict):
        raise SignalingError("invalid-signal", "A signal must be an object with a 'type'.")
    kind = data.get("type")
    if kind in ("offer", "answer"):
        _expect_keys(data, {"type", "sdp"})
        sdp = data["sdp"]
        if not isinstance(sdp, str) or not sdp:
            raise SignalingError("invalid-signal", f"An {kind} needs 'sdp', a non-empty string.")
        if len(sdp) > MAX_SDP_CHARS:
            raise SignalingError(
                "too-large", f"An SDP may be at most {MAX_SDP_CHARS} characters."
            )
    elif kind == "candidate":
        _expect_keys(data, {"type", "candidate"})
        _validate_candidate(data["candidate"])
    elif kind == "bye":
        _expect_keys(data, {"type"})
    else:
        raise SignalingError(
            "invalid-signal", "A signal's 'type' must be offer, answer, candidate or bye."
        )
    return data


def _expect_keys(data, keys):
    if set(data) != keys:
        wanted = ", ".join(sorted(keys))
        raise SignalingError(
            "invalid-signal", f"A '{data['type']}' signal has exactly these fields: {wanted}."
        )


def _validate_candidate(candidate):
    """An RTCIceCandidateInit, as RTCIceCandidate.toJSON() produces it."""
    problem = "'candidate' must be the browser's RTCIceCandidate JSON."
    if not isinstance(candidate, dict) or not set(candidate) <= CANDIDATE_FIELDS:
        raise SignalingError("invalid-signal", problem)
    line = candidate.get("candidate")
    if not isinstance(line, str):
        raise SignalingError("invalid-signal", problem)
    if len(line) > MAX_CANDIDATE_CHARS:
        raise SignalingError(
            "too-large", f"A candidate may be at most {MAX_CANDIDATE_CHARS} characters."
        )
    for field in ("sdpMid", "usernameFragment"):
        if not isinstance(candidate.get(field), (str, type(None))):
            raise SignalingError("invalid-signal", problem)
    index = candidate.get("sdpMLineIndex")
    if index is not None and (type(index) is not int or not 0 <= index < 1024):
        raise SignalingError("invalid-signal", problem)


class SignalingNamespace(Namespace):
    """Rooms of two: the first member waits, the second one's arrival starts the call."""

    def __init__(self, namespace="/signal", registry=None):
        super().__init__(namespace)
        self.rooms = registry or RoomRegistry()

    def on_join(self, data=None):
        try:
            room = validate_room(data)
            others = self.rooms.join(request.sid, room)
        except SignalingError as refusal:
            return self._refuse("join", refusal)
        for other in others:
            self.emit("peer-joined", {}, room=other)
        # The member already there makes the offer; the newcomer answers.
        role = "callee" if others else "caller"
        return {"ok": True, "role": role, "peers": len(others)}

    def on_leave(self, data=None):
        room = self._depart(request.sid)
        if room is None:
            return self._refuse("leave", SignalingError("not-in-room", "You are in no room."))
        return {"ok": True}

    def on_signal(self, data=None):
        try:
            message = validate_signal(data)
            peers = self.rooms.peers_of(request.sid)
        except SignalingError as refusal:
            self.emit("error", refusal.as_dict(), room=request.sid)
            log.info("refused signal from %s: %s", request.sid, refusal.code)
            return
        for peer in peers:
            self.emit("signal", message, room=peer)

    def on_disconnect(self, reason=None):
        self._depart(request.sid)

    def _depart(self, sid):
        room, remaining = self.rooms.leave(sid)
        for other in remaining:
            self.emit("peer-left", {}, room=other)
        return room

    def _refuse(self, event, refusal):
        log.info("refused %s from %s: %s", event, request.sid, refusal.code)
        return {"ok": False, "error": refusal.as_dict()}
