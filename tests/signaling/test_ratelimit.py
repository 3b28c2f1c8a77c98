"""Token buckets and allowances on their own, on a clock the test moves."""

from signaling.ratelimit import ClientAllowance, Limits, TokenBucket


def test_token_bucket_refills_at_its_rate():
    now = [0.0]
    bucket = TokenBucket(rate=2, burst=2, clock=lambda: now[0])
    assert [bucket.take() for _ in range(3)] == [True, True, False]
    now[0] += 0.5  # one token back
    assert [bucket.take() for _ in range(2)] == [True, False]
    now[0] += 100  # never more than the burst
    assert [bucket.take() for _ in range(3)] == [True, True, False]


def test_allowance_counts_strikes_until_exhausted():
    allowance = ClientAllowance(Limits(messages_per_second=1e-9, message_burst=1, flood_strikes=2))
    assert allowance.allow_message()
    assert not allowance.allow_message()
    assert not allowance.exhausted
    assert not allowance.allow_message()
    assert allowance.exhausted
