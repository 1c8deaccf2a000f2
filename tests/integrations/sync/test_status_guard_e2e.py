"""AX -> KashFlow invoice status never writes KashFlow's own money back into KashFlow (issue 13, defect 2)."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

from integrations.models import RecordOutcome
from integrations.sandbox.models import AxRecord, KashFlowRecord
from integrations.services.connections import build_connector
from integrations.sync.runs import run_flow
from monitoring.models import ExceptionItem
from tests.integrations.sync.conftest import flow, post_ax_drafts


def ax_invoice(number: str) -> AxRecord:
    return AxRecord.objects.get(entity="CustInvoiceTable", data__CustomerRef=number)


def kf_payments(number: str) -> list[dict]:
    return [r.data for r in KashFlowRecord.objects.filter(entity="payments", parent_key=number)]


def _receipt(ax, invoice: AxRecord, amount: str, document_num: str) -> None:
    ax.create(
        "payment",
        {
            "JournalName": "CustPay",
            "Name": "Receipt",
            "LedgerJournalTrans": [
                {
                    "LineNum": 1,
                    "TransDate": date.today().isoformat(),
                    "AccountType": "Cust",
                    "LedgerDimension": {"Account": invoice.data["OrderAccount"]},
                    "AmountCurCredit": amount,
                    "CurrencyCode": invoice.data.get("CurrencyCode") or "GBP",
                    "DocumentNum": document_num,
                    "MarkedInvoice": invoice.key,
                    "OffsetAccountType": "Ledger",
                    "OffsetLedgerDimension": {"Account": "110110"},
                }
            ],
        },
    )


def test_a_kashflow_payment_settled_twice_in_ax_is_an_exception_not_a_kashflow_payment(demo):
    run_flow(flow("sales_invoice"))
    run_flow(flow("payment"))
    # AX settles only on posting: the accountant posts the invoices and KashFlow's payment journals in AX.
    posted = post_ax_drafts()
    assert all(not result["refused"] for result in posted.values()), posted
    paid = next(
        r for r in KashFlowRecord.objects.filter(entity="invoices").order_by("pk")
        if r.data["TotalPaidAmount"] and Decimal(str(ax_invoice(r.key).data["SettledAmount"])) > 0
    )  # fmt: skip
    number = paid.key
    payment = kf_payments(number)[0]
    before = copy.deepcopy(kf_payments(number))
    invoice = ax_invoice(number)
    # The same KashFlow payment posted a second time in AX (what defect 1 did): AX shows more settled.
    with build_connector(demo["pair"].dynamics_ax) as ax:
        _receipt(ax, invoice, str(payment["Amount"]), str(payment["Id"]))
    assert Decimal(str(ax_invoice(number).data["SettledAmount"])) == Decimal(str(invoice.data["SettledAmount"]))
    post_ax_drafts(["payment"])  # the second journal settles nothing until it is posted too
    ax_settled = Decimal(str(ax_invoice(number).data["SettledAmount"]))
    kf_paid = Decimal(str(paid.data["TotalPaidAmount"]))
    assert ax_settled > kf_paid

    run = run_flow(flow("invoice_status", "ax_to_kf"), full=True)
    assert kf_payments(number) == before, "KashFlow's own settlement came back as a new KashFlow payment"
    after = KashFlowRecord.objects.get(entity="invoices", key=number).data
    assert after["TotalPaidAmount"] == paid.data["TotalPaidAmount"]
    outcome = RecordOutcome.objects.get(run=run, source_key=invoice.key)
    assert outcome.action == "failed"
    item = ExceptionItem.objects.get(flow=flow("invoice_status", "ax_to_kf"), source_key=invoice.key)
    assert f"{ax_settled:.2f}" in item.message and f"{kf_paid:.2f}" in item.message, item.message
    # Nothing loops: a second run writes nothing either and keeps the one item.
    run_flow(flow("invoice_status", "ax_to_kf"), full=True)
    assert kf_payments(number) == before
    assert ExceptionItem.objects.filter(flow=flow("invoice_status", "ax_to_kf"), source_key=invoice.key).count() == 1


def test_an_ax_settlement_beyond_what_kashflow_can_take_is_an_exception_with_the_amounts(demo):
    run_flow(flow("sales_invoice"))
    post_ax_drafts(["sales_invoice"])  # a receipt can be settled only against a posted invoice
    unpaid = next(
        r for r in KashFlowRecord.objects.filter(entity="invoices").order_by("pk") if not r.data["TotalPaidAmount"]
    )
    number = unpaid.key
    invoice = ax_invoice(number)
    gross = Decimal(str(invoice.data["InvoiceAmount"]))
    with build_connector(demo["pair"].dynamics_ax) as ax:
        _receipt(ax, invoice, str(gross + 50), "AX-RECEIPT-OVER")
    posted = post_ax_drafts(["payment"])
    assert any(result["posted"].get("payment") for result in posted.values()), posted
    assert Decimal(str(ax_invoice(number).data["SettledAmount"])) == gross + 50

    run = run_flow(flow("invoice_status", "ax_to_kf"), full=True)
    assert kf_payments(number) == []
    outcome = RecordOutcome.objects.get(run=run, source_key=invoice.key)
    assert outcome.action == "failed"
    item = ExceptionItem.objects.get(flow=flow("invoice_status", "ax_to_kf"), source_key=invoice.key)
    assert f"{gross + 50:.2f}" in item.message, item.message
    assert item.error_code == "settlement_exceeds_kashflow", item.error_code
