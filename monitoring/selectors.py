"""Reads behind the monitoring pages and API: the queue, its groups, runs, lineage, flow health.

Every list here is built to be paginated and to cost a constant number of queries per page,
whatever the table size: filters hit indexed columns and the list never loads the JSON payloads.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection
from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncHour
from django.utils import timezone
from django_q.models import Schedule

from integrations.models import Flow, RecordLink, RecordOutcome, SyncRun
from integrations.selectors import DRAFT_ENTITIES
from integrations.sync.config import circuit_threshold
from monitoring.models import AuditEvent, ExceptionItem

S = ExceptionItem.Status
TABS = {
    "open": (S.OPEN,),
    "retrying": (S.RETRYING,),
    "resolved": (S.RESOLVED, S.IGNORED),
}
AGES = {
    "1h": ("newer", timedelta(hours=1)),
    "24h": ("newer", timedelta(hours=24)),
    "older_24h": ("older", timedelta(hours=24)),
    "older_7d": ("older", timedelta(days=7)),
}
AGE_LABELS = {
    "1h": "Last hour",
    "24h": "Last 24 hours",
    "older_24h": "Older than a day",
    "older_7d": "Older than a week",
}
# The queue never loads the payloads; the detail view does.
LIST_FIELDS = (
    "id",
    "flow__name",
    "flow__slug",
    "source_key",
    "stage",
    "error_class",
    "error_code",
    "message",
    "fingerprint",
    "status",
    "attempts",
    "first_seen_at",
    "last_seen_at",
    "resolved_at",
    "resolution_note",
    "party",
    "document_date",
    "amount",
    "currency",
    "summary",
)


QUEUE_ORDER = ("-first_seen_at", "-id")


@dataclass(frozen=True)
class QueueFilters:
    tab: str = "open"
    flow: str = ""  # slug
    stage: str = ""
    error_class: str = ""
    error_code: str = ""
    age: str = ""
    cause: str = ""  # fingerprint
    q: str = ""  # source key

    @classmethod
    def from_query(cls, data: Any) -> QueueFilters:
        def get(name: str) -> str:
            return str(data.get(name, "") or "").strip()[:100]

        tab = get("tab") or "open"
        return cls(
            tab=tab if tab in TABS else "open",
            flow=get("flow"),
            stage=get("stage") if get("stage") in _values(ExceptionItem.Stage) else "",
            error_class=get("error_class") if get("error_class") in _values(ExceptionItem.ErrorClass) else "",
            error_code=get("error_code"),
            age=get("age") if get("age") in AGES else "",
            cause=get("cause")[:64],
            q=get("q"),
        )

    def as_query(self, **override: str) -> dict[str, str]:
        values = {
            "tab": self.tab,
            "flow": self.flow,
            "stage": self.stage,
            "error_class": self.error_class,
            "error_code": self.error_code,
            "age": self.age,
            "cause": self.cause,
            "q": self.q,
        }
        values.update(override)
        return {k: v for k, v in values.items() if v}


def _values(choices) -> set[str]:
    return {c.value for c in choices}


def _search(q: str) -> Q:
    """The record's key, its customer or supplier (name or part of it), its amount, currency or document date."""
    condition = Q(source_key=q) | Q(party__icontains=q)
    text = q.replace(",", "").lstrip("£€$").strip()
    with contextlib.suppress(InvalidOperation, ValueError):
        amount = Decimal(text)
        if amount.is_finite() and abs(amount) < 10**13:
            condition |= Q(amount=amount)
    if len(q) == 3 and q.isalpha():
        condition |= Q(currency=q.upper())
    with contextlib.suppress(ValueError):
        condition |= Q(document_date=date.fromisoformat(q))
    return condition


