"""Per-address counts in Redis, shared by every process: AddressCounts' interface,
each step one Lua script, so one address's limits hold whichever process it reaches.

Keys (store.PREFIX):
    addr:connections, addr:places             hash address -> count, all processes
    addr:connections:<process>, ...:<process> the same, this process's share, so
                                              that survivors can take a dead one's off
    addr:joins:<address>                      a token bucket {tokens, at}, expiring

Each process also keeps its own share (`_held`). Giving back never fails: while
Redis is down the share changes here, and `sync()` writes it back later. A
connection opened while Redis is down counts here only (so a client can still
connect and be told why it cannot join); sync() then counts it in Redis too.
"""

import collections
import threading

from . import store

TAKE = """
local held = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if held >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
return 1
"""

# Take ARGV[2] off an address's count, in the total and in one process's share.
GIVE_BACK = """
for i = 1, 2 do
  if redis.call('HINCRBY', KEYS[i], ARGV[1], -tonumber(ARGV[2])) <= 0 then redis.call('HDEL', KEYS[i], ARGV[1]) end
end
return 1
"""

# Replace a process's share (KEYS[2]) in the total (KEYS[1]) by ARGV: address, count
# pairs, or by nothing (a dead process: unless its heartbeat, KEYS[3], is back).
REPLACE_SHARE = """
if KEYS[3] and redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
local share = redis.call('HGETALL', KEYS[2])
for i = 1, #share, 2 do
  if redis.call('HINCRBY', KEYS[1], share[i], -tonumber(share[i + 1])) <= 0 then
    redis.call('HDEL', KEYS[1], share[i])
  end
end
redis.call('DEL', KEYS[2])
for i = 1, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
return 1
"""

# A token bucket (ARGV: rate a second, burst) on Redis's clock, shared by every process.
ALLOW = """
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1e6
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local tokens, at = unpack(redis.call('HMGET', KEYS[1], 'tokens', 'at'))
tokens = tonumber(tokens) or burst
at = tonumber(at) or now
tokens = math.min(burst, tokens + (now - at) * rate)
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return allowed
"""

KINDS = ("connections", "places")


class RedisAddressCounts:
    def __init__(self, limits, client, process):
        self.limits = limits
        self.client = client
        self.process = process
        self._held = {kind: collections.Counter() for kind in KINDS}  # this process's share
        self._lock = threading.Lock()
        self.out_of_sync = False
        self._take, self._give = client.register_script(TAKE), client.register_script(GIVE_BACK)
        self._replace, self._allow = client.register_script(REPLACE_SHARE), client.register_script(ALLOW)

    @staticmethod
    def keys(kind, process):
        return [store.key("addr", kind), store.key("addr", kind, process)]

    def open_connection(self, address):
        try:
            return self._take_one("connections", address, self.limits.connections)
        except store.DOWN as error:
            store.log_outage("counting a connection", error)
            with self._lock:
                if self._held["connections"][address] >= self.limits.connections:
                    return False
                self._held["connections"][address] += 1
                self.out_of_sync = True
            return True

    def close_connection(self, address):
        self._give_back("connections", address)

    def take_room_place(self, address):
        with store.reaching("counting a place in a room"):
            return self._take_one("places", address, self.limits.room_places)

    def free_room_place(self, address):
        self._give_back("places", address)

    def allow_join(self, address):
        per_minute = self.limits.joins_per_minute
        with store.reaching("counting joins"):
            return bool(self._allow([store.key("addr", "joins", address)], [per_minute / 60, per_minute]))

    def connections(self, address):
        return self._count("connections", address)

    def room_places(self, address):
        return self._count("places", address)

    def _count(self, kind, address):
        with store.reaching("reading an address's count"):
            return int(self.client.hget(store.key("addr", kind), address) or 0)

    def _take_one(self, kind, address, limit):
        with self._lock:  # Redis and this process's share change together (see sync)
            try:
                taken = bool(self._take(self.keys(kind, self.process), [address, limit]))
            except store.DOWN:
                self.out_of_sync = True  # it may have run before the answer was lost
                raise
            if taken:
                self._held[kind][address] += 1
            return taken

    def _give_back(self, kind, address):
        with self._lock:
            if self._held[kind][address] <= 0:
                return
            self._held[kind][address] -= 1
            if not self._held[kind][address]:
                del self._held[kind][address]
        try:
            self._give(self.keys(kind, self.process), [address, 1])
        except store.DOWN as error:
            store.log_outage("giving back a count", error)
            self.out_of_sync = True

    def reap(self, process, alive_key):
        """Take a dead process's share off the totals."""
        for kind in KINDS:
            self._replace([*self.keys(kind, process), alive_key], [])

    def sync(self):
        """Write this process's share to Redis as it knows it."""
        with self._lock:
            for kind in KINDS:
                share = [value for address, count in self._held[kind].items() for value in (address, count)]
                self._replace(self.keys(kind, self.process), share)
            self.out_of_sync = False
