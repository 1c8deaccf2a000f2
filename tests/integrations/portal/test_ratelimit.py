import time

import pytest
from django.core.cache import cache

from integrations.ratelimit import CacheRateLimiter


class FakeTime:
    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def _empty_cache(db):
    cache.clear()
    yield
    cache.clear()


def limiter(key: str, rate: int, fake: FakeTime) -> CacheRateLimiter:
    return CacheRateLimiter(key, rate, clock=fake.clock, sleep=fake.sleep)


def test_the_first_request_does_not_wait():
    fake = FakeTime()
    limiter("conn:1", 60, fake).acquire()
    assert fake.slept == []


def test_two_limiters_with_the_same_key_share_one_budget():
    fake = FakeTime()
    first, second = limiter("conn:1", 60, fake), limiter("conn:1", 60, fake)
    first.acquire()
    second.acquire()  # the slot of this second is taken by the other limiter: wait for the next one
    assert len(fake.slept) == 1
    assert 0 < fake.slept[0] <= 1.0
    first.acquire()
    assert len(fake.slept) == 2


def test_limiters_with_different_keys_do_not_wait_for_each_other():
    fake = FakeTime()
    limiter("conn:1", 60, fake).acquire()
    limiter("conn:2", 60, fake).acquire()
    assert fake.slept == []


def test_requests_are_spread_at_the_configured_rate():
    fake = FakeTime()
    shared = [limiter("conn:1", 120, fake), limiter("conn:1", 120, fake)]
    start = fake.now
    for i in range(10):
        shared[i % 2].acquire()
    # ten requests at two a second need at least 4.5 seconds after the first one
    assert fake.now - start >= 4.5 - 1e-6


def test_real_clock_two_instances_pace_each_other():
    first, second = CacheRateLimiter("conn:real", 600), CacheRateLimiter("conn:real", 600)
    started = time.monotonic()
    for _ in range(2):
        first.acquire()
        second.acquire()
    # the first takes the current 0.1 s slot, the other three wait for the next three slots to start
    assert time.monotonic() - started >= 0.2 - 0.01


def test_a_rate_below_one_is_refused():
    with pytest.raises(ValueError):
        CacheRateLimiter("conn:1", 0)
