"""The simulated account's request limit: a fixed one-minute window counted in the Django cache.

The cache is shared by every process serving the portal (database or Redis cache), so the limit holds
however many workers answer. Over the limit the request answers 429 with ``Retry-After`` in seconds.
"""

from __future__ import annotations

import math
import time

from django.core.cache import cache

from integrations.sandbox.kashflow.errors import ApiError
from integrations.sandbox.models import KashFlowAccount

WINDOW_SECONDS = 60


def check_rate_limit(account: KashFlowAccount) -> None:
    limit = account.rate_limit_per_minute
    if not limit:
        return
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    key = f"sandbox:kashflow:rate:{account.pk}:{account.username}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    if count > limit:
        retry_after = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
        raise ApiError(
            429,
            "TooManyRequests",
            f"Rate limit of {limit} requests per minute exceeded; retry after {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )
