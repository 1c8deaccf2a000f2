"""Reads the integrations pages and API need: connections, pairs and flows with what their lists show.

Writes live in ``integrations.services`` (connections, pairs, the webhook inbox) and the sync engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from integrations.models import Connection, Flow, IntegrationPair, PendingRecord, RecordLink, SyncRun
from mappings.models import MappingSet

RECENT_RUNS = 10
PENDING_SHOWN = 20


def connection_list() -> QuerySet[Connection]:
    """Every connection with how many pairs use it."""
    return Connection.objects.annotate(
        pair_count=Count("kashflow_pairs", distinct=True) + Count("ax_pairs", distinct=True)
    )


def pairs_using(connection: Connection) -> QuerySet[IntegrationPair]:
    return IntegrationPair.objects.filter(Q(kashflow=connection) | Q(dynamics_ax=connection))


def pair_list() -> QuerySet[IntegrationPair]:
    return IntegrationPair.objects.select_related("kashflow", "dynamics_ax")


def flow_list() -> QuerySet[Flow]:
    """Every flow with its last run, its waiting records and its open exceptions, in one query."""
    last_run = SyncRun.objects.filter(flow=OuterRef("pk")).order_by("-queued_at")
    # The version runs use: the published one of the flow's mapping key (Flow.published_mapping_set), per row.
    running = MappingSet.objects.filter(key=OuterRef("mapping_set__key"), status=MappingSet.Status.PUBLISHED)
    return (
        Flow.objects.select_related("pair", "mapping_set")
        .annotate(
            running_mapping=Subquery(running.values("name")[:1]),
            running_version=Subquery(running.values("version")[:1]),
            last_status=Subquery(last_run.values("status")[:1]),
            last_finished=Subquery(last_run.values("finished_at")[:1]),
            last_run_id=Subquery(last_run.values("pk")[:1]),
            pending_count=Count("pending", distinct=True),
            open_exceptions=Count("exceptions", filter=Q(exceptions__status__in=["open", "retrying"]), distinct=True),
        )
        .order_by("pair__name", "name")
    )


def flow_with_related() -> QuerySet[Flow]:
    return Flow.objects.select_related("pair", "mapping_set")


def recent_runs(flow: Flow) -> QuerySet[SyncRun]:
    return flow.runs.select_related("mapping_set")[:RECENT_RUNS]


def pending_records(flow: Flow) -> tuple[QuerySet[PendingRecord], int]:
    """The first records waiting for the flow's next run, and how many wait in all."""
    waiting = PendingRecord.objects.filter(flow=flow)
    return waiting[:PENDING_SHOWN], waiting.count()


# Flows whose AX documents are created as drafts, posted in AX as a separate step, and can be seen posted: free
# text invoices and customer payment journals (both create-only; posting makes customer transactions, read from
# CustomerTransactionService) and journals (the journal service's read).
DRAFT_ENTITIES = ("sales_invoice", "payment", "journal", "purchase_invoice", "supplier_payment")


@dataclass(frozen=True)
class AxDrafts:
    """Documents a flow created in AX that AX has not shown posted yet, and since when the oldest waits."""

    count: int
    oldest: datetime | None

    @property
    def age_minutes(self) -> int:
        return int((timezone.now() - self.oldest).total_seconds() // 60) if self.oldest else 0


def ax_drafts(flows=None) -> dict[int, AxDrafts]:
    """Per KashFlow -> AX document flow: its documents still unposted in AX as far as LedgerBridge can tell
    (integrations.sync.confirm refreshes ``RecordLink.ax_posted_at`` after each run). A payment journal shows posted
    once AX holds the customer transaction its posting made; before that it counts as a draft, whether its key is
    known or still to be confirmed."""
    qs = RecordLink.objects.filter(
        flow__direction="kf_to_ax", flow__entity__in=DRAFT_ENTITIES, ax_posted_at__isnull=True
    ).exclude(target_key="", key_unconfirmed_since__isnull=True)
    if flows is not None:
        qs = qs.filter(flow__in=flows)
    rows = qs.values("flow_id").annotate(count=Count("id"), oldest=Min("synced_at"))
    return {r["flow_id"]: AxDrafts(r["count"], r["oldest"]) for r in rows}
