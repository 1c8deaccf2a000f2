"""Starting runs: the services the flow page, the API, schedules, webhooks and the command line call."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from integrations.models import Flow, PendingRecord, SyncRun
from integrations.models.flows import Trigger
from integrations.sync import heartbeat, locks
from integrations.sync.locks import FlowBusy
from integrations.sync.runner import execute_run
from monitoring import audit

log = logging.getLogger(__name__)

__all__ = ["FlowBusy", "FlowPaused", "follow_up", "resume_stalled_runs", "run_flow", "start_run", "start_run_if_idle"]


class FlowPaused(Exception):
    def __init__(self, flow: Flow) -> None:
        super().__init__(f"Flow {flow.name} is paused until {flow.paused_until:%H:%M}: {flow.pause_reason}")
        self.flow = flow


class FlowDisabled(Exception):
    def __init__(self, flow: Flow) -> None:
        super().__init__(f"Flow {flow.name} is disabled.")
        self.flow = flow


def _enqueue(run_id: int) -> None:
    async_task("integrations.tasks.run_flow_task", run_id, task_name=f"sync-run-{run_id}")


def start_run(
    flow: Flow,
    *,
    trigger: str = Trigger.MANUAL,
    full: bool = False,
    dry_run: bool = False,
    user=None,
    enqueue: bool = True,
) -> SyncRun:
    """Queue a run of ``flow`` for a worker. Raises FlowBusy (one run per flow), FlowPaused, FlowDisabled.

    A person starting a run (trigger manual) resumes a paused flow: that is the admin's decision.
    """
    if not flow.enabled and trigger != Trigger.MANUAL:
        raise FlowDisabled(flow)
    if flow.paused_until and flow.paused_until > timezone.now():
        if trigger != Trigger.MANUAL:
            raise FlowPaused(flow)
        resume_flow(flow, user=user)
    run = locks.claim_run(flow, trigger=trigger, full=full, dry_run=dry_run)
    if user is not None:
        audit.record(
            actor=user, action="run_started", obj=flow, changes={"run": run.pk, "full": full, "dry_run": dry_run}
        )
    if enqueue:
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def start_run_if_idle(flow: Flow, *, trigger: str) -> SyncRun | None:
    try:
        return start_run(flow, trigger=trigger)
    except (FlowBusy, FlowPaused, FlowDisabled) as exc:
        log.info("no new run of %s: %s", flow, exc)
        return None


def run_flow(
    flow: Flow,
    *,
    full: bool = False,
    dry_run: bool = False,
    trigger: str = Trigger.MANUAL,
    on_progress: Callable[[SyncRun], None] | None = None,
) -> SyncRun:
    """Run ``flow`` now, in this process (the command line). Raises FlowBusy when a run is active."""
    run = start_run(flow, trigger=trigger, full=full, dry_run=dry_run, enqueue=False)
    finished = execute_run(run.pk, on_progress=on_progress)
    return finished or SyncRun.objects.get(pk=run.pk)


def resume_flow(flow: Flow, *, user=None) -> None:
    Flow.objects.filter(pk=flow.pk).update(paused_until=None, pause_reason="", consecutive_failures=0)
    audit.record(actor=user, action="flow_resumed", obj=flow, changes={"pause_reason": flow.pause_reason})
    flow.paused_until, flow.pause_reason, flow.consecutive_failures = None, "", 0


def resume_stalled_runs(*, stale_after: float | None = None) -> list[int]:
    """Give every run whose heartbeat stopped back to the queue; returns their ids. Needs no broker state."""
    resumed = []
    for run in heartbeat.stalled_runs(stale_after=stale_after):
        if heartbeat.requeue(run):
            log.warning("resuming stalled run %s of %s (last heartbeat %s)", run.pk, run.flow, run.heartbeat_at)
            transaction.on_commit(lambda run_id=run.pk: _enqueue(run_id))
            resumed.append(run.pk)
    return resumed


def scheduled_run(flow_id: int) -> SyncRun | None:
    flow = Flow.objects.filter(pk=flow_id).first()
    if flow is None:
        return None
    trigger = flow.trigger if flow.trigger in (Trigger.SCHEDULE, Trigger.POLLING) else Trigger.SCHEDULE
    return start_run_if_idle(flow, trigger=trigger)


def follow_up(run: SyncRun) -> SyncRun | None:
    """After a run: pushes that arrived while it was busy get a run of their own (called by the task)."""
    if run.dry_run or run.status not in (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL):
        return None
    if PendingRecord.objects.filter(
        flow_id=run.flow_id, reason=PendingRecord.Reason.WEBHOOK, created_at__gte=run.started_at or run.queued_at
    ).exists():
        return start_run_if_idle(run.flow, trigger=Trigger.WEBHOOK)
    return None
