"""What each client address holds: connections open, places in rooms, joins lately.

A limit per connection (ratelimit.py) does not stop one machine that opens many
connections; these counts do. They are kept behind a narrow interface, keyed by
address text, so that they can move to a store shared by several processes
(Redis) without the callers changing.

An address is the client's IP address as the server sees it (behind a proxy,
only with --proxy). An IPv6 client counts by its /64 network: one home or
phone gets a whole /64, so single IPv6 addresses cost an attacker nothing.
"""

import ipaddress
import threading
import time
from dataclasses import dataclass

from .ratelimit import TokenBucket


@dataclass(frozen=True)
class AddressLimits:
    """Room for a classroom of 300 behind one NAT address (README, "Security and limits")."""

    # Each student may have a step page and its second tab open, plus a reload or two.
    connections: int = 1_000
    # Places in rooms (a room has two): each student's step page and its second tab.
    room_places: int = 600
    # The whole class joining twice within a minute.
    joins_per_minute: int = 600


def address_key(remote_addr):
    """The address a client counts under: IPv4 as is, IPv6 by its /64."""
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:  # no IP address (a Unix socket, a test client): count it as given
        return str(remote_addr)
    if address.version == 6 and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class AddressCounts:
    """Per-address counters. Each method is one atomic step, as a shared store would
    offer it: take (refused at the limit) or give back."""

    def __init__(self, limits, clock=time.monotonic):
        self.limits = limits
        self.clock = clock
        self._connections = {}  # address -> connections open
        self._places = {}  # address -> places held in rooms
        self._joins = {}  # address -> TokenBucket
        self._joins_kept = 0  # buckets left after the last sweep
        self._lock = threading.Lock()  # green under eventlet's monkey-patching

    def open_connection(self, address):
        return self._take(self._connections, address, self.limits.connections)

    def close_connection(self, address):
        self._give_back(self._connections, address)

    def take_room_place(self, address):
        return self._take(self._places, address, self.limits.room_places)

    def free_room_place(self, address):
        self._give_back(self._places, address)

    def allow_join(self, address):
        rate, burst = self.limits.joins_per_minute / 60, self.limits.joins_per_minute
        with self._lock:
            self._forget_full_buckets()
            bucket = self._joins.get(address)
            if bucket is None:
                bucket = self._joins[address] = TokenBucket(rate, burst, self.clock)
            return bucket.take()

    def connections(self, address):
        with self._lock:
            return self._connections.get(address, 0)

    def room_places(self, address):
        with self._lock:
            return self._places.get(address, 0)

    def _take(self, counts, address, limit):
        with self._lock:
            held = counts.get(address, 0)
            if held >= limit:
                return False
            counts[address] = held + 1
            return True

    def _give_back(self, counts, address):
        with self._lock:
            held = counts.get(address, 0) - 1
            if held > 0:
                counts[address] = held
            else:  # no entry for an address that holds nothing, so the table stays small
                counts.pop(address, None)

    def _forget_full_buckets(self):
        """A bucket that has filled up again is the same as a new one: drop those now
        and then (when the table has doubled), so the cost per join stays constant."""
        if len(self._joins) <= 2 * self._joins_kept + 64:
            return
        for address, bucket in list(self._joins.items()):
            if bucket.is_full():
                del self._joins[address]
        self._joins_kept = len(self._joins)