def filter_exceptions(filters: QueueFilters, *, statuses: tuple[str, ...] | None = None) -> QuerySet[ExceptionItem]:
    """Every item matching the filters (without the tab when ``statuses`` is given)."""
    qs = ExceptionItem.objects.filter(status__in=statuses or TABS[filters.tab])
    if filters.flow:
        qs = qs.filter(flow__slug=filters.flow)
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.error_class:
        qs = qs.filter(error_class=filters.error_class)
    if filters.error_code:
        qs = qs.filter(error_code=filters.error_code)
    if filters.cause:
        qs = qs.filter(fingerprint=filters.cause)
    if filters.q:
        qs = qs.filter(_search(filters.q))
    if filters.age:
        direction, delta = AGES[filters.age]
        edge = timezone.now() - delta
        qs = qs.filter(first_seen_at__gte=edge) if direction == "newer" else qs.filter(first_seen_at__lt=edge)
    return qs


def exception_list(filters: QueueFilters) -> QuerySet[ExceptionItem]:
    return (
        filter_exceptions(filters)
        .select_related("flow")
        .only(*LIST_FIELDS, "flow_id")
        .order_by("-first_seen_at", "-id")
    )


class DeferredRows:
    """What the queue's Paginator pages over: ``count()`` is the plain filtered count, and a slice first picks
    the page's ids from the ordering index (the OFFSET walks narrow index entries, not whole rows) and then
    loads only those rows, all in one query. Page 1,000 costs about what page 1 does."""

    ordered = True

    def __init__(self, filters: QueueFilters) -> None:
        self.ids = filter_exceptions(filters).order_by(*QUEUE_ORDER).values("pk")
        self.rows = ExceptionItem.objects.select_related("flow").only(*LIST_FIELDS, "flow_id").order_by(*QUEUE_ORDER)

    def count(self) -> int:
        return self.ids.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[ExceptionItem]:
        if not isinstance(key, slice):
            raise TypeError("DeferredRows only supports slicing")
        return list(self.rows.filter(pk__in=self.ids[key]))


def exception_page_source(filters: QueueFilters) -> DeferredRows:
    """The queue as ``exception_list`` orders it, for a Paginator: cheap to page deep into."""
    return DeferredRows(filters)


# The groups' keys, in the order of the ``exception_cause`` index so the GROUP BY walks it without sorting.
# Grouping by the flow's id rather than its name and slug gives the same groups (the slug is unique).
GROUP_KEYS = ("fingerprint", "flow_id", "stage", "error_class", "error_code")
# Biggest group first; the keys break ties so the order is total (a page of groups is well defined).
GROUP_ORDER = ("-count", *GROUP_KEYS)


def exception_groups(filters: QueueFilters) -> QuerySet:
    """Items grouped by cause (fingerprint), biggest group first, with one message as the example."""
    return _grouped(filter_exceptions(filters))


def _grouped(items: QuerySet[ExceptionItem]) -> QuerySet:
    return (
        items.values(*GROUP_KEYS)
        .annotate(
            flow__name=Max("flow__name"),
            flow__slug=Max("flow__slug"),
            count=Count("id"),
            oldest=Min("first_seen_at"),
            newest=Max("last_seen_at"),
            example=Max("message"),
        )
        .order_by(*GROUP_ORDER)
    )


class GroupRows:
    """What the grouped queue's Paginator pages over. Counting the groups is a DISTINCT over the cause index
    alone. A page first ranks the groups off that index (no message read) to pick the causes up to the page's
    end, then aggregates only those causes' items, example message included, in the same query: the first
    page reads its own groups' messages, not the whole queue's."""

    ordered = True

    def __init__(self, filters: QueueFilters) -> None:
        self.filters = filters
        self.keys = filter_exceptions(filters).order_by().values(*GROUP_KEYS).distinct()

    def count(self) -> int:
        return self.keys.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[dict]:
        if not isinstance(key, slice):
            raise TypeError("GroupRows only supports slicing")
        if connection.vendor != "sqlite":
            # PostgreSQL hash-aggregates the whole tab faster than it sorts to rank the groups first.
            return list(exception_groups(self.filters)[key])
        start, stop = key.start or 0, key.stop
        ranked = (
            filter_exceptions(self.filters)
            .values(*GROUP_KEYS)
            .annotate(count=Count("id"))
            .order_by(*GROUP_ORDER)
            .values("fingerprint")[:stop]
        )
        # Every group ranked before ``stop`` has its cause in ``ranked``; groups sharing such a cause but
        # ranked later sort after them in the same total order, so the slice below is exactly the page.
        groups = _grouped(filter_exceptions(self.filters).filter(fingerprint__in=ranked))[:stop]
        return list(groups)[start:]


