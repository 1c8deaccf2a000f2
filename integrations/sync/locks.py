"""One run per flow at a time, on PostgreSQL and SQLite alike.

Two locks, both in the database:
- ``claim_run`` creates the run row; the partial unique constraint ``one_active_run_per_flow`` refuses a
  second queued/running run of the same flow, whichever process asks.
- ``claim_execution`` lets exactly one worker execute a run: a conditional UPDATE that must change one row.
  django-q2 may deliver a task twice, and a stalled run is handed to a new task: the loser exits.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from integrations.models import Flow, SyncRun
from integrations.sync.config import stall_seconds

ACTIVE = (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)


class FlowBusy(Exception):
    """The flow already has a queued or running run."""

    def __init__(self, run: SyncRun | None) -> None:
        super().__init__(f"Flow already has an active run ({run.pk if run else '?'}).")
        self.run = run


class RunLost(Exception):
    """Another worker took this run over (our heartbeat had stopped): stop without touching it."""


def worker_identity() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def active_run(flow: Flow) -> SyncRun | None:
    return SyncRun.objects.filter(flow=flow, status__in=ACTIVE).first()


def claim_run(flow: Flow, **fields) -> SyncRun:
    """Create the flow's next run, queued; raise FlowBusy when one is already active."""
    try:
        with transaction.atomic():
            return SyncRun.objects.create(
                flow=flow, status=SyncRun.Status.QUEUED, heartbeat_at=timezone.now(), **fields
            )
    except IntegrityError:
        raise FlowBusy(active_run(flow)) from None


def claim_execution(run_id: int, worker: str) -> bool:
    """Take the run for this worker: a queued run, or a running one whose heartbeat stopped."""
    now = timezone.now()
    stale = now - timedelta(seconds=stall_seconds())
    changed = SyncRun.objects.filter(
        Q(status=SyncRun.Status.QUEUED) | Q(status=SyncRun.Status.RUNNING, heartbeat_at__lt=stale), pk=run_id
    ).update(status=SyncRun.Status.RUNNING, heartbeat_at=now, worker=worker)
    if changed == 1:
        SyncRun.objects.filter(pk=run_id, started_at__isnull=True).update(started_at=now)
    return changed == 1


def beat(run_id: int, worker: str) -> None:
    """Refresh the heartbeat; raise RunLost when the run is no longer ours."""
    changed = SyncRun.objects.filter(pk=run_id, worker=worker, status=SyncRun.Status.RUNNING).update(
        heartbeat_at=timezone.now()
    )
    if changed != 1:
        raise RunLost(f"run {run_id} is no longer held by {worker}")


def release(run_id: int, worker: str, *, status: str, error: str = "") -> bool:
    """Finish the run if it is still ours."""
    changed = SyncRun.objects.filter(pk=run_id, worker=worker, status=SyncRun.Status.RUNNING).update(
        status=status, finished_at=timezone.now(), heartbeat_at=timezone.now(), error=error[:5000]
    )
    return changed == 1
