"""A per-connection rate limiter shared by every process through Django's cache.

Requests are spread evenly: a limit of N per minute gives one slot every 60/N seconds. A caller
claims the first free slot with ``cache.add`` (atomic on every backend: SET NX on Redis, the
primary key on the database cache), then sleeps until that slot starts. Two limiters built with
the same key, in any process, draw on the same budget.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from django.core.cache import cache as default_cache
from django.core.cache.backends.base import BaseCache

PREFIX = "ledgerbridge:ratelimit"


class CacheRateLimiter:
    """Blocks in ``acquire()`` until a request may be sent within ``rate_per_minute``."""

    def __init__(
        self,
        key: str,
        rate_per_minute: int,
        *,
        cache: BaseCache | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_minute < 1:
            raise ValueError("rate_per_minute must be at least 1")
        self.key = key
        self.rate_per_minute = rate_per_minute
        self.interval = 60.0 / rate_per_minute
        self._cache = cache or default_cache
        self._clock = clock
        self._sleep = sleep
        # How far ahead one caller may book: one minute's worth of slots.
        self._horizon = max(rate_per_minute, 1)

    def _slot_key(self, slot: int) -> str:
        return f"{PREFIX}:{self.key}:{slot}"

    def _hint_key(self) -> str:
        return f"{PREFIX}:{self.key}:next"

    def acquire(self) -> None:
        while True:
            now = self._clock()
            current = int(now // self.interval)
            hint = self._cache.get(self._hint_key())
            start = max(current, hint) if isinstance(hint, int) else current
            for slot in range(start, current + self._horizon):
                starts_at = slot * self.interval
                ttl = math.ceil(starts_at + self.interval - now) + 1
                if self._cache.add(self._slot_key(slot), 1, timeout=ttl):
                    # The hint only saves probes; a stale one is harmless because add() decides.
                    self._cache.set(self._hint_key(), slot + 1, timeout=ttl)
                    wait = starts_at - now
                    if wait > 0:
                        self._sleep(wait)
                    return
            # A whole minute is booked already: wait a little and look again.
            self._sleep(min(self.interval * self._horizon / 2, 5.0))