def group_page_source(filters: QueueFilters) -> GroupRows:
    """``exception_groups`` for a Paginator, with a cheap count."""
    return GroupRows(filters)


def tab_counts(filters: QueueFilters) -> dict[str, int]:
    """How many items each tab holds under the other filters: one query."""
    qs = filter_exceptions(filters, statuses=tuple(s for group in TABS.values() for s in group))
    totals = qs.aggregate(**{tab: Count("id", filter=Q(status__in=statuses)) for tab, statuses in TABS.items()})
    return {tab: totals[tab] or 0 for tab in TABS}


def cause_count(fingerprint: str) -> int:
    return ExceptionItem.objects.filter(fingerprint=fingerprint, status__in=TABS["open"]).count()


def exception_detail(pk: int) -> ExceptionItem:
    return ExceptionItem.objects.select_related("flow", "run", "resolved_by", "resolved_by_run").get(pk=pk)


def exception_history(item: ExceptionItem) -> QuerySet:
    return item.actions.select_related("user").order_by("created_at", "id")


@dataclass
class Resolution:
    """What a resolved item became: the outcome that synced it, the document sent, the target's document number."""

    outcome: RecordOutcome | None
    target_key: str
    fix: dict | None  # the details of the mapping-level fix that led to it, when one was applied

    @property
    def document(self) -> Any:
        return self.outcome.mapped_document if self.outcome is not None else None


def resolution(item: ExceptionItem) -> Resolution | None:
    """For a resolved item: the successful outcome of its record (in the run that resolved it, else the latest)."""
    if item.status != ExceptionItem.Status.RESOLVED:
        return None
    ok = (RecordOutcome.Action.CREATED, RecordOutcome.Action.UPDATED, RecordOutcome.Action.SKIPPED)
    outcomes = RecordOutcome.objects.filter(source_key=item.source_key, run__flow=item.flow, action__in=ok)
    outcome = None
    if item.resolved_by_run_id:
        outcome = outcomes.filter(run_id=item.resolved_by_run_id).order_by("-id").first()
    outcome = outcome or outcomes.order_by("-id").first()
    link = RecordLink.objects.filter(flow=item.flow, source_key=item.source_key).only("target_key").first()
    target_key = (outcome.target_key if outcome is not None else "") or (link.target_key if link else "")
    fix = item.actions.filter(action="fix_applied").order_by("-id").values_list("details", flat=True).first()
    return Resolution(outcome=outcome, target_key=target_key, fix=fix)


# --- Runs and lineage ----------------------------------------------------------------------------


def run_list(*, flow: str = "", status: str = "") -> QuerySet[SyncRun]:
    qs = SyncRun.objects.select_related("flow")
    # Without a flow, the primary key follows queue time and needs no extra index.
    qs = qs.filter(flow__slug=flow).order_by("-queued_at", "-id") if flow else qs.order_by("-id")
    if status in _values(SyncRun.Status):
        qs = qs.filter(status=status)
    return qs


def run_outcomes(run: SyncRun, *, action: str = "", q: str = "") -> QuerySet[RecordOutcome]:
    qs = run.outcomes.select_related("flow").defer("source_payload", "mapped_document").order_by("id")
    if action in _values(RecordOutcome.Action):
        qs = qs.filter(action=action)
    if q:
        qs = qs.filter(source_key=q)
    return qs


@dataclass
class Lineage:
    source_key: str
    outcomes: list[RecordOutcome]
    links: list[RecordLink]
    exceptions: list[ExceptionItem]


def outcome_flow(outcome: RecordOutcome) -> Flow:
    """The flow whose record the outcome is: its own for a prerequisite synced in another flow's run."""
    return outcome.flow if outcome.flow_id else outcome.run.flow


def of_flow(slug: str) -> Q:
    """Outcomes of ``slug``'s records: in its own runs, and prerequisites other flows' runs synced for it."""
    return Q(flow__slug=slug) | Q(flow__isnull=True, run__flow__slug=slug)


