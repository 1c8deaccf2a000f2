"""Invoice status both ways: AX settlement shows in KashFlow; KashFlow's paid invoices get settled in AX."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from integrations.models import RecordOutcome
from integrations.sandbox.ax import posting
from integrations.sandbox.models import AxCompany, AxRecord, KashFlowRecord
from integrations.services.connections import build_connector
from integrations.sync.runs import run_flow
from tests.integrations.sync.conftest import flow, journal_refs


def ax_invoice(number: str) -> AxRecord:
    return AxRecord.objects.get(entity="CustInvoiceTable", data__CustomerRef=number)


def post_ax_drafts() -> None:
    for company in AxCompany.objects.all():
        posting.post(company)


def test_a_settlement_made_in_ax_marks_the_kashflow_invoice_paid_and_is_not_sent_back(demo):
    run_flow(flow("sales_invoice"))
    number = next(
        r.key
        for r in KashFlowRecord.objects.filter(entity="invoices").order_by("key")
        if r.data["TotalPaidAmount"] == 0 and r.data["GrossAmount"] > 100
        and AxRecord.objects.filter(entity="CustInvoiceTable", data__CustomerRef=r.key).exists()
    )  # fmt: skip
    invoice = ax_invoice(number)
    with build_connector(demo["pair"].dynamics_ax) as ax:
        ax.create(
            "payment",
            {
                "JournalName": "CustPay",
                "Name": "Received in AX",
                "LedgerJournalTrans": [
                    {
                        "LineNum": 1,
                        "TransDate": date.today().isoformat(),
                        "AccountType": "Cust",
                        "LedgerDimension": {"Account": invoice.data["OrderAccount"]},
                        "AmountCurCredit": "100.00",
                        "CurrencyCode": "GBP",
                        "DocumentNum": "AX-RECEIPT-1",
                        "MarkedInvoice": invoice.key,
                        "OffsetAccountType": "Ledger",
                        "OffsetLedgerDimension": {"Account": "110110"},
                    }
                ],
            },
        )
    # created through AIF: a draft journal, nothing settled, and the invoice itself is a draft too
    assert Decimal(ax_invoice(number).data["SettledAmount"]) == 0
    waiting = run_flow(flow("invoice_status", "ax_to_kf"))
    assert not RecordOutcome.objects.filter(run=waiting, source_key=invoice.key, action="updated").exists()
    assert KashFlowRecord.objects.get(entity="invoices", key=number).data["TotalPaidAmount"] == 0

    post_ax_drafts()  # the accountant posts the invoices and the payment journal in AX
    assert Decimal(ax_invoice(number).data["SettledAmount"]) == 100

    run = run_flow(flow("invoice_status", "ax_to_kf"))
    assert RecordOutcome.objects.get(run=run, source_key=invoice.key).action == "updated"
    kf = KashFlowRecord.objects.get(entity="invoices", key=number).data
    assert kf["TotalPaidAmount"] == 100 and kf["Status"] in ("Unpaid", "Overdue")  # part paid, as KashFlow shows it
    line = kf["PaymentLines"][-1]
    assert line["Note"].startswith("AX settlement ") and line["Amount"] == 100 and isinstance(line["Method"], int)
    again = run_flow(flow("invoice_status", "ax_to_kf"), full=True)
    assert again.updated_count == 0
    assert KashFlowRecord.objects.get(entity="invoices", key=number).data["TotalPaidAmount"] == 100

    settlement = next(p for p in KashFlowRecord.objects.filter(entity="payments", parent_key=number))
    assert settlement.data["Note"].startswith("AX settlement ")
    payments = run_flow(flow("payment"))
    echo = RecordOutcome.objects.get(run=payments, source_key=settlement.key)
    assert echo.action == "skipped" and "AX settlement" in echo.error
    assert settlement.key not in journal_refs("CustPay")
    assert Decimal(ax_invoice(number).data["SettledAmount"]) == 100


def test_an_invoice_paid_in_kashflow_gets_its_payments_settled_in_ax(demo):
    run_flow(flow("sales_invoice"))
    paid = [
        r.key for r in KashFlowRecord.objects.filter(entity="invoices") if r.data["TotalPaidAmount"] and r.key != "1008"
    ]
    assert paid and all(Decimal(ax_invoice(n).data["SettledAmount"]) == 0 for n in paid)

    run = run_flow(flow("invoice_status"))
    for number in paid:
        outcome = RecordOutcome.objects.get(run=run, source_key=number)
        assert outcome.action == "updated" and "when they are posted" in outcome.error
        assert Decimal(ax_invoice(number).data["SettledAmount"]) == 0  # payment journals wait as drafts
    post_ax_drafts()
    for number in paid:
        kf_paid = Decimal(str(KashFlowRecord.objects.get(entity="invoices", key=number).data["TotalPaidAmount"]))
        assert Decimal(ax_invoice(number).data["SettledAmount"]) == kf_paid
    settled = run_flow(flow("invoice_status"), full=True)
    assert not RecordOutcome.objects.filter(run=settled, action="failed").exists()
    refs = journal_refs("CustPay")
    assert refs and set(refs.values()) == {1}
    assert run_flow(flow("payment")).created_count == 0  # already settled through the status flow
    assert journal_refs("CustPay") == refs
