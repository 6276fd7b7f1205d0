"""The rate limiter and retry policy: what a user notices is pace, pauses and give-up points."""

from __future__ import annotations

import random

import pytest

from onesync.destination import RateLimit, RetryPolicy, TokenBucket
from onesync.destination.limits import parse_retry_after


class Clock:
    """A hand-driven clock so pacing can be checked exactly (the bucket itself is real)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_values_are_keyword_only_with_a_repr() -> None:
    assert repr(RateLimit(per_second=50.0, burst=5)) == (
        "RateLimit(per_second=50.0, burst=5, adaptive=True, floor=None)"
    )
    assert repr(RetryPolicy()) == "RetryPolicy(max_attempts=8, base=0.2, cap=30.0, jitter=True)"
    with pytest.raises(TypeError):
        RateLimit(10.0)  # type: ignore[misc]
    with pytest.raises(ValueError, match="per_second"):
        RateLimit(per_second=0)
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


def test_bucket_lets_a_burst_through_then_spaces_calls() -> None:
    clock = Clock()
    bucket = TokenBucket(RateLimit(per_second=10.0, burst=3), clock)
    waits = [bucket.reserve() for _ in range(6)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3:] == pytest.approx([0.1, 0.2, 0.3])
    clock.now += 10  # a quiet spell refills the burst, no more
    assert [bucket.reserve() for _ in range(4)] == pytest.approx([0.0, 0.0, 0.0, 0.1])


def test_429_pauses_everyone_for_retry_after_and_halves_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(RateLimit(per_second=100.0, burst=1), clock)
    bucket.reserve()
    bucket.on_throttle(2.0)
    assert bucket.rate == 50.0
    assert bucket.reserve() == pytest.approx(2.0)
    assert bucket.reserve() == pytest.approx(2.02)  # and slower afterwards
    bucket.on_throttle(None)  # a second 429 within the same second does not halve again
    assert bucket.rate == 50.0
    clock.now += 1.5
    bucket.on_throttle(None)
    assert bucket.rate == 25.0
    for _ in range(100):  # successes climb back, additively, up to the limit
        bucket.on_success()
    assert bucket.rate == 100.0


def test_rate_never_falls_below_the_floor() -> None:
    clock = Clock()
    bucket = TokenBucket(RateLimit(per_second=100.0, floor=20.0), clock)
    for _ in range(10):
        clock.now += 2
        bucket.on_throttle(None)
    assert bucket.rate == 20.0


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap() -> None:
    policy = RetryPolicy(base=0.5, cap=4.0, jitter=False)
    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    jittered = RetryPolicy(base=1.0, cap=100.0)
    rng = random.Random(7)
    samples = [jittered.backoff(3, rng) for _ in range(200)]
    assert min(samples) >= 2.0 and max(samples) <= 4.0 and len(set(samples)) > 100
    assert policy.wait(1, retry_after=3.0) == 3.0  # never sooner than OneSignal asked
    assert policy.wait(1, retry_after=999.0) == 4.0  # but not longer than the cap


def test_retry_after_header_forms() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    when = "Wed, 21 Oct 2015 07:28:10 GMT"
    assert parse_retry_after(when, now=1445412480.0) == pytest.approx(10.0)
