"""The Redis that several signaling processes share (with a message queue), and
what a client is told while it cannot be reached.

Rooms (redis_rooms.py), address counts (redis_addresses.py) and heartbeats
(processes.py) use one client made here. Every key starts with PREFIX. The Lua
scripts name some keys they compute, so the store is one Redis, not a cluster.

While Redis is down, whatever needs it is refused with UNAVAILABLE, and the log
gets one line every few seconds (not one per message, and no traceback).
"""

import contextlib
import logging

import redis

from .logs import RateLimitedLog
from .protocol import SignalingError

PREFIX = "signal:"
UNAVAILABLE = "store-unavailable"
# A Redis that does not answer within these is taken as down: clients are told so
# at once rather than kept waiting.
CONNECT_SECONDS = 1.0
ANSWER_SECONDS = 2.0

log = logging.getLogger("signaling.store")
# One line per outage every few seconds, for the store and the message queue together
# (their informational lines, such as the queue's start, are not counted).
OUTAGE_LOG = RateLimitedLog(rate=0.2, burst=1, level=logging.WARNING)

# The errors of a Redis that cannot be reached (a refused connection, a timeout,
# a restart still loading); any other error is a bug of ours and is not hidden.
DOWN = (redis.ConnectionError, redis.TimeoutError)


# redis-py (seen in 8.1) fails a command at once, "Too many connections", when all
# 100 connections of its default pool are in use: with 1,000 rooms starting within
# 10 s, more handlers than that waited on Redis together, and hundreds of signals
# were refused. Here a command waits for a free connection instead.
POOL_SIZE = 50
POOL_WAIT_SECONDS = 10.0


def pool(url, **options):
    """A connection pool where a command waits, up to POOL_WAIT_SECONDS, for a free connection."""
    return redis.BlockingConnectionPool.from_url(url, max_connections=POOL_SIZE, timeout=POOL_WAIT_SECONDS,
                                                 **options)


def connect(url):
    """A client with a connection pool (it connects on first use)."""
    if OUTAGE_LOG not in log.filters:
        log.addFilter(OUTAGE_LOG)
    return redis.Redis(connection_pool=pool(url, decode_responses=True, socket_connect_timeout=CONNECT_SECONDS,
                                            socket_timeout=ANSWER_SECONDS))


def unavailable():
    return SignalingError(UNAVAILABLE, "The server cannot reach its room store (Redis) just now; "
                                       "try again in a few seconds.")


@contextlib.contextmanager
def reaching(what):
    """Run a step that needs Redis; if Redis is down, log one line and refuse the
    client with UNAVAILABLE."""
    try:
        yield
    except DOWN as error:
        log_outage(what, error)
        raise unavailable() from None


def log_outage(what, error):
    log.warning("Redis unreachable while %s: %s", what, error)


def answers(client):
    """Whether Redis answers a PING now."""
    try:
        return bool(client.ping())
    except DOWN:
        return False


def key(*parts):
    return PREFIX + ":".join(parts)
