"""Rooms in Redis, shared by every process of one server: RoomRegistry's
interface, with each change one Lua script, so it is atomic across processes.

Two peers racing into the last seat on two processes: one script runs after
the other, and the second sees the room full. The room count (MAX_ROOMS) and
private rooms (room_id, with the key's digest) hold across processes the same way.

Keys (store.PREFIX):
    room:<room id>   list of the members' sids, in order of arrival
    rooms            set of the room ids with members (the room count)
    seats:<process>  hash sid -> room id: the seats this process's clients hold,
                     so that survivors can free them if it dies (processes.py)

A sid lives on one process for its whole life, so each process also keeps its own
clients' rooms (`_room_of`). That copy is the truth for its clients: a leave is
done here at once and in Redis when Redis can be reached; `sync()` writes the
copy back after Redis was down, restarted empty, or took this process for dead.
"""

import threading

from . import store
from .protocol import SignalingError
from .rooms import ROOM_CAPACITY, RoomRegistry, room_id

JOIN = """
local members = redis.call('LRANGE', KEYS[1], 0, -1)
for _, member in ipairs(members) do
  if member == ARGV[1] then return {'already-joined'} end
end
if #members >= tonumber(ARGV[3]) then return {'room-full'} end
if #members == 0 and redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[4]) then return {'server-full'} end
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
table.insert(members, 1, 'ok')
return members
"""

LEAVE = """
redis.call('HDEL', KEYS[3], ARGV[1])
if redis.call('LREM', KEYS[1], 0, ARGV[1]) == 0 then return {} end
local rest = redis.call('LRANGE', KEYS[1], 0, -1)
if #rest == 0 then redis.call('SREM', KEYS[2], ARGV[2]) end
return rest
"""

# Free every seat of a process whose heartbeat is gone; return the members left
# behind, who must hear `peer-left`. Nothing if the process is alive after all.
REAP = """
if redis.call('EXISTS', KEYS[3]) == 1 then return {} end
local seats = redis.call('HGETALL', KEYS[1])
local rooms = {}
for i = 1, #seats, 2 do
  redis.call('LREM', ARGV[1] .. seats[i + 1], 0, seats[i])
  rooms[seats[i + 1]] = true
end
local told = {}
for identity in pairs(rooms) do
  local rest = redis.call('LRANGE', ARGV[1] .. identity, 0, -1)
  if #rest == 0 then redis.call('SREM', KEYS[2], identity) end
  for _, sid in ipairs(rest) do table.insert(told, sid) end
end
redis.call('DEL', KEYS[1])
return told
"""

# Make this process's seats in Redis what it knows them to be (ARGV[3..]: sid,
# room id pairs). Returns {members to tell `peer-left`, sids that found their room full}.
SYNC = """
local want = {}
for i = 3, #ARGV, 2 do want[ARGV[i]] = ARGV[i + 1] end
local told, refused = {}, {}
local seats = redis.call('HGETALL', KEYS[2])
for i = 1, #seats, 2 do
  local sid, identity = seats[i], seats[i + 1]
  if want[sid] ~= identity then
    redis.call('HDEL', KEYS[2], sid)
    if redis.call('LREM', ARGV[1] .. identity, 0, sid) > 0 then
      local rest = redis.call('LRANGE', ARGV[1] .. identity, 0, -1)
      if #rest == 0 then redis.call('SREM', KEYS[1], identity) end
      for _, other in ipairs(rest) do table.insert(told, other) end
    end
  end
end
for sid, identity in pairs(want) do
  local members = redis.call('LRANGE', ARGV[1] .. identity, 0, -1)
  local present = false
  for _, member in ipairs(members) do if member == sid then present = true end end
  if not present then
    if #members >= tonumber(ARGV[2]) then
      table.insert(refused, sid)
    else
      redis.call('RPUSH', ARGV[1] .. identity, sid)
      redis.call('SADD', KEYS[1], identity)
      redis.call('HSET', KEYS[2], sid, identity)
    end
  end
end
return {told, refused}
"""

