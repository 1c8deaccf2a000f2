"""An in-process token bucket: the connector's own pacing when no shared limiter is injected."""

from __future__ import annotations

import threading
import time


class TokenBucket:
    """Allows ``rate_per_minute`` requests per minute on average, in bursts of at most ``burst``."""

    def __init__(self, rate_per_minute: float, *, burst: int | None = None) -> None:
        if rate_per_minute <= 0:
            raise ValueError("rate_per_minute must be positive")
        self.rate = rate_per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(1, min(int(rate_per_minute), 10)))
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                wait = (1 - self.tokens) / self.rate
            time.sleep(wait)
