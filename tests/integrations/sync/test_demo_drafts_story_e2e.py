"""Issue 12's demo story, end to end over real sockets: the demo company is loaded and synced; AX holds what
LedgerBridge created as drafts and the portal counts them per flow; the accountant posts them with the sandbox's
button; the AX -> KashFlow invoice status flow then marks KashFlow paid what was settled in AX, with the amounts
of both sides equal, and writes nothing back for the settlements that came from KashFlow (the echo guard)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django.urls import reverse

from integrations.connectors.dynamics_ax.client import Criterion
from integrations.models import RecordLink, RecordOutcome
from integrations.sandbox.demo_credentials import AX_COMPANY
from integrations.sandbox.models import AxRecord, KashFlowRecord
from integrations.services.connections import build_connector
from integrations.sync.flows.invoice_status import is_ax_settlement
from integrations.sync.runs import run_flow
from tests.integrations.sync.conftest import flow


def kashflow_payments(number: str) -> list[dict]:
    return [r.data for r in KashFlowRecord.objects.filter(entity="payments", parent_key=number)]


def settled_in_ax(ax, invoice_id: str) -> Decimal | None:
    """What AX shows settled on a posted invoice (customer transactions), None while it is a draft."""
    found = ax.client.find("CustomerTransactionService", [Criterion("CustTrans", "Invoice", "Equal", invoice_id)])
    return Decimal(found[0]["SettleAmountCur"]) if found else None


def dashboard_drafts(client, entity: str) -> int:
    """The dashboard card of the flow: "Unposted in AX: N, oldest M min" (absent when nothing waits)."""
    html = client.get(reverse("monitoring:dashboard")).content.decode()
    card = html.split(f'data-flow="{flow(entity).slug}"', 1)[1].split("</section>", 1)[0]
    found = re.search(r'class="ax-drafts">(\d+), oldest \d+ min', card)
    return int(found.group(1)) if found else 0


def page_drafts(client, entity: str) -> int:
    html = client.get(reverse("integrations:flow-detail", args=[flow(entity).slug])).content.decode()
    found = re.search(r"Unposted in AX: <strong>(\d+)</strong>", html)
    return int(found.group(1)) if found else 0


def test_drafts_wait_in_the_demo_until_posted_in_the_sandbox_then_kashflow_shows_them_paid(demo, client_for):
    # The demo's first sync: invoices, then KashFlow's payments of them, as payment journals marking the invoices.
    invoices = run_flow(flow("sales_invoice"))
    payments = run_flow(flow("payment"))
    assert invoices.created_count >= 2 and payments.created_count >= 1
    in_ax = {r.data["CustomerRef"]: r.key for r in AxRecord.objects.filter(entity="CustInvoiceTable")}
    paid_in_kashflow = {
        number: Decimal(str(r.data["TotalPaidAmount"]))
        for r in KashFlowRecord.objects.filter(entity="invoices")
        if (number := r.key) in in_ax and Decimal(str(r.data["TotalPaidAmount"])) > 0
    }
    assert paid_in_kashflow, "the demo has invoices KashFlow shows paid"
    kashflow_payment_ids = {n: sorted(str(p["Id"]) for p in kashflow_payments(n)) for n in paid_in_kashflow}

    # A receipt entered in AX for an invoice KashFlow shows unpaid (created through AIF: a draft as well).
    receipt_for = next(
        n
        for n, key in sorted(in_ax.items())
        if n not in paid_in_kashflow
        and Decimal(str(KashFlowRecord.objects.get(entity="invoices", key=n).data["GrossAmount"])) > 100
    )
    ax_invoice = AxRecord.objects.get(entity="CustInvoiceTable", key=in_ax[receipt_for])
    with build_connector(demo["pair"].dynamics_ax) as ax:
        ax.create(
            "payment",
            {
                "JournalName": "CustPay",
                "LedgerJournalTrans": [
                    {
                        "TransDate": date.today().isoformat(),
                        "AccountType": "Cust",
                        "LedgerDimension": {"Account": ax_invoice.data["OrderAccount"]},
                        "AmountCurCredit": "100.00",
                        "CurrencyCode": ax_invoice.data["CurrencyCode"],
                        "DocumentNum": "AX-RECEIPT-DEMO",
                        "MarkedInvoice": ax_invoice.key,
                        "OffsetAccountType": "Ledger",
                        "OffsetLedgerDimension": {"Account": "110110"},
                    }
                ],
            },
        )

        # Drafts wait: the portal counts them per flow, the sandbox lists them, AX shows nothing settled.
        viewer = client_for("Viewer")
        assert page_drafts(viewer, "sales_invoice") == invoices.created_count
        assert dashboard_drafts(viewer, "sales_invoice") == invoices.created_count
        accountant = client_for("Accountant")
        sandbox = accountant.get(reverse("sandbox:ax-drafts")).content.decode()
        waiting = dict(re.findall(r'data-kind="(\w+)" data-count="(\d+)"', sandbox))
        assert int(waiting["sales_invoice"]) == invoices.created_count
        assert int(waiting["payment"]) == payments.created_count + 1
        assert all(settled_in_ax(ax, in_ax[n]) is None for n in paid_in_kashflow)
        before = run_flow(flow("invoice_status", "ax_to_kf"))
        assert before.updated_count == 0

        # The accountant posts everything with the sandbox's button.
        answer = accountant.post(reverse("sandbox:ax-drafts-post"), {"company": AX_COMPANY, "kind": ""}, follow=True)
        total = invoices.created_count + payments.created_count + 1
        assert f"Posted {total} documents in AX company {AX_COMPANY}." in answer.content.decode()
        assert "stays a draft" not in answer.content.decode()
        run_flow(flow("sales_invoice"))  # the next run confirms what AX now shows posted
        assert page_drafts(viewer, "sales_invoice") == dashboard_drafts(viewer, "sales_invoice") == 0

        # The status flow: KashFlow's own settlements match AX and come back as nothing; the AX receipt is paid.
        status = run_flow(flow("invoice_status", "ax_to_kf"))
        for number, paid in paid_in_kashflow.items():
            assert settled_in_ax(ax, in_ax[number]) == paid  # the same money on both sides
            kf = KashFlowRecord.objects.get(entity="invoices", key=number).data
            assert Decimal(str(kf["TotalPaidAmount"])) == paid
            assert sorted(str(p["Id"]) for p in kashflow_payments(number)) == kashflow_payment_ids[number]
            assert not any(is_ax_settlement(p) for p in kashflow_payments(number))
            outcome = RecordOutcome.objects.filter(run=status, source_key=in_ax[number]).first()
            assert outcome is None or outcome.action != "updated"
        assert settled_in_ax(ax, ax_invoice.key) == Decimal("100.00")
    kf = KashFlowRecord.objects.get(entity="invoices", key=receipt_for).data
    assert Decimal(str(kf["TotalPaidAmount"])) == 100
    [mirrored] = [p for p in kashflow_payments(receipt_for) if is_ax_settlement(p)]
    assert Decimal(str(mirrored["Amount"])) == 100
    assert RecordOutcome.objects.get(run=status, source_key=ax_invoice.key).action == "updated"
    assert status.updated_count == 1
    # and the payment flow does not send the AX settlement back to AX
    again = run_flow(flow("payment"))
    assert again.created_count == 0
    assert not RecordLink.objects.filter(flow=flow("payment"), source_key=str(mirrored["Id"])).exclude(target_key="")
