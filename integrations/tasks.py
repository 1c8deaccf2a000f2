"""django-q2 tasks: each takes ids, loads its rows and calls one service. Idempotent: delivered twice,
the second delivery finds the run claimed (or the event processed) and does nothing."""

from __future__ import annotations


def run_flow_task(run_id: int) -> str:
    from integrations.sync.runner import execute_run

    run = execute_run(run_id)
    return f"run {run_id}: {run.status}" if run else f"run {run_id}: not ours"


def scheduled_flow_run(flow_id: int) -> str:
    from integrations.sync.runs import scheduled_run

    run = scheduled_run(flow_id)
    return f"queued run {run.pk}" if run else "no run"


def process_webhook_event(event_id: int) -> str:
    from integrations.services.webhooks import process_event

    return process_event(event_id)


def resume_stalled_runs() -> str:
    from integrations.sync.runs import resume_stalled_runs as resume

    resumed = resume()
    return f"resumed {resumed}" if resumed else "nothing stalled"
