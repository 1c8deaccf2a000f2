"""A real django-q2 cluster (``manage.py qcluster``) on the test database, with a chosen number of workers."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from tests.bench.results import ROOT
from tests.integrations.sync.conftest import WORKER_APP_NAME, _database_url, _drop_worker_sessions


class Cluster:
    def __init__(self, portal_url: str, *, workers: int = 2, env: dict | None = None) -> None:
        self.portal_url = portal_url
        self.workers = workers
        self.env = env or {}
        self.proc: subprocess.Popen | None = None

    def start(self) -> Cluster:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.bench.worker_settings",
            "BENCH_Q_WORKERS": str(self.workers),
            "DATABASE_URL": _database_url(),
            "PORTAL_URL": self.portal_url,
            "PGAPPNAME": WORKER_APP_NAME,
            **self.env,
        }
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        """SIGKILL the whole cluster: nothing is cleaned up, tasks in flight are lost."""
        import signal

        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        _drop_worker_sessions()

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
