"""The signaling server's log: one line per refusal, and never a flood of them.

A client can make mistakes as fast as it can send; each is worth a line, but
2,000 lines a second would fill a disk and bury what matters. Past the rate,
lines are counted instead, and the next line written says how many were left out.
"""

import logging
import time

from .ratelimit import TokenBucket

LINES_PER_SECOND = 20
BURST = 100


class RateLimitedLog(logging.Filter):
    """Lines at `level` or above are limited; those below it pass and take nothing."""

    def __init__(self, rate=LINES_PER_SECOND, burst=BURST, clock=time.monotonic, level=logging.NOTSET):
        super().__init__()
        self.bucket = TokenBucket(rate, burst, clock)
        self.level = level
        self.left_out = 0

    def filter(self, record):
        if record.levelno < self.level:
            return True
        if not self.bucket.take():
            self.left_out += 1
            return False
        if self.left_out:
            record.msg = f"{record.getMessage()} ({self.left_out} lines like it were left out)"
            record.args = ()
            self.left_out = 0
        return True


# One budget for all of the server's own loggers: a filter applies to the records
# of the logger it is on, not to those of its children.
SHARED = RateLimitedLog()


def limit_rate(*loggers):
    """Put the shared rate limit on these loggers, however many apps are made."""
    for logger in loggers:
        if SHARED not in logger.filters:
            logger.addFilter(SHARED)
