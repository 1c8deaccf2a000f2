"""Test settings for a worker process whose number of django-q2 workers (and a few sync settings) the benchmark
or the fault campaign chooses."""

from config.test_settings import *  # noqa: F403

Q_CLUSTER = {**Q_CLUSTER, "workers": env.int("BENCH_Q_WORKERS", default=2)}  # noqa: F405
SYNC_TIMEOUTS_BEFORE_BATCHING = env.int("SYNC_TIMEOUTS_BEFORE_BATCHING", default=3)  # noqa: F405
SYNC_STALL_SECONDS = env.int("SYNC_STALL_SECONDS", default=120)  # noqa: F405