REFUSALS = {
    "room-full": lambda name, capacity: SignalingError(
        "room-full", f"Room '{name}' is full: it already has {capacity} people in a call. Pick another room name."),
    "server-full": lambda name, capacity: SignalingError(
        "server-full", "This server has too many rooms open; try again later."),
    "already-joined": lambda name, capacity: SignalingError(
        "already-joined", f"You are already in room '{name}'; leave it first."),
}


class RedisRoomRegistry:
    spans_processes = True  # a room's members may be clients of other processes

    def __init__(self, client, process, max_rooms, capacity=ROOM_CAPACITY):
        self.client = client
        self.process = process  # this process's id (processes.py)
        self.capacity = capacity
        self.max_rooms = max_rooms
        self._room_of = {}  # sid of this process -> (room id, room name)
        self._lock = threading.Lock()  # green under eventlet's monkey-patching
        self.out_of_sync = False  # a change Redis missed: sync() when it is back
        self._join, self._leave = client.register_script(JOIN), client.register_script(LEAVE)
        self._reap, self._sync = client.register_script(REAP), client.register_script(SYNC)

    def _keys(self, identity):
        return [store.key("room", identity), store.key("rooms"), self.seats_key(self.process)]

    @staticmethod
    def seats_key(process):
        return store.key("seats", process)

    def join(self, sid, room, key=None):
        """Add sid to the room of this name (and key) and return the members who were already there."""
        identity = room_id(room, key)
        with self._lock:
            if sid in self._room_of:
                raise REFUSALS["already-joined"](self._room_of[sid][1], self.capacity)
            with store.reaching("joining a room"):
                try:
                    answer = self._join(self._keys(identity), [sid, identity, self.capacity, self.max_rooms])
                except store.DOWN:
                    self.out_of_sync = True  # it may have run before the answer was lost
                    raise
            if answer[0] != "ok":
                raise REFUSALS[answer[0]](room, self.capacity)
            self._room_of[sid] = (identity, room)
            return answer[1:]

    def leave(self, sid):
        """Remove sid from its room; return (room name, remaining members) or (None, []).
        Never refused: while Redis is down, the seat is freed there by sync() later."""
        with self._lock:
            identity, room = self._room_of.pop(sid, (None, None))
            if identity is None:
                return None, []
            try:
                return room, self._leave(self._keys(identity), [sid, identity])
            except store.DOWN as error:
                store.log_outage("leaving a room", error)
                self.out_of_sync = True
                return room, []

    # This process's own copy of its clients' rooms answers, without a trip to Redis.
    room_of = RoomRegistry.room_of

    def peers_of(self, sid):
        """The other members of sid's room, as Redis has them; raises if sid is in no room."""
        identity = self.room_of(sid)
        with store.reaching("reading a room"):
            members = self.client.lrange(store.key("room", identity), 0, -1)
        if sid not in members:  # Redis lost this seat (restarted empty): sync() puts it back
            self.out_of_sync = True
            raise store.unavailable()
        return [other for other in members if other != sid]

    def room_count(self):
        with store.reaching("counting rooms"):
            return self.client.scard(store.key("rooms"))

    def reap(self, process, alive_key):
        """Free the seats of a dead process; return the members to tell `peer-left`."""
        return self._reap([self.seats_key(process), store.key("rooms"), alive_key], [store.key("room", "")])

    def sync(self):
        """Write this process's seats to Redis as it knows them. Returns (members to
        tell `peer-left`, sids whose seat was taken meanwhile: they are in no room now)."""
        with self._lock:
            pairs = [value for sid, (identity, _) in self._room_of.items() for value in (sid, identity)]
            told, refused = self._sync([store.key("rooms"), self.seats_key(self.process)],
                                       [store.key("room", ""), self.capacity, *pairs])
            for sid in refused:
                del self._room_of[sid]
            self.out_of_sync = False
            return told, refused
