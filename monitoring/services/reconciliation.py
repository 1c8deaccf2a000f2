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


def perform_run(run_id: int) -> ReconciliationRun | None:
    """What the worker does with a queued run (idempotent: a second delivery finds it claimed)."""
    return services.perform_run(run_id, explanations=queue_explanations)


def reconcile_every_pair() -> list[int]:
    """Reconcile every integration pair in full, here and now (the daily schedule); answers the run ids.

    An alert rule of the reconciliation kind then fires on the latest run's unexplained differences."""
    ids = []
    for pair in IntegrationPair.objects.order_by("pk"):
        run = start_reconciliation(pair=pair, trigger=ReconciliationRun.Trigger.SCHEDULED, inline=True)
        ids.append(run.pk)
    return ids


def reconciliation_findings(rule, now) -> list:
    """The alert condition of a reconciliation rule: per pair, the latest finished reconciliation found at least
    ``threshold`` (at least 1) unexplained differences, or could not read both systems. A rule with a flow looks
    only at that flow's documents. The incident resolves when a later reconciliation is clean."""
    from monitoring.alerts import Finding

    pairs = [rule.flow.pair] if rule.flow_id else list(IntegrationPair.objects.order_by("pk"))
    found = []
    for pair in pairs:
        latest = ReconciliationRun.objects.filter(pair=pair, status__in=ReconciliationRun.FINISHED).first()
        if latest is None:
            continue
        subject = f"reconciliation:{pair.pk}" + (f":{rule.flow.entity}" if rule.flow_id else "")
        if latest.status == ReconciliationRun.Status.FAILED:
            found.append(Finding(subject, f"Reconciliation of {pair.name} could not finish: {latest.error}"))
            continue
        unexplained = [d for d in latest.differences if not d.get("explained_by")]
        if rule.flow_id:
            unexplained = [d for d in unexplained if d["entity"] == rule.flow.entity]
        count = latest.unexplained_count if latest.differences_truncated and not rule.flow_id else len(unexplained)
        if count >= max(rule.threshold, 1):
            at_stake = {}
            for d in unexplained:
                at_stake[d["currency"] or "?"] = at_stake.get(d["currency"] or "?", 0) + abs(float(d["amount"]))
            money = ", ".join(f"{amount:,.2f} {currency}" for currency, amount in sorted(at_stake.items()))
            where = f" ({rule.flow.name})" if rule.flow_id else ""
            found.append(
                Finding(
                    subject,
                    f"Reconciliation {latest.pk} of {pair.name}{where} found {count} unexplained differences"
                    f"{f' ({money} at stake)' if money else ''}.",
                )
            )
    return found
