"""Execute one run: claim it, extract, process every record, finish, and keep the heartbeat going.

A run that is resumed (its worker died) walks the same records and skips every record that already
has an outcome in this run; unchanged records are skipped by their links anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db.models import F
from django.utils import timezone

from integrations.models import Flow, RecordOutcome, SyncRun
from integrations.sync import claims, locks, verify
from integrations.sync.alerts import circuit_opened
from integrations.sync.config import circuit_pause, circuit_threshold
from integrations.sync.confirm import confirm_keys, refresh_posted
from integrations.sync.context import CircuitOpen, RunContext
from integrations.sync.errors import classify, describe
from integrations.sync.extract import extract
from integrations.sync.heartbeat import Heartbeat
from integrations.sync.load import RetriesExhausted
from integrations.sync.pipeline import Prepared, load_batch, process_record, replay_intents

log = logging.getLogger(__name__)

FINAL_ACTIONS = ("created", "updated", "skipped", "failed", "validated")


SWITCH_CHECK_EVERY = 20  # records between two looks at the flow's batched-writes setting


def _take_up_batching_switch(ctx) -> None:
    """An admin may switch a flow to batched writes (or back) while it runs: the run takes it up as it goes."""
    current = Flow.objects.filter(pk=ctx.flow.pk).values_list("batched_writes", flat=True).first()
    if current is not None:
        ctx.flow.batched_writes = current


def batched_writes(ctx) -> bool:
    """New AX documents go in batches once the flow switched to batched writes (after repeated time-outs)."""
    spec = ctx.spec
    return (
        ctx.flow.batched_writes
        and not ctx.dry_run
        and spec.target_system == "dynamics_ax"
        and not spec.target_key_field
        and spec.batchable
        and callable(getattr(ctx.target, "create_many", None))
    )


def execute_run(run_id: int, *, on_progress: Callable[[SyncRun], None] | None = None) -> SyncRun | None:
    """Run ``run_id`` in this process if no other worker holds it; None when it was not ours to run."""
    worker = locks.worker_identity()
    if not locks.claim_execution(run_id, worker):
        return None
    run = SyncRun.objects.select_related("flow__pair__kashflow", "flow__pair__dynamics_ax", "flow__mapping_set").get(
        pk=run_id
    )
    heartbeat = Heartbeat(run.pk, worker)
    ctx = None
    status, error = SyncRun.Status.FAILED, ""
    try:
        ctx = RunContext.open(run, heartbeat, process=process_record)
        SyncRun.objects.filter(pk=run.pk).update(
            mapping_set=ctx.mapping_set, mapping_version=ctx.mapping_set.version, watermark_from=run.flow.watermark
        )
        records, watermark = extract(ctx)
        if verify.applies(ctx):
            check = verify.verify_links(ctx)
            SyncRun.objects.filter(pk=run.pk).update(notes=check.note(ctx.spec.target_entity))
        replay_intents(ctx)  # batches a dead worker left in flight go again first, each as the same message
        done = set(run.outcomes.filter(action__in=FINAL_ACTIONS).values_list("source_key", flat=True))
        SyncRun.objects.filter(pk=run.pk).update(
            total=len(records) if not done else max(len(records), run.processed),
            read_count=len(records),
            watermark_to=watermark,
        )
        batch: list[Prepared] = []
        for number, record in enumerate(records):
            heartbeat.tick()
            if number % SWITCH_CHECK_EVERY == 0:
                _take_up_batching_switch(ctx)
            key = ctx.spec.source_key(record) if isinstance(record, dict) else ""
            if key and (key in done or key in ctx.cache.get("replayed", ())):  # settled by a replayed batch
                continue
            override = ctx.cache.get("document_overrides", {}).get(key)
            result = process_record(ctx, record, document_override=override, defer_create=batched_writes(ctx))
            if isinstance(result, Prepared):
                batch.append(result)
                if len(batch) >= max(1, run.flow.batch_size):
                    load_batch(ctx, batch)
                    batch = []
            if ctx.consecutive_exhausted >= circuit_threshold():
                raise CircuitOpen(f"the remote system could not be reached {ctx.consecutive_exhausted} times in a row")
            if on_progress:
                run.refresh_from_db()
                on_progress(run)
        load_batch(ctx, batch)
        if ctx.consecutive_exhausted >= circuit_threshold():
            raise CircuitOpen(f"the remote system could not be reached {ctx.consecutive_exhausted} times in a row")
        confirm_keys(ctx)
        refresh_posted(ctx)
        run.refresh_from_db()
        waiting = run.outcomes.filter(action=RecordOutcome.Action.WAITING).exists()
        status = SyncRun.Status.PARTIAL if run.failed_count or waiting else SyncRun.Status.SUCCEEDED
        if not run.dry_run:
            Flow.objects.filter(pk=run.flow_id).update(watermark=watermark, consecutive_failures=0)
    except locks.RunLost:
        log.warning("run %s was taken over by another worker", run_id)
        return None
    except CircuitOpen as exc:
        error = f"Circuit open: {exc}. The flow is paused."
        _open_circuit(run.flow, error)
    except Exception as exc:
        error = describe(exc)
        log.warning("run %s of %s failed: %s", run.pk, run.flow, error, exc_info=not hasattr(exc, "permanent"))
        # Only a remote system that keeps failing opens the circuit; a missing mapping is for a person to fix.
        if isinstance(exc, RetriesExhausted) or not classify(exc).permanent:
            _note_failed_run(run.flow, error)
    finally:
        if ctx is not None:
            ctx.close()
        claims.release_all(worker)
    locks.release(run.pk, worker, status=status, error=error)
    run.refresh_from_db()
    if on_progress:
        on_progress(run)
    return run


def _note_failed_run(flow: Flow, error: str) -> None:
    Flow.objects.filter(pk=flow.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    flow.refresh_from_db(fields=["consecutive_failures"])
    if flow.consecutive_failures >= circuit_threshold():
        _open_circuit(flow, f"{flow.consecutive_failures} runs in a row failed; last error: {error}")


def _open_circuit(flow: Flow, reason: str) -> None:
    """Pause the flow and raise an alert; scheduled runs skip it until the pause ends or an admin resumes it."""
    until = timezone.now() + circuit_pause()
    Flow.objects.filter(pk=flow.pk).update(paused_until=until, pause_reason=reason[:2000])
    flow.paused_until, flow.pause_reason = until, reason
    circuit_opened(flow, reason)


def execute_single(run_id: int, record: dict, *, document_override: dict | None = None) -> SyncRun | None:
    """Run ``run_id`` over one given record (a retry from the exception queue), not the flow's extraction."""
    worker = locks.worker_identity()
    if not locks.claim_execution(run_id, worker):
        return None
    run = SyncRun.objects.select_related("flow__pair__kashflow", "flow__pair__dynamics_ax", "flow__mapping_set").get(
        pk=run_id
    )
    ctx = None
    status, error = SyncRun.Status.FAILED, ""
    try:
        ctx = RunContext.open(run, Heartbeat(run.pk, worker), process=process_record)
        SyncRun.objects.filter(pk=run.pk).update(
            mapping_set=ctx.mapping_set, mapping_version=ctx.mapping_set.version, total=1, read_count=1
        )
        outcome = process_record(ctx, record, document_override=document_override)
        status = SyncRun.Status.SUCCEEDED if outcome.action in FINAL_ACTIONS[:3] else SyncRun.Status.PARTIAL
    except locks.RunLost:
        return None
    except Exception as exc:
        error = describe(exc)
        log.warning("retry run %s failed: %s", run_id, error)
    finally:
        if ctx is not None:
            ctx.close()
        claims.release_all(worker)
    locks.release(run.pk, worker, status=status, error=error)
    run.refresh_from_db()
    return run
