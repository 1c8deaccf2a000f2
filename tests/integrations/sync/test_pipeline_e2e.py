"""Every flow against the sandbox over real HTTP and SOAP, run in-process (the worker tests are separate)."""

from __future__ import annotations

from collections import Counter

from integrations.models import RecordLink
from integrations.sandbox.models import AxMessage, AxRecord, KashFlowRecord
from integrations.sync.runs import run_flow
from tests.integrations.sync.conftest import flow


def ax_count(entity: str, **data) -> int:
    qs = AxRecord.objects.filter(entity=entity)
    return sum(1 for r in qs if all(r.data.get(k) == v for k, v in data.items()))


def test_sales_invoices_reach_ax_with_their_customers_and_a_rerun_creates_nothing(demo):
    run = run_flow(flow("sales_invoice"))
    assert run.status in ("succeeded", "partial"), run.error
    invoices = KashFlowRecord.objects.filter(entity="invoices")
    refs = Counter(r.data.get("CustomerRef") for r in AxRecord.objects.filter(entity="CustInvoiceTable"))
    created = [str(i.key) for i in invoices if refs.get(str(i.key))]
    assert run.created_count == len(created) > 0
    assert all(n == 1 for n in refs.values())
    # Every invoice that made it has its customer in AX.
    customers = set(AxRecord.objects.filter(entity="CustTable").values_list("key", flat=True))
    for record in AxRecord.objects.filter(entity="CustInvoiceTable"):
        assert record.data["OrderAccount"] in customers
    messages_before = AxMessage.objects.count()

    again = run_flow(flow("sales_invoice"), full=True)
    assert again.created_count == 0
    assert AxRecord.objects.filter(entity="CustInvoiceTable").count() == len(created)
    writes = AxMessage.objects.filter(operation="create").count()
    assert writes <= messages_before
    assert RecordLink.objects.filter(flow=flow("sales_invoice")).exclude(target_key="").count() == len(created)
