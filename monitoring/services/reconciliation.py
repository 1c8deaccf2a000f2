"""The monitoring side of reconciliation: the exception queue explains records, the worker runs reconciliations.

The comparison itself lives in ``integrations.reconciliation``; monitoring adds what only it knows: which
records a person is already handling (open or retrying exceptions, with their stated reason).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from integrations.models import Flow, IntegrationPair
from integrations.reconciliation import services
from integrations.reconciliation.models import ReconciliationRun
from monitoring.models import ExceptionItem

TASK = "monitoring.tasks.reconciliation_task"


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


@dataclass(frozen=True)
class BooksCheck:
    """The books of one pair after a fault campaign (or any time), in plain data a test can assert on.

    ``clean``: no unexplained difference. ``by_kind``: unexplained differences per kind ("missing_in_ax": 2, ...);
    ``by_entity``: the same per entity. ``unexplained`` / ``explained``: each difference as a dict (entity, kind,
    key, kashflow, ax, ax_keys, currency, amount, explained_by); explained ones are those matching an open,
    retrying or reasoned-ignored exception-queue item, a record waiting for a dependency, or a draft not yet
    posted in AX (kind "unposted_in_ax", also counted in ``unposted``). ``not_listed``: entities whose AX side
    could be read only by the keys we linked, so an AX document with no link there cannot be seen.
    """

    clean: bool
    documents: int
    by_kind: dict[str, int] = field(default_factory=dict)
    by_entity: dict[str, dict[str, int]] = field(default_factory=dict)
    unexplained: list[dict] = field(default_factory=list)
    explained: list[dict] = field(default_factory=list)
    unposted: int = 0
    not_listed: list[str] = field(default_factory=list)
    totals_disagree: list[dict] = field(default_factory=list)


def check_books(pair: IntegrationPair | None = None, *, entities: list[str] | None = None) -> BooksCheck:
    """Reconcile ``pair`` (the only pair when None) now, with the exception queue's explanations, and answer
    counts of differences by kind and the explained ones. Reads both systems; writes nothing (no run is kept)."""
    pair = pair or IntegrationPair.objects.get()
    result = reconcile(pair, entities=entities)
    by_entity: dict[str, Counter] = {}
    for d in result.unexplained:
        by_entity.setdefault(d.entity, Counter())[d.kind] += 1
    return BooksCheck(
        clean=result.clean,
        documents=result.documents,
        by_kind=dict(Counter(d.kind for d in result.unexplained)),
        by_entity={entity: dict(kinds) for entity, kinds in by_entity.items()},
        unexplained=[d.as_dict() for d in result.unexplained],
        explained=[d.as_dict() for d in result.explained],
        unposted=len(result.unposted),
        not_listed=result.not_listed,
        totals_disagree=[t.as_dict() for t in result.totals if not t.agrees],
    )


def perform_run(run_id: int) -> ReconciliationRun | None:
    """What the worker does with a queued run (idempotent: a second delivery finds it claimed)."""
    return services.perform_run(run_id, explanations=queue_explanations)


def reconcile_every_pair() -> list[int]:
    """Reconcile every integration pair in full, here and now (the daily schedule); answers the run ids.

    An alert rule of the reconciliation kind then fires on the latest run's unexplained differences."""
    from monitoring.alerts import check_alerts
    from monitoring.models import AlertRule

    ids = []
    for pair in IntegrationPair.objects.order_by("pk"):
        run = start_reconciliation(pair=pair, trigger=ReconciliationRun.Trigger.SCHEDULED, inline=True)
        ids.append(run.pk)
    check_alerts(kinds=(AlertRule.Kind.RECONCILIATION,))  # at once, not at the next minute's check
    return ids
