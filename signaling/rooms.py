"""Who is in which room: rooms of two, optionally locked with a key.

In memory: one server process owns all rooms. Every method takes the lock, so
the registry is safe under threading and under eventlet's green threads alike.
"""

import hmac
import threading

from .protocol import SignalingError

ROOM_CAPACITY = 2


class RoomRegistry:
    def __init__(self, max_rooms, capacity=ROOM_CAPACITY):
        self.capacity = capacity
        self.max_rooms = max_rooms
        self._members = {}  # room name -> list of sids, in order of arrival
        self._keys = {}  # room name -> the key its first member set, or None
        self._room_of = {}  # sid -> room name
        self._lock = threading.Lock()  # green under eventlet's monkey-patching

    def join(self, sid, room, key=None):
        """Add sid to room and return the members who were already there."""
        with self._lock:
            if sid in self._room_of:
                raise SignalingError(
                    "already-joined",
                    f"You are already in room '{self._room_of[sid]}'; leave it first.",
                )
            members = self._members.get(room)
            if members is None:
                if len(self._members) >= self.max_rooms:
                    raise SignalingError(
                        "server-full", "This server has too many rooms open; try again later."
                    )
                members = self._members[room] = []
                self._keys[room] = key
            elif not _same_key(self._keys[room], key):
                raise SignalingError(
                    "wrong-key",
                    f"Room '{room}' is private, and this link does not have its key.",
                )
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
                del self._keys[room]
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


def _same_key(expected, given):
    if expected is None or given is None:
        return expected is given
    return hmac.compare_digest(expected, given)
