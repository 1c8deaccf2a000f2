"""One writer per record at a time, whichever flow's run writes it.

A record can be written by its own flow and, at the same moment, by another flow that syncs it as a
dependency (the invoice status flow syncs an invoice's payments; the payments flow syncs a missing invoice).
The one-run-per-flow lock (``locks``) cannot see that, so every write takes the record's claim first: a row
in ``RecordClaim`` (unique per flow and source key), taken with one INSERT, or with a conditional UPDATE when
the claim's holder is gone. The write intent (the record's link) is read again under the claim, immediately
before sending, so a record the other writer posted meanwhile is recognised as posted.

A claim is released (deleted) once the record's link and outcome are committed. When a worker dies, its
claims are free as soon as its run is no longer held by it (a stalled run resumed by another worker), or
when their lease (``SYNC_STALL_SECONDS``) ran out: the holder's heartbeat renews the lease of its claims.
Plain SQL on PostgreSQL and SQLite alike; no broker or advisory lock.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from integrations.models import RecordClaim, SyncRun
from integrations.sync.config import stall_seconds
from integrations.sync.errors import SyncError

# How long a writer waits for a record another run is writing before the record waits for a later run.
WAIT_SECONDS = 30.0
POLL_SECONDS = 0.1


class RecordBusy(SyncError):
    """Another run is writing this record and did not finish within the wait: the record waits, nothing lost."""

    permanent = False
    stage = "load"
    error_class = "connection"
    error_code = "record_busy"

    def __init__(self, flow, key: str) -> None:
        super().__init__(f"Record {key} of {flow} is being written by another run; it waits for a later run.")
        self.key = key


def holder_of(ctx) -> tuple[str, int | None]:
    """The claim holder of a run context: the worker executing its run (dependency contexts share it)."""
    heartbeat = ctx.heartbeat
    worker = getattr(heartbeat, "worker", "") or f"run-{ctx.run.pk}"
    return worker, getattr(heartbeat, "run_id", ctx.run.pk)


def _lease():
    return timezone.now() + timedelta(seconds=max(1.0, stall_seconds()))


def try_claim(ctx, key: str) -> bool:
    """Take the record's claim now if it is free (or ours already); never waits."""
    holder, run_id = holder_of(ctx)
    now = timezone.now()
    try:
        with transaction.atomic():  # a savepoint: a refused INSERT must not spoil an outer transaction
            RecordClaim.objects.create(
                flow=ctx.flow, source_key=key, holder=holder, run_id=run_id, claimed_at=now, expires_at=_lease()
            )
        return True
    except IntegrityError:
        pass
    holder_alive = SyncRun.objects.filter(
        pk=OuterRef("run_id"), worker=OuterRef("holder"), status=SyncRun.Status.RUNNING
    )
    free = Q(holder=holder) | Q(expires_at__lt=now) | ~Exists(holder_alive)
    taken = (
        RecordClaim.objects.filter(flow=ctx.flow, source_key=key)
        .filter(free)
        .update(holder=holder, run_id=run_id, claimed_at=now, expires_at=_lease())
    )
    return taken == 1


def claim(ctx, key: str, *, wait: float | None = None) -> None:
    """Take the record's claim, waiting up to ``wait`` seconds for another writer; raise RecordBusy after."""
    deadline = time.monotonic() + (WAIT_SECONDS if wait is None else wait)
    while not try_claim(ctx, key):
        if time.monotonic() >= deadline:
            raise RecordBusy(ctx.flow, key)
        ctx.heartbeat.sleep(POLL_SECONDS)


def release(ctx, key: str) -> None:
    holder, _ = holder_of(ctx)
    RecordClaim.objects.filter(flow=ctx.flow, source_key=key, holder=holder).delete()


@contextmanager
def holding(ctx, key: str, *, wait: float | None = None) -> Iterator[None]:
    """Hold the record's claim for the block (re-entrant: a claim this run already holds is kept)."""
    held = ctx.cache.setdefault("claims_held", set())
    marker = (ctx.flow.pk, key)
    if marker in held:
        yield
        return
    claim(ctx, key, wait=wait)
    held.add(marker)
    try:
        yield
    finally:
        held.discard(marker)
        release(ctx, key)


def release_all(worker: str) -> None:
    """Drop whatever claims ``worker`` still holds (its run is over; each record's claim is normally gone)."""
    RecordClaim.objects.filter(holder=worker).delete()


def renew(worker: str) -> None:
    """Extend the lease of every claim ``worker`` holds (called with its heartbeat)."""
    RecordClaim.objects.filter(holder=worker).update(expires_at=_lease())