def find_record(source_key: str, *, flow: str = "", limit: int = 50) -> Lineage:
    """Where is record ``source_key``? Its outcome in every run (prerequisites included), links and exceptions."""
    key = source_key.strip()[:100]
    outcomes = RecordOutcome.objects.filter(source_key=key).select_related("run__flow", "flow").order_by("-id")
    links = RecordLink.objects.filter(source_key=key).select_related("flow")
    exceptions = ExceptionItem.objects.filter(source_key=key).select_related("flow").order_by("-first_seen_at")
    if flow:
        outcomes = outcomes.filter(of_flow(flow))
        links = links.filter(flow__slug=flow)
        exceptions = exceptions.filter(flow__slug=flow)
    return Lineage(
        key,
        list(outcomes.defer("source_payload", "mapped_document")[:limit]),
        list(links[:limit]),
        list(exceptions.defer("source_payload", "mapped_document", "suggested_fix")[:limit]),
    )


# --- Flow health (dashboard) ------------------------------------------------------------------------


@dataclass
class FlowSummary:
    flow: Flow
    health: str
    last_run: SyncRun | None
    next_run_at: datetime | None
    synced_today: int
    failed_today: int
    open_exceptions: int

    @property
    def error_rate_today(self) -> float:
        total = self.synced_today + self.failed_today
        return (100.0 * self.failed_today / total) if total else 0.0


def health_of(flow: Flow, last_run: SyncRun | None, open_exceptions: int, *, now: datetime | None = None) -> str:
    """ok / degraded / failing / paused, from the flow's switches and its latest finished run."""
    now = now or timezone.now()
    if not flow.enabled or (flow.paused_until and flow.paused_until > now):
        return Flow.Health.PAUSED
    if (last_run and last_run.status == SyncRun.Status.FAILED) or flow.consecutive_failures >= circuit_threshold():
        return Flow.Health.FAILING
    if (last_run and last_run.status == SyncRun.Status.PARTIAL) or open_exceptions or flow.consecutive_failures:
        return Flow.Health.DEGRADED
    return Flow.Health.OK


def flow_summaries(*, now: datetime | None = None) -> list[FlowSummary]:
    """One summary per flow in a fixed number of queries."""
    now = now or timezone.now()
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    finished = [SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL, SyncRun.Status.FAILED]
    latest = SyncRun.objects.filter(flow=OuterRef("pk"), status__in=finished).order_by("-queued_at", "-id")
    open_count = (
        ExceptionItem.objects.filter(flow=OuterRef("pk"), status__in=TABS["open"] + TABS["retrying"])
        .order_by()
        .values("flow")
        .annotate(n=Count("id"))
        .values("n")
    )
    # Documents created in AX that AX has not shown posted yet (integrations.selectors.ax_drafts), in this query.
    drafts = (
        RecordLink.objects.filter(
            flow=OuterRef("pk"), flow__direction="kf_to_ax", flow__entity__in=DRAFT_ENTITIES, ax_posted_at__isnull=True
        )
        .exclude(target_key="", key_unconfirmed_since__isnull=True)
        .order_by()
        .values("flow")
        .annotate(n=Count("id"), oldest=Min("synced_at"))
    )
    flows = list(
        Flow.objects.select_related("pair").annotate(
            last_run_id=Subquery(latest.values("id")[:1]),
            open_exceptions=Coalesce(Subquery(open_count), 0),
            ax_drafts_count=Coalesce(Subquery(drafts.values("n")), 0),
            ax_drafts_oldest=Subquery(drafts.values("oldest")),
        )
    )
    runs = SyncRun.objects.in_bulk([f.last_run_id for f in flows if f.last_run_id])
    today = dict(
        (row["flow"], row)
        for row in SyncRun.objects.filter(queued_at__gte=day_start)
        .values("flow")
        .annotate(synced=Sum(F("created_count") + F("updated_count")), failed=Sum("failed_count"))
        .order_by()
    )
    # Prerequisites synced inside other flows' runs count for their own flow (and only there: the run that
    # synced them does not count them). Few rows carry a flow, so its index keeps this cheap.
    for row in (
        RecordOutcome.objects.filter(
            flow__isnull=False,
            created_at__gte=day_start,
            action__in=[RecordOutcome.Action.CREATED, RecordOutcome.Action.UPDATED],
        )
        .values("flow")
        .annotate(n=Count("id"))
        .order_by()
    ):
        entry = today.setdefault(row["flow"], {})
        entry["synced"] = (entry.get("synced") or 0) + row["n"]
    schedules = _next_runs(flows, runs, now)
    out = []
    for flow in flows:
        last_run = runs.get(flow.last_run_id)
        row = today.get(flow.pk, {})
        out.append(
            FlowSummary(
                flow=flow,
                health=health_of(flow, last_run, flow.open_exceptions, now=now),
                last_run=last_run,
                next_run_at=schedules.get(flow.pk),
                synced_today=row.get("synced") or 0,
                failed_today=row.get("failed") or 0,
                open_exceptions=flow.open_exceptions,
            )
        )
    return out


