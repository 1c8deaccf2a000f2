"""AX keeps what AIF created as drafts: the portal shows them waiting, an alert fires when they pile up, and only
posting (the sandbox's control API, as the accountant) settles invoices so the status flow marks KashFlow paid.
Runs are executed by a real worker process."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx

from integrations.models import Flow
from integrations.sandbox.models import AxRecord, KashFlowRecord
from integrations.selectors import ax_drafts
from integrations.services.connections import build_connector
from integrations.sync.runs import start_run
from monitoring.alerts import evaluate
from monitoring.models import AlertRule
from tests.integrations.sync.conftest import flow, wait_for_run


def _drafts(entity: str) -> int:
    found = ax_drafts([flow(entity)]).get(flow(entity).pk)
    return found.count if found else 0


def test_drafts_wait_until_posted_and_then_the_status_flow_marks_kashflow_paid(demo, worker, settings, client):
    settings.SANDBOX_CONTROL_TOKEN = "post-token"
    rule = AlertRule.objects.create(name="Drafts", kind=AlertRule.Kind.AX_DRAFTS, threshold=2, window_minutes=0)

    invoices = wait_for_run(start_run(flow("sales_invoice")).pk)
    assert invoices.created_count >= 2
    assert _drafts("sales_invoice") == invoices.created_count
    [finding] = evaluate(rule)
    assert finding.subject_key == flow("sales_invoice").slug and "unposted in AX" in finding.message

    number = next(
        r.key
        for r in KashFlowRecord.objects.filter(entity="invoices").order_by("key")
        if r.data["TotalPaidAmount"] == 0 and r.data["GrossAmount"] > 100
        and AxRecord.objects.filter(entity="CustInvoiceTable", data__CustomerRef=r.key).exists()
    )  # fmt: skip
    invoice = AxRecord.objects.get(entity="CustInvoiceTable", data__CustomerRef=number)
    with build_connector(demo["pair"].dynamics_ax) as ax:
        ax.create(
            "payment",
            {
                "JournalName": "CustPay",
                "LedgerJournalTrans": [
                    {
                        "TransDate": date.today().isoformat(),
                        "AccountType": "Cust",
                        "LedgerDimension": {"Account": invoice.data["OrderAccount"]},
                        "AmountCurCredit": "100.00",
                        "CurrencyCode": "GBP",
                        "DocumentNum": "AX-RECEIPT-9",
                        "MarkedInvoice": invoice.key,
                        "OffsetAccountType": "Ledger",
                        "OffsetLedgerDimension": {"Account": "110110"},
                    }
                ],
            },
        )
    status = Flow.objects.get(entity="invoice_status", direction="ax_to_kf")
    wait_for_run(start_run(status).pk)
    assert KashFlowRecord.objects.get(entity="invoices", key=number).data["TotalPaidAmount"] == 0  # not posted

    refused = httpx.post(f"{demo['url']}/sandbox/control/ax/post", json={})
    posted = httpx.post(
        f"{demo['url']}/sandbox/control/ax/post",
        json={"kinds": ["sales_invoice", "payment"]},
        headers={"Authorization": "Bearer post-token"},
    )
    assert refused.status_code == 401
    assert posted.status_code == 200 and posted.json()["count"] == invoices.created_count + 1

    wait_for_run(start_run(flow("sales_invoice")).pk)  # reads back what AX posted
    assert _drafts("sales_invoice") == 0
    assert evaluate(rule) == []
    wait_for_run(start_run(status).pk)
    kf = KashFlowRecord.objects.get(entity="invoices", key=number).data
    assert Decimal(str(kf["TotalPaidAmount"])) == 100
    assert kf["PaymentLines"][-1]["Note"].startswith("AX settlement ")
