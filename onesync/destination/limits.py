"""How fast and how persistently onesync talks to OneSignal.

``RateLimit`` and ``RetryPolicy`` are small frozen values (like httpx's ``Limits`` and
``Timeout``); ``TokenBucket`` is the one piece of shared mutable state: every call to one app,
from any thread or asyncio task, reserves its slot there before it goes out.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

__all__ = ["RateLimit", "RetryPolicy", "TokenBucket", "parse_retry_after"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimit:
    """Requests per second for a whole app, shared by every concurrent call.

    ``burst`` calls may go at once after a quiet spell (default: a tenth of a second's worth).
    With ``adaptive`` the bucket halves its rate on a 429 (at most once per second, never below
    ``floor``) and climbs back by a fiftieth of ``per_second`` per success (AIMD), because
    OneSignal's real limits per endpoint and per user are lower than the app limit.
    """

    per_second: float = 1000.0
    burst: int | None = None
    adaptive: bool = True
    floor: float | None = None  # slowest adaptive rate; default per_second / 50

    def __post_init__(self) -> None:
        if not self.per_second > 0:
            raise ValueError(f"RateLimit.per_second must be > 0, got {self.per_second!r}")
        if self.burst is not None and self.burst < 1:
            raise ValueError(f"RateLimit.burst must be >= 1, got {self.burst!r}")

    @property
    def effective_burst(self) -> int:
        return self.burst if self.burst is not None else max(1, int(self.per_second / 10))

    @property
    def effective_floor(self) -> float:
        floor = self.floor if self.floor is not None else self.per_second / 50
        return min(self.per_second, max(floor, 1e-3))


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """Retries for 429, 5xx, timeouts and dropped connections; other answers are final.

    Attempt ``n`` (1-based) that failed waits ``min(cap, base * 2**(n-1))`` seconds, with "equal
    jitter" (between half and all of it) so that concurrent calls do not retry in lock step, and
    never less than OneSignal's ``Retry-After`` (itself capped at ``cap``).
    """

    max_attempts: int = 8
    base: float = 0.2
    cap: float = 30.0
    jitter: bool = True

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"RetryPolicy.max_attempts must be >= 1, got {self.max_attempts!r}")
        if self.base < 0 or self.cap < 0:
            raise ValueError("RetryPolicy.base and cap must be >= 0")

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based)."""
        delay = float(min(self.cap, self.base * 2 ** (attempt - 1)))
        if self.jitter and delay > 0:
            delay = delay / 2 + (rng or random).uniform(0, delay / 2)
        return delay

    def wait(
        self, attempt: int, retry_after: float | None, rng: random.Random | None = None
    ) -> float:
        """The pause before the next attempt: the backoff, or longer if OneSignal asked."""
        delay = self.backoff(attempt, rng)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.cap))
        return delay


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: an integer, a decimal, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class TokenBucket:
    """A token bucket kept as reservations (GCRA), shared by threads and asyncio tasks alike.

    ``reserve()`` books the next free slot and returns how long the caller must sleep; it never
    sleeps itself or holds the lock while anyone sleeps, so the same bucket serves a thread pool
    and an event loop. A 429's ``Retry-After`` pauses every caller, not only the one that got it.
    """

    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._rate = limit.per_second
        self._tat = clock()  # theoretical arrival time of the next request
        self._blocked_until = 0.0
        self._last_decrease = float("-inf")
        self.throttled = 0  # how many 429s were seen, for reports

    @property
    def rate(self) -> float:
        """The current rate in requests per second (lower than the limit after 429s)."""
        return self._rate

    def reserve(self) -> float:
        """Book a slot for one request; returns the seconds to wait before sending it."""
        with self._lock:
            now = self._clock()
            interval = 1.0 / self._rate
            start = max(now, self._blocked_until)
            tat = max(self._tat, start)
            start = max(start, tat - (self.limit.effective_burst - 1) * interval)
            self._tat = tat + interval
            return start - now

    def on_success(self) -> None:
        """Additive increase after a request OneSignal did not throttle."""
        if not self.limit.adaptive or self._rate >= self.limit.per_second:
            return
        with self._lock:
            self._rate = min(self.limit.per_second, self._rate + self.limit.per_second / 50)

    def on_throttle(self, retry_after: float | None) -> None:
        """A 429: pause everyone for ``Retry-After`` and halve the rate (once per second)."""
        with self._lock:
            now = self._clock()
            self.throttled += 1
            if retry_after:
                self._blocked_until = max(self._blocked_until, now + retry_after)
            if self.limit.adaptive and now - self._last_decrease >= 1.0:
                self._last_decrease = now
                self._rate = max(self.limit.effective_floor, self._rate / 2)

    def __repr__(self) -> str:
        return f"TokenBucket(rate={self._rate:g}/s, limit={self.limit!r})"
