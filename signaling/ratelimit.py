"""Per-client rate limits: token buckets, and patience that runs out for floods."""

import time
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """`rate` tokens per second, holding at most `burst`; each message takes one."""

    rate: float
    burst: float
    clock: object = time.monotonic
    tokens: float = field(init=False)
    updated: float = field(init=False)

    def __post_init__(self):
        self.tokens = self.burst
        self.updated = self.clock()

    def take(self):
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def is_full(self):
        """Refilled to its burst: then it is the same as a new bucket."""
        return self.tokens + (self.clock() - self.updated) * self.rate >= self.burst


@dataclass(frozen=True)
class Limits:
    """The defaults allow a browser's burst of ICE candidates with room to spare."""

    messages_per_second: float = 20
    message_burst: int = 60
    joins_per_minute: int = 10
    # Messages refused for rate before the client is disconnected.
    flood_strikes: int = 50


class ClientAllowance:
    """One client's budget of messages and joins."""

    def __init__(self, limits, clock=time.monotonic):
        self.limits = limits
        self.messages = TokenBucket(limits.messages_per_second, limits.message_burst, clock)
        self.joins = TokenBucket(limits.joins_per_minute / 60, limits.joins_per_minute, clock)
        self.strikes = 0

    def allow_message(self):
        if self.messages.take():
            return True
        self.strikes += 1
        return False

    def allow_join(self):
        return self.joins.take()

    @property
    def exhausted(self):
        return self.strikes >= self.limits.flood_strikes