def _next_runs(flows: list[Flow], runs: dict, now: datetime) -> dict[int, datetime | None]:
    """The django-q2 schedule's next run when there is one for the flow, else last run + interval."""
    out: dict[int, datetime | None] = {}
    try:
        schedules = list(Schedule.objects.filter(func__startswith="integrations.").only("name", "args", "next_run"))
    except Exception:  # the scheduler's table may be missing in a stripped-down deployment
        schedules = []
    for flow in flows:
        match = next(
            (
                s
                for s in schedules
                if s.name in (flow.slug, f"flow:{flow.slug}", flow.name)
                or (s.args or "").strip("(),[] ") == str(flow.pk)
            ),
            None,
        )
        if match is not None and match.next_run:
            out[flow.pk] = match.next_run
        elif flow.enabled and flow.schedule_minutes and flow.trigger in ("schedule", "polling"):
            last = runs.get(flow.last_run_id)
            base = last.queued_at if last else now
            out[flow.pk] = max(base + timedelta(minutes=flow.schedule_minutes), now)
        else:
            out[flow.pk] = None
    return out


def hourly_series(*, hours: int = 24, now: datetime | None = None) -> dict[int, dict[str, list]]:
    """Per flow: buckets (hour start), records written, failed and error rate per hour. One grouped query."""
    now = now or timezone.now()
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=hours)
    buckets = [start + timedelta(hours=i) for i in range(hours)]
    series: dict[int, dict[str, list]] = {}
    rows = (
        SyncRun.objects.filter(queued_at__gte=start)
        .annotate(hour=TruncHour("queued_at"))
        .values("flow_id", "hour")
        .annotate(written=Sum(F("created_count") + F("updated_count")), failed=Sum("failed_count"))
        .order_by()
    )
    for row in rows:
        data = series.setdefault(row["flow_id"], {"written": [0] * hours, "failed": [0] * hours})
        index = max(0, min(int((row["hour"] - start).total_seconds() // 3600), hours - 1))
        data["written"][index] += row["written"] or 0
        data["failed"][index] += row["failed"] or 0
    for data in series.values():
        data["buckets"] = buckets
        data["error_rate"] = [
            round(100.0 * f / (w + f), 1) if (w + f) else 0.0
            for w, f in zip(data["written"], data["failed"], strict=True)
        ]
    return series


# --- Audit ------------------------------------------------------------------------------------------


def audit_events(*, object_type: str = "", actor: str = "", action: str = "", q: str = "") -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.all().order_by("-created_at", "-id")
    if object_type:
        qs = qs.filter(object_type=object_type)
    if actor:
        qs = qs.filter(actor_label=actor)
    if action:
        qs = qs.filter(action=action)
    if q:
        qs = qs.filter(Q(object_repr__icontains=q) | Q(object_id=q))
    return qs


def audit_object_types() -> list[str]:
    return list(AuditEvent.objects.order_by().values_list("object_type", flat=True).distinct()[:100])


def latest_reconciliation(pair=None):
    """The most recent reconciliation run (of ``pair``), or None."""
    from integrations.reconciliation.models import ReconciliationRun

    runs = ReconciliationRun.objects.select_related("pair", "requested_by")
    if pair is not None:
        runs = runs.filter(pair=pair)
    return runs.first()
