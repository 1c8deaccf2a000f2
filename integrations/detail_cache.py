"""The details a connector read for list entries, by the entry's content hash, in the shared Django cache.

KashFlow has no modified-since filter, so every poll lists everything; where a list entry lacks its lines the
connector would need one GET per record. Keyed by the hash of the entry itself, a cached detail is reused only
while the entry is unchanged, so a poll of unchanged records sends list pages only. Losing an entry (eviction)
costs one GET, never a wrong answer.
"""

from __future__ import annotations

from django.core.cache import cache

TIMEOUT = 30 * 24 * 3600


class CacheDetailCache:
    def __init__(self, key: str) -> None:
        self.prefix = f"kf-detail:{key}:"

    def get_many(self, keys: list[str]) -> dict[str, dict]:
        found = cache.get_many([self.prefix + k for k in keys])
        return {k[len(self.prefix) :]: v for k, v in found.items()}

    def set_many(self, values: dict[str, dict]) -> None:
        cache.set_many({self.prefix + k: v for k, v in values.items()}, timeout=TIMEOUT)
