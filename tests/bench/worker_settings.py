"""Test settings for a worker process whose number of django-q2 workers the benchmark chooses."""

from config.test_settings import *  # noqa: F403

Q_CLUSTER = {**Q_CLUSTER, "workers": env.int("BENCH_Q_WORKERS", default=2)}  # noqa: F405
