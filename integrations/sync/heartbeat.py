"""A run's heartbeat lives in its SyncRun row; a run whose heartbeat stopped is resumed by a scheduled check.

Recovery never depends on the broker: django-q2's Redis broker keeps no receipts, so a task in flight is
gone when its cluster dies. ``stalled_runs`` finds such runs from the database alone.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.utils import timezone

from integrations.models import SyncRun
from integrations.sync import claims, locks
from integrations.sync.config import heartbeat_seconds, stall_seconds


class Heartbeat:
    """Beats at most every ``interval`` seconds; call ``tick()`` often (per record, during waits)."""

    def __init__(self, run_id: int, worker: str, *, interval: float | None = None) -> None:
        self.run_id = run_id
        self.worker = worker
        self.interval = interval if interval is not None else heartbeat_seconds()
        self._last = 0.0

    def tick(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= self.interval:
            locks.beat(self.run_id, self.worker)
            claims.renew(self.worker)  # the records this run is writing stay its own while it lives
            self._last = now

    def sleep(self, seconds: float) -> None:
        """Wait without letting the heartbeat stop."""
        end = time.monotonic() + max(0.0, seconds)
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, max(0.2, self.interval / 2)))
            self.tick()


def stalled_runs(*, stale_after: float | None = None) -> list[SyncRun]:
    """Active runs whose heartbeat is older than ``stale_after`` seconds (queued runs whose task was lost too)."""
    seconds = stale_after if stale_after is not None else stall_seconds()
    threshold = timezone.now() - timedelta(seconds=seconds)
    return list(SyncRun.objects.filter(status__in=locks.ACTIVE, heartbeat_at__lt=threshold).select_related("flow"))


def requeue(run: SyncRun) -> bool:
    """Hand a stalled run back to the queue, once: a conditional UPDATE on the heartbeat we saw."""
    changed = SyncRun.objects.filter(pk=run.pk, status=run.status, heartbeat_at=run.heartbeat_at).update(
        status=SyncRun.Status.QUEUED, heartbeat_at=timezone.now(), worker=""
    )
    return changed == 1
