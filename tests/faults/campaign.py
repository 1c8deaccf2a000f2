"""The fault campaign: sync every transactional flow of a seeded demo company while the sandbox's control API
injects faults (429 storms with Retry-After, time-outs before and after the commit, dropped connections, 500s,
faults on the look-ups by reference used after an ambiguous failure), KashFlow sessions expire every few
seconds, and a worker is killed with SIGKILL mid-run; then compare AX with what should be there.

The flows run concurrently on a real django-q2 cluster (several worker processes), together with both invoice
status flows, which write payments as dependencies of the invoices they look at: the same records are written
by two flows at once, as in production. Batched writes are switched on by hand in the middle of the first
round's runs, besides the engine's own switch after repeated AX time-outs.

Expected set, computed independently of the engine: every KashFlow record of a flow whose mapped document has
no blocking issue must be in AX exactly once (found by its external reference); the others (payments of invoices
that cannot be posted, and bank lines no bank matching rule covers) must be in the exception queue. Nothing may be
in neither place.

Then, as an accountant would, the AX drafts are posted (the sandbox's control API) and, a day later as far as the
engine can tell, every flow runs once more: sales invoices confirm their AX keys from posted customer
transactions, and documents created on a create-only service whose key no service can tell (payment and general
journals answered "Duplicate message") go to the exception queue for a person, with that reason. Last, the money
reconciliation of both ledgers (``monitoring.services.reconciliation.reconcile``): no difference may remain that
is not explained by a record in the exception queue for a stated reason.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

FLOWS = ("sales_invoice", "purchase_invoice", "journal", "payment", "bank_transaction")
# Run at the same time as FLOWS: the status flows sync payments (KashFlow -> AX) or write KashFlow payments
# for AX settlements (AX -> KashFlow, which must find nothing to write: every settlement came from KashFlow).
STATUS_FLOWS = (("invoice_status", "kf_to_ax"), ("invoice_status", "ax_to_kf"))
BATCH_SWITCHED = ("sales_invoice", "payment", "journal", "purchase_invoice")
KF_ENTITY = {
    "sales_invoice": "invoices",
    "purchase_invoice": "purchases",
    "journal": "journals",
    "payment": "payments",
    "bank_transaction": "banktransactions",
}
# The create-only services (no find by reference: Microsoft's list of standard document services) whose creates
# get time-outs after AX's commit of their own: the MessageId is the only duplicate guard there.
AFTER_COMMIT_ON = {
    "free text invoices": "FreeTextInvoiceService",
    "payment journals": "CustPaymJournalService",
    "general journals": "LedgerGeneralJournalService",
}
SKIP = None  # expected neither in AX nor in the queue: a bank line not reconciled yet, or a receipt a payment posts
BLOCKING = {"missing_required", "value_not_mapped", "too_long", "wrong_type", "not_allowed", "rule_error"}


@dataclass
class FlowReport:
    flow: str
    source_records: int = 0
    expected_in_ax: int = 0
    expected_exceptions: int = 0
    expected_skipped: int = 0
    in_ax: int = 0
    duplicates: int = 0
    missing: int = 0
    exceptions: int = 0
    unexpected_exceptions: int = 0
    waiting: int = 0
    unconfirmed: int = 0  # in AX once, its AX key for a person to confirm (create-only service, Duplicate message)
    missing_keys: list[str] = field(default_factory=list)
    duplicate_keys: list[str] = field(default_factory=list)


@dataclass
class CampaignReport:
    faults_by_kind: Counter = field(default_factory=Counter)
    faults_by_system: Counter = field(default_factory=Counter)
    flows: dict[str, FlowReport] = field(default_factory=dict)
    runs: int = 0
    rounds: int = 0
    worker_killed: bool = False
    resumed_runs: int = 0
    queued_by_schedule: int = 0
    duplicate_messages: int = 0
    seconds: float = 0.0
    concurrent_runs: int = 0  # most runs of the campaign's flows running at the same moment
    workers: int = 0
    sessions_expired: int = 0  # times every KashFlow session was expired during the fault rounds
    batching_switched_mid_run: bool = False
    concurrent_kill: bool = False  # the whole cluster SIGKILLed while several flows were writing
    resumed_after_concurrent_kill: int = 0
    lookup_faults: int = 0  # faults on AX find (the look-up by reference after an ambiguous failure)
    echo_payments: int = 0  # KashFlow payments the AX -> KashFlow status flow wrote (must be none)
    faults_by_rule: Counter = field(default_factory=Counter)  # "kind on operation" -> hits
    drafts_posted: int = 0  # AX drafts the accountant posted before reconciling
    reconciled_documents: int = 0
    reconciliation_unexplained: Counter = field(default_factory=Counter)  # (entity, kind) -> differences
    reconciliation_explained: Counter = field(default_factory=Counter)  # entity -> differences with a reason
    reconciliation_error: str = ""
    reconciliation_samples: list[str] = field(default_factory=list)  # the first unexplained differences

    def after_commit(self, service: str) -> int:
        """Time-outs after AX's commit injected on ``service``'s create (the ambiguous failure)."""
        return self.faults_by_rule.get(f"timeout_after_commit on {service}.create", 0)

    @property
    def reconciliation_differences(self) -> int:
        return sum(self.reconciliation_unexplained.values())

    @property
    def unexpected_exceptions(self) -> int:
        return sum(f.unexpected_exceptions for f in self.flows.values())

    @property
    def faults(self) -> int:
        return sum(self.faults_by_kind.values())

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.flows.values()) + self.duplicate_messages

    @property
    def missing(self) -> int:
        return sum(f.missing for f in self.flows.values())

    def table(self) -> str:
        lines = [f"Fault campaign: {self.faults:,} faults injected, {self.runs} runs in {self.rounds} rounds, "
                 f"{self.seconds:.0f} s"]  # fmt: skip
        lines.append("  faults by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(self.faults_by_kind.items())))
        lines.append("  faults by system: " + ", ".join(f"{k} {v}" for k, v in sorted(self.faults_by_system.items())))
        if self.worker_killed:
            lines.append(f"  worker killed with SIGKILL mid-run: yes; stalled runs resumed: {self.resumed_runs}")
        if self.concurrent_kill:
            lines.append(
                "  cluster SIGKILLed while the flows ran concurrently: yes; runs resumed: "
                f"{self.resumed_after_concurrent_kill}"
            )
        if self.queued_by_schedule:
            lines.append(f"  runs queued by the flows' schedules and taken over: {self.queued_by_schedule}")
        lines.append(
            f"  concurrent: {self.workers} worker processes, up to {self.concurrent_runs} runs at once; "
            f"batched writes switched on mid-run: {'yes' if self.batching_switched_mid_run else 'no'}; "
            f"KashFlow sessions expired {self.sessions_expired} times; faults on AX look-ups {self.lookup_faults}"
        )
        after = {name: self.after_commit(service) for name, service in AFTER_COMMIT_ON.items()}
        lines.append("  time-outs after AX's commit on the create-only services: "
                     + ", ".join(f"{name} {n}" for name, n in after.items()))  # fmt: skip
        head = ("source", "not for AX", "expected", "in AX", "duplicates", "missing", "exceptions", "expected exc.",
                "unexp. exc.", "key unconf.", "waiting")  # fmt: skip
        lines.append(f"  {'flow':<18}" + "".join(f"{h:>14}" for h in head))
        for f in self.flows.values():
            row = (f.source_records, f.expected_skipped, f.expected_in_ax, f.in_ax, f.duplicates, f.missing,
                   f.exceptions, f.expected_exceptions, f.unexpected_exceptions, f.unconfirmed, f.waiting)  # fmt: skip
            lines.append(f"  {f.flow:<18}" + "".join(f"{v:>14}" for v in row))
        lines.append(f"  duplicate AIF messages accepted twice: {self.duplicate_messages}")
        lines.append(f"  KashFlow payments written back by the AX -> KashFlow status flow: {self.echo_payments}")
        lines.append(f"  TOTAL duplicates {self.duplicates}, missing {self.missing}")
        lines.append(f"  AX drafts posted by the accountant before reconciling: {self.drafts_posted}")
        if self.reconciliation_error:
            lines.append(f"  money reconciliation FAILED to run: {self.reconciliation_error}")
        else:
            explained = sum(self.reconciliation_explained.values())
            lines.append(
                f"  money reconciliation of both ledgers: {self.reconciled_documents} documents, "
                f"{self.reconciliation_differences} unexplained differences, {explained} explained by the exception "
                "queue" + (" (" + ", ".join(f"{e} {n}" for e, n in sorted(self.reconciliation_explained.items()))
                           + ")" if explained else "")
            )  # fmt: skip
            for (entity, kind), n in sorted(self.reconciliation_unexplained.items()):
                lines.append(f"    unexplained {entity} {kind}: {n}")
            lines.extend(f"      {sample}" for sample in self.reconciliation_samples)
        return "\n".join(lines) + "\n"


# --- the control API ----------------------------------------------------------------------------------------------


class Control:
    def __init__(self, portal_url: str) -> None:
        self.http = httpx.Client(base_url=f"{portal_url}/sandbox/control/", timeout=30)

    def add_fault(self, **rule) -> dict:
        response = self.http.post("faults", json=rule)
        assert response.status_code == 201, response.text
        return response.json()

    def faults(self) -> list[dict]:
        return self.http.get("faults").json()["faults"]

    def clear_faults(self) -> None:
        assert self.http.post("faults/clear").status_code == 200

    def expire_kashflow_sessions(self) -> None:
        assert self.http.post("kashflow/expire-sessions").status_code == 200

    def post_ax_drafts(self) -> int:
        """Post every AX draft, as the accountant (or AX's batch job) does; returns how many were posted."""
        response = self.http.post("ax/post", json={}, timeout=1800)  # thousands of drafts take a while
        assert response.status_code == 200, response.text
        return int(response.json()["count"])

    def close(self) -> None:
        self.http.close()


# --- the expected set ------------------------------------------------------------------------------------------


def _flow(pair, entity: str):
    from integrations.models import Flow

    return Flow.objects.get(pair=pair, entity=entity, direction="kf_to_ax")


def expected_outcomes(pair) -> dict[str, dict[str, str | None]]:
    """{flow: {source key: external reference, "" when the record cannot be posted, SKIP when it is not for AX}},
    from the KashFlow records and the published mappings alone."""
    from integrations.sync.flows import spec_for
    from mappings.banking.matching import counter_for
    from mappings.banking.selectors import active_rules
    from mappings.services import compiled_mapping

    rules = active_rules()
    expected: dict[str, dict[str, str]] = {}
    for entity in FLOWS:
        flow = _flow(pair, entity)
        spec = spec_for(entity, "kf_to_ax")
        mapping = compiled_mapping(flow.published_mapping_set())
        outcome: dict[str, str] = {}
        for record in source_records(entity):
            key = spec.source_key(record)
            if entity == "bank_transaction" and _not_for_ax(record):
                outcome[key] = SKIP
                continue
            if entity == "bank_transaction" and counter_for(rules, record) is None:
                outcome[key] = ""  # no bank matching rule names its counter-account: a person adds one
                continue
            result = mapping.apply(record)
            ok = not any(i.code in BLOCKING for i in result.issues)
            reference = f"BANK-{key}" if entity == "bank_transaction" else spec.external_reference(result.document, key)
            outcome[key] = reference if ok else ""
        expected[entity] = outcome
    payable = {k for k, ref in expected["sales_invoice"].items() if ref}
    invoice_of = {str(p["Id"]): str(p["InvoiceNumber"]) for p in source_records("payment")}
    for key, ref in list(expected["payment"].items()):
        if invoice_of[key] not in payable:
            expected["payment"][key] = ""
    return expected


def source_records(entity: str) -> list[dict]:
    """The KashFlow records of a flow as the connector hands them over: payments are the invoices' PaymentLines
    (with the invoice's number and customer), bank lines carry their "<AccountId>/<Id>" key."""
    from integrations.connectors.kashflow.connector import KashFlowConnector, bank_line_key
    from integrations.sandbox.models import KashFlowRecord

    if entity == "payment":
        return [
            KashFlowConnector._payment_of(row.data, line, "sales_invoice")
            for row in KashFlowRecord.objects.filter(entity="invoices").order_by("pk")
            for line in row.data.get("PaymentLines") or []
        ]
    rows = [dict(row.data) for row in KashFlowRecord.objects.filter(entity=KF_ENTITY[entity]).order_by("pk")]
    if entity == "bank_transaction":
        for row in rows:
            row["Key"] = bank_line_key(row["AccountId"], row["Id"])
    return rows


def _not_for_ax(line: dict) -> bool:
    """A bank line the bank flow leaves alone: not reconciled, a receipt KashFlow links to an invoice (the payments
    flow posts it), or the receiving side of a transfer."""
    if not line.get("Reconciled"):
        return True
    paid_in = float(line.get("PaidIn") or 0) > 0
    receipt = line.get("EntityName") in ("invoice", "invoicebatchpayment")
    # A supplier payment is the supplier payments flow's to post (the demo pair has that flow).
    paid_out = float(line.get("PaidOut") or 0) > 0
    if paid_out and line.get("EntityName") in ("purchase", "purchasebatchpayment"):
        return True
    return paid_in and (receipt or line.get("TransactionType") == 4)


def ax_references() -> dict[str, Counter]:
    """{flow: Counter(external reference -> AX documents carrying it)}."""
    from integrations.sandbox.models import AxRecord

    found = {entity: Counter() for entity in FLOWS}
    journal_flow = {"CustPay": "payment", "VendInv": "purchase_invoice", "GenJrn": "journal"}
    for record in AxRecord.objects.filter(entity="CustInvoiceTable").only("data"):
        found["sales_invoice"][str(record.data.get("CustomerRef"))] += 1
    for record in AxRecord.objects.filter(entity="LedgerJournalTable").only("data"):
        entity = journal_flow.get(record.data.get("JournalName"))
        if entity:
            refs = {str(line.get("DocumentNum")) for line in record.data.get("LedgerJournalTrans") or []}
            for ref in refs:
                found["bank_transaction" if ref.startswith("BANK-") else entity][ref] += 1
    return found


UNCONFIRMED = "ax_key_unconfirmed"  # integrations.sync.confirm: created in AX, its key for a person to confirm


def compare(pair, expected: dict[str, dict[str, str]], report: CampaignReport) -> None:
    from integrations.models import PendingRecord
    from integrations.sandbox.models import AxMessage
    from monitoring.models import ExceptionItem

    in_ax = ax_references()
    for entity in FLOWS:
        flow = _flow(pair, entity)
        f = FlowReport(entity)
        codes = dict(
            ExceptionItem.objects.filter(flow=flow).exclude(status__in=["resolved", "ignored"])
            .values_list("source_key", "error_code")
        )  # fmt: skip
        open_items = set(codes)
        waiting = set(PendingRecord.objects.filter(flow=flow).values_list("source_key", flat=True))
        for key, ref in expected[entity].items():
            f.source_records += 1
            copies = in_ax[entity].get(ref or key, 0)
            if ref is SKIP:
                f.expected_skipped += 1
                f.duplicates += copies  # a line that must not be posted counts as posted twice
                continue
            if ref:
                f.expected_in_ax += 1
            else:
                f.expected_exceptions += 1
            if copies:
                f.in_ax += 1
            if copies > 1:
                f.duplicates += 1
                f.duplicate_keys.append(key)
            if key in open_items:
                f.exceptions += 1
                if ref and copies == 1 and codes[key] == UNCONFIRMED:
                    f.unconfirmed += 1  # in AX once; a person confirms its AX key (its stated reason)
                elif ref:
                    f.unexpected_exceptions += 1
            if key in waiting:
                f.waiting += 1
            if not copies and key not in open_items:
                f.missing += 1
                f.missing_keys.append(key)
            elif ref and not copies and key in open_items:
                pass  # should have been posted, but a person knows: counted as an unexpected exception
        report.flows[entity] = f
    ids = list(AxMessage.objects.filter(succeeded=True, operation="create").exclude(message_id="")
               .values_list("message_id", flat=True))  # fmt: skip
    report.duplicate_messages = len(ids) - len(set(ids))


# --- the plan and the driver ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    invoices: int
    faults: tuple[dict, ...]  # control API fault rules, each with a "count"
    kill_worker: bool = True
    fault_rounds: int = 4
    settle_rounds: int = 8
    workers: int = 3  # django-q2 worker processes: the flows' runs execute concurrently
    session_seconds: float = 3.0  # every KashFlow session expires this often during the fault rounds


def fault_plan(scale: float, *, spread: bool = True) -> tuple[dict, ...]:
    """About 1,000 faults at scale 1, of every kind, spread over the run by their probability; without
    ``spread`` each rule takes the next matching calls (a short campaign where every kind must fire)."""

    def n(count: int) -> int:
        return max(1, round(count * scale))

    ax, kf = "dynamics_ax", "kashflow"
    # First (rules are tried oldest first): time-outs after AX's commit on each create-only service's create, the
    # ambiguous failure after which only the same MessageId keeps AX from posting the document again.
    after_commit = tuple(
        {"system": ax, "operation": f"{service}.create", "kind": "timeout_after_commit", "count": n(count),
         "probability": 0.05, "latency_ms": 1300}
        for service, count in zip(AFTER_COMMIT_ON.values(), (40, 30, 30), strict=True)
    )  # fmt: skip
    rules = (
        *after_commit,
        {"system": ax, "operation": "*.create", "kind": "rate_limit", "count": n(50), "probability": 0.03,
         "retry_after": 1},
        {"system": kf, "operation": "GET *", "kind": "rate_limit", "count": n(30), "probability": 0.01,
         "retry_after": 1},
        {"system": ax, "operation": "*.create", "kind": "timeout_after_commit", "count": n(60), "probability": 0.03,
         "latency_ms": 1300},
        {"system": ax, "operation": "*.create", "kind": "timeout_before_commit", "count": n(40), "probability": 0.02,
         "latency_ms": 1300},
        {"system": ax, "operation": "*.create", "kind": "drop_connection", "count": n(300), "probability": 0.2},
        # The look-up by reference after an ambiguous failure (AIF find) fails too: the write must still not
        # be sent twice (the same MessageId, and the record waits rather than guessing).
        {"system": ax, "operation": "*.find", "kind": "server_error", "count": n(80), "probability": 0.3},
        {"system": ax, "operation": "*.find", "kind": "drop_connection", "count": n(40), "probability": 0.15},
        {"system": ax, "operation": "*", "kind": "server_error", "count": n(600), "probability": 0.25},
        # KashFlow lists are read page by page and a failed page costs the whole listing: a light drizzle.
        {"system": kf, "operation": "GET *", "kind": "server_error", "count": n(100), "probability": 0.03},
        {"system": kf, "operation": "GET *", "kind": "drop_connection", "count": n(60), "probability": 0.02},
        # KashFlow's SQL time-out: a 400 with a numeric Error, transient (hcs-sync src/kashflow/client.js).
        {"system": kf, "operation": "GET *", "kind": "sql_timeout", "count": n(30), "probability": 0.01},
    )  # fmt: skip
    if spread:
        return rules
    return tuple({k: v for k, v in rule.items() if k != "probability"} for rule in rules)


def _record_hits(control: Control, report: CampaignReport) -> None:
    for rule in control.faults():
        report.faults_by_kind[rule["kind"]] += rule["hits"]
        report.faults_by_system[rule["system"]] += rule["hits"]
        report.faults_by_rule[f"{rule['kind']} on {rule['operation']}"] += rule["hits"]
        if str(rule["operation"]).endswith(".find"):
            report.lookup_faults += rule["hits"]


class SessionExpiry:
    """Every ``every`` seconds, every KashFlow session expires (the clients log in again mid-run)."""

    def __init__(self, control: Control, report: CampaignReport, every: float) -> None:
        self.control, self.report, self.every = control, report, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.control.expire_kashflow_sessions()
                self.report.sessions_expired += 1
            except Exception:  # the portal under load may answer late: the next tick tries again
                pass

    def __enter__(self) -> SessionExpiry:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(10)


def _kill_phase(portal_url: str, pair, report: CampaignReport, control: Control, faults: tuple[dict, ...]) -> None:
    """A worker runs the sales invoices (slowed by a latency fault) and is SIGKILLed mid-run; the campaign's
    faults go in, a new worker starts and the stalled run resumes under them."""
    from django.conf import settings

    from integrations.models import SyncRun
    from integrations.sync.runs import resume_stalled_runs, start_run
    from tests.bench.workers import Cluster, wait_for_runs

    env = {
        name: str(getattr(settings, name))
        for name in ("SYNC_TIMEOUTS_BEFORE_BATCHING", "SYNC_STALL_SECONDS")
        if hasattr(settings, name)
    }

    slow = control.add_fault(
        system="dynamics_ax", operation="FreeTextInvoiceService.create", kind="latency", latency_ms=250
    )
    run = start_run(_flow(pair, "sales_invoice"))
    with Cluster(portal_url, workers=1, env=env) as cluster:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            current = SyncRun.objects.get(pk=run.pk)
            if current.created_count >= 3 or current.status not in ("queued", "running"):
                break
            time.sleep(0.05)
        cluster.kill()
    stalled = SyncRun.objects.get(pk=run.pk)
    assert stalled.status == "running", f"the run was not caught mid-run ({stalled.status}: {stalled.error})"
    report.worker_killed = True
    report.faults_by_kind["latency"] += next(r["hits"] for r in control.faults() if r["id"] == slow["id"])
    report.faults_by_system["dynamics_ax"] += next(r["hits"] for r in control.faults() if r["id"] == slow["id"])
    control.clear_faults()
    for rule in faults:
        control.add_fault(**rule)
    with Cluster(portal_url, workers=1, env=env):
        report.resumed_runs = len(resume_stalled_runs(stale_after=0))
        wait_for_runs([run.pk], timeout=900)
    report.runs += 1


def _campaign_flows(pair) -> list:
    from integrations.models import Flow

    flows = [_flow(pair, entity) for entity in FLOWS]
    # Run too, not compared record by record here (the money reconciliation compares it).
    flows += list(Flow.objects.filter(pair=pair, entity="supplier_payment", direction="kf_to_ax"))
    flows += [Flow.objects.get(pair=pair, entity=entity, direction=direction) for entity, direction in STATUS_FLOWS]
    return flows


def _round(pair, report: CampaignReport, *, switch_batching: bool = False, kill=None) -> int:
    """Every flow at once, on the cluster's workers; returns how many records were written.

    ``switch_batching``: once the runs are under way, an admin switches the document flows to batched writes
    (the runs take the switch up as they go). ``kill``: the cluster, SIGKILLed while several flows are writing
    (records claimed, batches in flight) and started again; its stalled runs are resumed."""
    from django_q.tasks import async_task

    from integrations.models import Flow, SyncRun
    from integrations.sync.runs import FlowBusy, resume_stalled_runs, start_run
    from tests.bench.workers import wait_for_runs

    ids = []
    for flow in _campaign_flows(pair):
        try:
            ids.append(start_run(flow).pk)
        except FlowBusy as busy:
            # A run queued earlier (by a schedule, or left by the killed worker) whose task may be lost: hand it to
            # the cluster again (a second delivery is harmless: one worker claims the run).
            report.queued_by_schedule += 1
            async_task("integrations.tasks.run_flow_task", busy.run.pk)
            ids.append(busy.run.pk)
    if switch_batching:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if SyncRun.objects.filter(pk__in=ids, status="running", processed__gt=0).exists():
                break
            time.sleep(0.05)
        Flow.objects.filter(pair=pair, entity__in=BATCH_SWITCHED, direction="kf_to_ax").update(batched_writes=True)
        report.batching_switched_mid_run = True
    if kill is not None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if SyncRun.objects.filter(pk__in=ids, status="running", processed__gt=2).count() >= 2:
                break
            time.sleep(0.05)
        kill.kill()
        report.concurrent_kill = True
        kill.start()
        report.resumed_after_concurrent_kill = len(resume_stalled_runs(stale_after=0))
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        running = SyncRun.objects.filter(pk__in=ids, status="running").count()
        report.concurrent_runs = max(report.concurrent_runs, running)
        if not SyncRun.objects.filter(pk__in=ids, status__in=("queued", "running")).exists():
            break
        time.sleep(0.1)
    runs = wait_for_runs(ids, timeout=60)
    report.runs += len(runs)
    report.rounds += 1
    return sum(r.created_count + r.updated_count for r in runs)


def _settled(pair) -> bool:
    from integrations.models import PendingRecord
    from monitoring.models import ExceptionItem

    open_keys = set(
        ExceptionItem.objects.exclude(status__in=["resolved", "ignored"]).values_list("flow_id", "source_key")
    )
    return all((p.flow_id, p.source_key) in open_keys for p in PendingRecord.objects.all())


def run_campaign(portal_url: str, pair, plan: Plan) -> CampaignReport:
    from django.conf import settings

    from integrations.sync.runs import run_flow
    from tests.bench.workers import Cluster

    report = CampaignReport(workers=plan.workers)
    started = time.monotonic()
    for entity in ("customer", "supplier"):  # master data first, fault-free: the documents' references exist
        run_flow(_flow(pair, entity), full=True)
    expected = expected_outcomes(pair)
    echoes_before = _echo_payments()
    control = Control(portal_url)
    env = {
        name: str(getattr(settings, name))
        for name in ("SYNC_TIMEOUTS_BEFORE_BATCHING", "SYNC_STALL_SECONDS")
        if hasattr(settings, name)
    }
    try:
        wanted = sum(f["count"] for f in plan.faults)
        if plan.kill_worker:
            _kill_phase(portal_url, pair, report, control, plan.faults)
        else:
            for rule in plan.faults:
                control.add_fault(**rule)
        with Cluster(portal_url, workers=plan.workers, env=env) as cluster:
            with SessionExpiry(control, report, plan.session_seconds):
                for number in range(plan.fault_rounds):
                    first = number == 0
                    _round(pair, report, switch_batching=first, kill=cluster if first and plan.kill_worker else None)
                    if sum(r["hits"] for r in control.faults()) >= wanted:
                        break
            _record_hits(control, report)
            control.clear_faults()
            for _ in range(plan.settle_rounds):
                written = _round(pair, report)
                if not written and _settled(pair):
                    break
        _accountant_and_next_day(pair, control, report)
    finally:
        control.close()
    compare(pair, expected, report)
    report.echo_payments = _echo_payments() - echoes_before
    reconcile_money(pair, report)
    report.seconds = time.monotonic() - started
    return report


def _accountant_and_next_day(pair, control: Control, report: CampaignReport) -> None:
    """The accountant posts AX's drafts; then, as if the keys' confirmation time had passed (a day), every flow
    runs once more: posted sales invoices confirm their keys from customer transactions, and what no AX service
    can confirm goes to the exception queue for a person, with that reason."""
    from django.test import override_settings

    from integrations.sync.runs import run_flow

    report.drafts_posted = control.post_ax_drafts()
    # A create-only service the fault rounds never caught writing (payments wait for their invoices' AX keys, which
    # a batch timed out after commit leaves unconfirmed until the accountant posts) gets its time-outs after commit
    # now, on its next creates.
    for service in AFTER_COMMIT_ON.values():
        if not report.after_commit(service):
            control.add_fault(system="dynamics_ax", operation=f"{service}.create", kind="timeout_after_commit",
                              count=3, latency_ms=1300)  # fmt: skip
    try:
        with override_settings(SYNC_UNCONFIRMED_KEY_HOURS=0):
            for flow in _campaign_flows(pair):
                run = run_flow(flow)
                assert run.status in ("succeeded", "partial"), f"{flow}: {run.status} {run.error}"
                report.runs += 1
    finally:
        _record_hits(control, report)
        control.clear_faults()
    report.rounds += 1
    # What that day wrote (the payments that waited for their invoices' keys, above all) is posted too before the
    # books are compared: a draft is an explained difference, and the proof is about what AX has posted.
    report.drafts_posted += control.post_ax_drafts()


def reconcile_money(pair, report: CampaignReport) -> None:
    """The money reconciliation of both ledgers, as the product runs it: every difference it finds must be
    explained by a record in the exception queue (or waiting) for a stated reason."""
    from monitoring.services.reconciliation import reconcile

    try:
        result = reconcile(pair)
    except Exception as exc:  # the verdict reports it: a reconciliation that cannot run proves nothing
        report.reconciliation_error = f"{type(exc).__name__}: {exc}"[:500]
        return
    report.reconciled_documents = result.documents
    for difference in result.unexplained:
        report.reconciliation_unexplained[(difference.entity, difference.kind)] += 1
    for difference in result.explained:
        report.reconciliation_explained[difference.entity] += 1
    report.reconciliation_samples = [
        f"{d.entity} {d.kind} {d.key}: KashFlow {d.kashflow!r}, AX {d.ax!r}" for d in result.unexplained[:10]
    ]


def _echo_payments() -> int:
    from integrations.sandbox.models import KashFlowRecord
    from integrations.sync.flows.invoice_status import is_ax_settlement

    return sum(1 for p in KashFlowRecord.objects.filter(entity="payments") if is_ax_settlement(p.data))
