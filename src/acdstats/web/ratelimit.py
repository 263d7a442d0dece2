"""Per-key request rate limit (a token bucket per key): over it, error 340."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from acdstats import errors
from acdstats.errors import ApiError


class RateLimiter:
    def __init__(
        self, rate: float, burst: int = 0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = rate
        self._burst = float(burst or max(1, int(rate)))
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, time)
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Take one request from the key's bucket, or raise ApiError 340."""
        now = self._clock()
        with self._lock:
            tokens, then = self._buckets.get(key, (self._burst, now))
            tokens = min(self._burst, tokens + (now - then) * self._rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                raise ApiError(
                    errors.RATE_LIMITED,
                    f"Rate limit exceeded: at most {self._rate:g} requests per second per key",
                )
            self._buckets[key] = (tokens - 1, now)
