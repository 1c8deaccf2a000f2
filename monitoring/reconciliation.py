"""The monitoring side of reconciliation: the exception queue explains records, the worker runs reconciliations.

The comparison itself lives in ``integrations.reconciliation``; monitoring adds what only it knows: which
records a person is already handling (open or retrying exceptions, with their stated reason).
"""

from __future__ import annotations

from datetime import date

from integrations.models import Flow, IntegrationPair
from integrations.reconciliation import services
from integrations.reconciliation.models import ReconciliationRun
from monitoring.models import ExceptionItem

TASK = "monitoring.reconciliation.reconciliation_task"


def queue_explanations(flow: Flow) -> dict[str, str]:
    """{source key: the stated reason} for the flow's records in the exception queue: open or retrying (the error
    a person is handling), or ignored with a note (a person's decision that the record stays out of AX)."""
    reasons: dict[str, str] = {}
    items = ExceptionItem.objects.filter(
        flow=flow,
        status__in=(ExceptionItem.Status.OPEN, ExceptionItem.Status.RETRYING, ExceptionItem.Status.IGNORED),
    ).order_by("first_seen_at", "id")
    for item in items.only("source_key", "status", "error_class", "message", "resolution_note"):
        if item.status == ExceptionItem.Status.IGNORED:
            if not item.resolution_note.strip():
                continue  # ignored without a reason explains nothing
            reasons[item.source_key] = f"ignored in the exception queue: {item.resolution_note.strip()}"[:300]
        else:
            reasons[item.source_key] = f"in the exception queue ({item.error_class}): {item.message}"[:300]
    return reasons


def start_reconciliation(
    *,
    pair: IntegrationPair,
    entities: list[str] | None = None,
    since: date | None = None,
    trigger: str = ReconciliationRun.Trigger.MANUAL,
    user=None,
    inline: bool | None = None,
) -> ReconciliationRun:
    return services.start_reconciliation(
        inline=inline,
        pair=pair,
        entities=entities,
        since=since,
        trigger=trigger,
        user=user,
        explanations=queue_explanations,
        task=TASK,
    )


def reconcile(pair: IntegrationPair, *, entities: list[str] | None = None, since: date | None = None):
    return services.reconcile(pair, entities=entities, since=since, explanations=queue_explanations)


def reconciliation_task(run_id: int) -> None:
    """django-q2 task: one reconciliation run by id (idempotent: a second delivery finds it claimed)."""
    services.perform_run(run_id, explanations=queue_explanations)


def latest_run(pair: IntegrationPair | None = None) -> ReconciliationRun | None:
    runs = ReconciliationRun.objects.select_related("pair", "requested_by")
    if pair is not None:
        runs = runs.filter(pair=pair)
    return runs.first()


def scheduled_reconciliation() -> list[int]:
    """django-q2 schedule: reconcile every integration pair in full, in this worker; answers the run ids.

    An alert rule of the reconciliation kind then fires on the latest run's unexplained differences."""
    ids = []
    for pair in IntegrationPair.objects.order_by("pk"):
        run = start_reconciliation(pair=pair, trigger=ReconciliationRun.Trigger.SCHEDULED, inline=True)
        ids.append(run.pk)
    return ids
