"""django-q2 tasks: each takes ids, loads its rows and calls one service. Idempotent: delivered twice,
the second delivery finds the run claimed (or the event processed) and does nothing."""

from __future__ import annotations

from integrations.services.webhooks import process_event
from integrations.sync.runner import execute_run
from integrations.sync.runs import follow_up, scheduled_run
from integrations.sync.runs import resume_stalled_runs as resume


def run_flow_task(run_id: int) -> str:
    run = execute_run(run_id)
    if run is not None:
        follow_up(run)
    return f"run {run_id}: {run.status}" if run else f"run {run_id}: not ours"


def scheduled_flow_run(flow_id: int) -> str:
    run = scheduled_run(flow_id)
    return f"queued run {run.pk}" if run else "no run"


def process_webhook_event(event_id: int) -> str:
    return process_event(event_id)


def resume_stalled_runs() -> str:
    resumed = resume()
    return f"resumed {resumed}" if resumed else "nothing stalled"
