"""Who is in which room: rooms of two, open or private.

A private room is known by its name and its key together, so it never shares a
name with an open room or with another key's room: whoever knows only the name
cannot take it, lock it, or be let into it. They get a room of their own.

In memory: one server process owns all rooms. Every method takes the lock, so
the registry is safe under threading and under eventlet's green threads alike.
"""

import hashlib
import threading

from .protocol import SignalingError

ROOM_CAPACITY = 2
REFUSE = object()  # room_of's default: refuse a client in no room


def room_id(name, key=None):
    """The room's identity: its name, or its name and a digest of its key.
    (A digest, so that the registry never holds the keys themselves.)"""
    if key is None:
        return name
    return f"{name}#{hashlib.sha256(key.encode()).hexdigest()}"


def not_in_room():
    return SignalingError("not-in-room", "Join a room before sending signals.")


class RoomRegistry:
    spans_processes = False  # every member of every room is a client of this process

    def __init__(self, max_rooms, capacity=ROOM_CAPACITY):
        self.capacity = capacity
        self.max_rooms = max_rooms
        self._members = {}  # room id -> list of sids, in order of arrival
        self._room_of = {}  # sid -> (room id, room name)
        self._lock = threading.Lock()  # green under eventlet's monkey-patching

    def join(self, sid, room, key=None):
        """Add sid to the room of this name (and key) and return the members who were already there."""
        identity = room_id(room, key)
        with self._lock:
            if sid in self._room_of:
                raise SignalingError(
                    "already-joined",
                    f"You are already in room '{self._room_of[sid][1]}'; leave it first.",
                )
            members = self._members.get(identity)
            if members is None:
                if len(self._members) >= self.max_rooms:
                    raise SignalingError(
                        "server-full", "This server has too many rooms open; try again later."
                    )
                members = self._members[identity] = []
            if len(members) >= self.capacity:
                raise SignalingError(
                    "room-full",
                    f"Room '{room}' is full: it already has {self.capacity} people in a call. "
                    "Pick another room name.",
                )
            others = list(members)
            members.append(sid)
            self._room_of[sid] = (identity, room)
            return others

    def leave(self, sid):
        """Remove sid from its room; return (room name, remaining members) or (None, [])."""
        with self._lock:
            identity, room = self._room_of.pop(sid, (None, None))
            if identity is None:
                return None, []
            members = self._members[identity]
            members.remove(sid)
            if not members:
                del self._members[identity]
            return room, list(members)

    def room_of(self, sid, default=REFUSE):
        """The identity of sid's room; for a sid in no room, default, or the refusal."""
        identity, _ = self._room_of.get(sid, (default, None))
        if identity is REFUSE:
            raise not_in_room()
        return identity

    def peers_of(self, sid):
        """The other members of sid's room; raises if sid is in no room."""
        with self._lock:
            identity = self.room_of(sid)
            return [other for other in self._members[identity] if other != sid]

    def room_count(self):
        with self._lock:
            return len(self._members)
