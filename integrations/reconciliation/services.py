"""Reconciliation: read both ledgers through the connectors, compare them money by money, keep the result.

``reconcile`` reads and compares (no writes); ``start_reconciliation`` records a run and runs it in the worker
or, for a small company, at once; ``perform_run`` is what the worker does with a run's id. Which records are
*explained* (in the exception queue for a stated reason) is the caller's to say: ``explanations`` maps a flow
to {source key: reason}. Records waiting for a dependency (PendingRecord) are explained by their wait.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.models import Flow, IntegrationPair, PendingRecord, RecordLink
from integrations.reconciliation.core import EntityResult, Kind, Total, reconcile_entity
from integrations.reconciliation.models import ReconciliationRun
from integrations.reconciliation.readers import READERS
from integrations.reconciliation.sources import (
    Snapshot,
    ax_side,
    expected_documents,
    flows_to_reconcile,
    on_or_after,
    read,
    reference_data,
)

log = logging.getLogger(__name__)

Explanations = Callable[[Flow], dict[str, str]]
# Documents that need the mapping's view of them (their dimensions come from the accountant's rules).
# (Sales invoices' dimensions are not reconciled: AX shows a posted invoice's customer transaction, not its lines.)
WITH_EXPECTED = {"purchase_invoice": "Number"}


@dataclass
class Reconciliation:
    results: list[EntityResult] = field(default_factory=list)

    @property
    def unexplained(self) -> list:
        return [d for r in self.results for d in r.unexplained]

    @property
    def explained(self) -> list:
        return [d for r in self.results for d in r.explained]

    @property
    def unposted(self) -> list:
        """Documents we created in AX that are drafts not posted yet (explained; see ``Kind.UNPOSTED``)."""
        return [d for d in self.explained if d.kind == Kind.UNPOSTED]

    @property
    def not_listed(self) -> list[str]:
        """Entities whose AX side could only be read by the keys we linked: AX documents we hold no link for
        cannot be seen there (AX offers no way to list them)."""
        return [r.entity for r in self.results if not r.ax_listed]

    def differences_of(self, entity: str) -> list:
        return [d for r in self.results if r.entity == entity for d in r.differences]

    @property
    def totals(self) -> list[Total]:
        return [t for r in self.results for t in r.totals]

    @property
    def clean(self) -> bool:
        return not self.unexplained

    @property
    def documents(self) -> int:
        return sum(r.documents for r in self.results)


def waiting_explanations(flow: Flow) -> dict[str, str]:
    return {
        p.source_key: f"waiting ({p.get_reason_display()}): {p.detail}".rstrip(": ")
        for p in PendingRecord.objects.filter(flow=flow)
    }


def reconcile(
    pair: IntegrationPair,
    *,
    entities: Iterable[str] | None = None,
    since: date | None = None,
    explanations: Explanations | None = None,
    connectors: tuple | None = None,
) -> Reconciliation:
    """Compare every KashFlow -> AX flow of ``pair`` with a reader (or those of ``entities``); ``since``: only
    documents dated on or after it, on both sides."""
    from integrations.services.connections import build_connector

    kashflow, ax = connectors or (build_connector(pair.kashflow), build_connector(pair.dynamics_ax))
    snapshot = Snapshot(since=since)
    outcome = Reconciliation()
    try:
        flows = flows_to_reconcile(pair, entities)
        ref = reference_data(pair, kashflow, ax, snapshot, [f.entity for f in flows])
        for flow in flows:
            reader = READERS[flow.entity]
            records = read(snapshot.kashflow, kashflow, reader.KASHFLOW_ENTITY)
            if flow.entity in WITH_EXPECTED:
                field_name = WITH_EXPECTED[flow.entity]
                expected = expected_documents(flow, records, lambda r, f=field_name: str(r.get(f)).strip())
                ref.expected.update({(flow.entity, k): v for k, v in expected.items()})
            kf_docs = [d for d in (reader.kashflow_document(r, ref) for r in records) if on_or_after(d.date, since)]
            links = dict(
                RecordLink.objects.filter(flow=flow).exclude(target_key="").values_list("source_key", "target_key")
            )
            side = ax_side(flow, reader, ax, snapshot, links)
            prepare = getattr(reader, "prepare_ax", None)  # a reader may first group AX's rows into documents
            ax_records = prepare(side.records) if prepare else side.records
            ax_docs = [
                d for record in ax_records for d in reader.ax_documents(record, ref) if on_or_after(d.date, since)
            ]
            reasons = waiting_explanations(flow)
            if explanations is not None:
                reasons.update(explanations(flow))
            outcome.results.append(
                reconcile_entity(flow.entity, kf_docs, ax_docs, links=links, explained=reasons, ax_view=side.view)
            )
    finally:
        if connectors is None:
            kashflow.close()
            ax.close()
    return outcome


# --- Runs ---------------------------------------------------------------------------------------------------


def start_reconciliation(
    *,
    pair: IntegrationPair,
    entities: list[str] | None = None,
    since: date | None = None,
    trigger: str = ReconciliationRun.Trigger.MANUAL,
    user=None,
    explanations: Explanations | None = None,
    task: str = "monitoring.tasks.reconciliation_task",
    inline: bool | None = None,
) -> ReconciliationRun:
    """Record a run and reconcile. ``inline`` None: a small company (at most RECONCILE_INLINE_MAX_LINKS linked
    records) at once, a large one in the worker (``task`` is the dotted path the worker calls with the run's id,
    once the row is committed), so a page never waits minutes on two remote systems."""
    run = ReconciliationRun.objects.create(
        pair=pair, entities=list(entities or []), since=since, trigger=trigger, requested_by=user
    )
    if inline is None:
        limit = int(getattr(settings, "RECONCILE_INLINE_MAX_LINKS", 500))
        inline = RecordLink.objects.filter(flow__pair=pair).count() <= limit
    if inline:
        perform_run(run.pk, explanations=explanations)
        run.refresh_from_db()
        return run

    def enqueue() -> None:
        from django_q.tasks import async_task

        async_task(task, run.pk, task_name=f"reconciliation-{run.pk}")

    transaction.on_commit(enqueue)
    return run


def perform_run(run_id: int, *, explanations: Explanations | None = None) -> ReconciliationRun | None:
    """Claim a queued run (django-q2 may deliver twice: only one delivery wins), reconcile, store the result."""
    claimed = ReconciliationRun.objects.filter(pk=run_id, status=ReconciliationRun.Status.QUEUED).update(
        status=ReconciliationRun.Status.RUNNING, started_at=timezone.now()
    )
    run = ReconciliationRun.objects.select_related("pair").get(pk=run_id)
    if claimed != 1:
        return run
    try:
        result = reconcile(run.pair, entities=run.entities or None, since=run.since, explanations=explanations)
    except Exception as exc:
        log.exception("reconciliation %s failed", run_id)
        run.status = ReconciliationRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        return run
    store_result(run, result)
    return run


def store_result(run: ReconciliationRun, result: Reconciliation) -> None:
    ordered = result.unexplained + result.explained
    run.status = ReconciliationRun.Status.CLEAN if result.clean else ReconciliationRun.Status.DIFFERENCES
    run.documents = result.documents
    run.unexplained_count = len(result.unexplained)
    run.explained_count = len(result.explained)
    run.differences = [d.as_dict() for d in ordered[: ReconciliationRun.MAX_STORED]]
    run.differences_truncated = len(ordered) > ReconciliationRun.MAX_STORED
    run.summary = {
        "entities": [
            {
                "entity": r.entity,
                "documents": r.documents,
                "ax_documents": r.ax_documents,
                "unexplained": len(r.unexplained),
                "explained": len(r.explained),
                "unposted": sum(1 for d in r.explained if d.kind == Kind.UNPOSTED),
                "ax_listed": r.ax_listed,
                "ax_read": r.ax_read,
            }
            for r in result.results
        ],
        "totals": [t.as_dict() for t in result.totals],
    }
    run.finished_at = timezone.now()
    run.save()
