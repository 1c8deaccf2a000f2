"""The two yardsticks the sync engine is measured against, over the same sandbox and the same mapping.

- ``raw_loop``: the limit. The two connectors called directly (one connection each, reused), the compiled
  mapping applied, each invoice created in AX; no links, outcomes, retries, look-ups or database writes.
- ``naive_sync``: what a first script would do: one request at a time, a fresh connection (and a fresh
  KashFlow login) for every record, a customer check per invoice.
"""

from __future__ import annotations

import time
import uuid

from integrations.services.connections import build_connector

BLOCKING = {"missing_required", "value_not_mapped", "too_long", "wrong_type", "not_allowed", "rule_error"}


def _mapped(mapping, record: dict) -> dict | None:
    result = mapping.apply(record)
    if any(i.code in BLOCKING for i in result.issues):
        return None
    return result.document if result.document.get("CustInvoiceLine") else None


def raw_loop(pair, mapping) -> dict:
    started = time.perf_counter()
    created = skipped = 0
    seen_customers: set[str] = set()
    with build_connector(pair.kashflow) as kashflow, build_connector(pair.dynamics_ax) as ax:
        for record in kashflow.list_changed("sales_invoice", None):
            document = _mapped(mapping, record)
            if document is None:
                skipped += 1
                continue
            account = document["OrderAccount"]
            if account not in seen_customers:
                ax.read("customer", account)
                seen_customers.add(account)
            ax.create("sales_invoice", document, message_id=str(uuid.uuid4()))
            created += 1
    return {"seconds": time.perf_counter() - started, "created": created, "skipped": skipped}


def naive_sync(pair, mapping, limit: int) -> dict:
    started = time.perf_counter()
    with build_connector(pair.kashflow) as kashflow:
        keys = [str(r["Number"]) for _, r in zip(range(limit), kashflow.list_changed("sales_invoice", None))]
    created = skipped = 0
    for key in keys:
        with build_connector(pair.kashflow) as kashflow:
            record = kashflow.read("sales_invoice", key)
        document = _mapped(mapping, record)
        if document is None:
            skipped += 1
            continue
        with build_connector(pair.dynamics_ax) as ax:
            ax.read("customer", document["OrderAccount"])
        with build_connector(pair.dynamics_ax) as ax:
            ax.create("sales_invoice", document, message_id=str(uuid.uuid4()))
        created += 1
    return {"seconds": time.perf_counter() - started, "created": created, "skipped": skipped, "records": len(keys)}


def clear_ax_invoices() -> None:
    """Take the invoices (and their AIF messages) out of the AX sandbox so the next contender starts equal."""
    from integrations.sandbox.models import AxMessage, AxRecord

    AxRecord.objects.filter(entity="CustInvoiceTable").delete()
    AxMessage.objects.all().delete()


def clear_sync_state() -> None:
    from integrations.models import Flow, PendingRecord, RecordLink, RecordOutcome, SyncRun
    from monitoring.models import ExceptionItem

    ExceptionItem.objects.all().delete()
    RecordOutcome.objects.all().delete()
    RecordLink.objects.all().delete()
    PendingRecord.objects.all().delete()
    SyncRun.objects.all().delete()
    Flow.objects.update(watermark=None, batched_writes=False, paused_until=None, consecutive_failures=0)
