"""The signaling log's rate limit, on a clock the test moves."""

import logging

from signaling.logs import RateLimitedLog


def record(message, *args, level=logging.INFO):
    return logging.LogRecord("signaling", level, __file__, 1, message, args, None)


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


def test_lines_below_the_limited_level_pass_without_taking_from_the_budget():
    now = [0.0]
    limit = RateLimitedLog(rate=1, burst=1, clock=lambda: now[0], level=logging.WARNING)
    assert all(limit.filter(record("message queue started")) for _ in range(5))
    # The one line of the budget is still there for the first warning.
    assert limit.filter(record("Redis unreachable", level=logging.WARNING))
    assert not limit.filter(record("Redis unreachable", level=logging.WARNING))
