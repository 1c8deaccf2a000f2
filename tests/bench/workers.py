"""A real django-q2 cluster (``manage.py qcluster``) on the test database, with a chosen number of workers."""

from __future__ import annotations

import time

from tests.integrations.sync.conftest import Worker


class Cluster(Worker):
    """A worker cluster on the benchmark settings, with ``workers`` processes; a context manager that kills it."""

    settings_module = "tests.bench.worker_settings"

    def __init__(self, portal_url: str, *, workers: int = 2, env: dict | None = None) -> None:
        super().__init__(portal_url, env={"BENCH_Q_WORKERS": str(workers), **(env or {})})

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.kill()


def wait_for_runs(run_ids: list[int], timeout: float) -> list:
    from integrations.models import SyncRun

    deadline = time.monotonic() + timeout
    finished = ("succeeded", "partial", "failed", "cancelled")
    while time.monotonic() < deadline:
        runs = list(SyncRun.objects.filter(pk__in=run_ids))
        if runs and all(r.status in finished for r in runs):
            return runs
        time.sleep(0.2)
    raise AssertionError(f"runs {run_ids} did not finish in {timeout:.0f}s")
