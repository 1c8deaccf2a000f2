"""Exponential backoff with full jitter, honouring a remote Retry-After."""

from __future__ import annotations

import random
from dataclasses import dataclass

from integrations.sync.config import retry_settings


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # calls in all, the first one included
    base: float = 0.5  # seconds before the second call
    cap: float = 30.0  # never wait longer than this between two calls
    max_retry_after: float = 120.0  # a Retry-After above this is clipped

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed call number ``attempt`` (1-based)."""
        backoff = random.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))
        if retry_after:
            # The remote system told us when it will take us again: never earlier, a little jitter after.
            return min(self.max_retry_after, float(retry_after)) + random.uniform(0, self.base / 2)
        return backoff


def default_policy() -> RetryPolicy:
    return RetryPolicy(**retry_settings())
