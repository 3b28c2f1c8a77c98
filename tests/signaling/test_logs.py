"""The signaling log's rate limit, on a clock the test moves."""

import logging

from signaling.logs import RateLimitedLog


def record(message, *args):
    return logging.LogRecord("signaling", logging.INFO, __file__, 1, message, args, None)


def test_lines_past_the_rate_are_counted_and_the_next_one_says_how_many():
    now = [0.0]
    limit = RateLimitedLog(rate=1, burst=2, clock=lambda: now[0])
    passed = [limit.filter(record("refused %r", n)) for n in range(5)]
    assert passed == [True, True, False, False, False]
    now[0] += 1
    line = record("refused %r", "signal")
    assert limit.filter(line)
    assert line.getMessage() == "refused 'signal' (3 lines like it were left out)"
    following = record("refused %r", "join")
    now[0] += 1
    assert limit.filter(following) and following.getMessage() == "refused 'join'"
