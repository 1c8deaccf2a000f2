"""Payment journals are drafts in AX until posted, and CustPaymJournalService only creates: LedgerBridge sees them
posted, and confirms a key lost to a time-out, from the customer transactions posting makes (over real sockets;
the first scenario's runs are executed by a real worker process)."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx
from django.urls import reverse

from integrations.models import RecordLink, RecordOutcome
from integrations.sandbox.ax import posting
from integrations.sandbox.models import AxCompany, AxMessage, AxRecord, FaultRule, KashFlowRecord
from integrations.selectors import ax_drafts
from integrations.sync.runs import run_flow, start_run
from tests.integrations.sync.conftest import flow, journal_refs, wait_for_run


def drafts(entity: str) -> int:
    found = ax_drafts([flow(entity)]).get(flow(entity).pk)
    return found.count if found else 0


def page_drafts(client, entity: str) -> int:
    html = client.get(reverse("integrations:flow-detail", args=[flow(entity).slug])).content.decode()
    found = re.search(r"Unposted in AX: <strong>(\d+)</strong>", html)
    return int(found.group(1)) if found else 0


def dashboard_drafts(client, entity: str) -> int:
    """The flow's dashboard card: "Unposted in AX: N, oldest M min" (absent when nothing waits)."""
    html = client.get(reverse("monitoring:dashboard")).content.decode()
    card = html.split(f'data-flow="{flow(entity).slug}"', 1)[1].split("</section>", 1)[0]
    found = re.search(r'class="ax-drafts">(\d+), oldest \d+ min', card)
    return int(found.group(1)) if found else 0


def payment_transactions(reference: str) -> list[dict]:
    """The customer transactions AX holds for a payment (the journal line's DocumentNum), not for invoices."""
    rows = AxRecord.objects.filter(entity="CustTrans", data__DocumentNum=reference)
    return [r.data for r in rows if not r.data.get("Invoice")]


def kashflow_money(payment_id: str) -> tuple[Decimal, str]:
    """What KashFlow says was paid, in the currency of the AX invoice it pays (a payment line is in that currency)."""
    payment = KashFlowRecord.objects.get(entity="payments", key=payment_id)
    invoice = AxRecord.objects.get(entity="CustInvoiceTable", data__CustomerRef=payment.parent_key)
    return Decimal(str(payment.data["Amount"])), invoice.data["CurrencyCode"]


def assert_posted_as_sent(link: RecordLink) -> dict:
    """One posted payment in AX for the KashFlow payment, with its money, under the link's key."""
    [trans] = payment_transactions(link.source_key)
    amount, currency = kashflow_money(link.source_key)
    assert Decimal(trans["AmountCur"]) == -amount and trans["CurrencyCode"] == currency  # received: a credit
    assert trans["TransType"] == "Payment" and link.ax_posted_at is not None
    return trans


def test_payment_journals_count_as_drafts_until_posted_then_the_next_run_sees_them_posted(
    demo, worker, settings, client_for
):
    settings.SANDBOX_CONTROL_TOKEN = "post-token"
    payments = wait_for_run(start_run(flow("payment")).pk)  # the invoices they pay go first, as prerequisites
    assert payments.created_count >= 2 and payments.failed_count == 0
    links = RecordLink.objects.filter(flow=flow("payment")).exclude(target_key="")
    assert links.count() == payments.created_count and not links.filter(ax_posted_at__isnull=False).exists()
    # The portal counts the payment journals waiting in AX, on the flow's page too.
    viewer = client_for("Viewer")
    assert drafts("payment") == page_drafts(viewer, "payment") == payments.created_count
    assert dashboard_drafts(viewer, "payment") == payments.created_count
    assert not AxRecord.objects.filter(entity="CustTrans").exists()  # AX shows nothing posted yet

    posted = httpx.post(
        f"{demo['url']}/sandbox/control/ax/post",
        json={"kinds": ["sales_invoice", "payment"]},
        headers={"Authorization": "Bearer post-token"},
    )
    assert posted.status_code == 200
    [company] = posted.json()["companies"].values()
    assert len(company["posted"]["payment"]) == payments.created_count and not company["refused"]
    assert drafts("payment") == payments.created_count  # LedgerBridge learns it on its next run

    again = wait_for_run(start_run(flow("payment")).pk)
    assert again.created_count == 0
    assert drafts("payment") == page_drafts(viewer, "payment") == dashboard_drafts(viewer, "payment") == 0
    for link in RecordLink.objects.filter(flow=flow("payment")):
        assert link.target_key.startswith("JNL-")  # the key AX answered with is kept
        trans = assert_posted_as_sent(link)
        journal = AxRecord.objects.get(entity="LedgerJournalTable", key=link.target_key).data
        [line] = journal["LedgerJournalTrans"]
        assert trans["Voucher"] == line["Voucher"] and trans["PaymReference"] == (line.get("PaymReference") or "")
    # The payments' transactions never read as invoices: each posted invoice has exactly one transaction.
    invoices = AxRecord.objects.filter(entity="CustTrans").exclude(data__Invoice="").exclude(data__Invoice=None)
    assert invoices.count() == AxRecord.objects.filter(entity="CustInvoiceTable").count()


def test_a_payment_journal_created_before_a_time_out_is_confirmed_under_its_voucher_once_posted(demo):
    FaultRule.objects.create(
        system="dynamics_ax",
        operation="CustPaymJournalService.create",
        kind="timeout_after_commit",
        remaining=1,
        latency_ms=2600,  # the connection's time-out is 2 s: the answer is lost, the journal is in AX
    )
    run = run_flow(flow("payment"))
    assert run.failed_count == 0
    [unconfirmed] = RecordLink.objects.filter(flow=flow("payment"), key_unconfirmed_since__isnull=False)
    outcome = RecordOutcome.objects.get(run=run, source_key=unconfirmed.source_key)
    assert "key to be confirmed" in outcome.error and unconfirmed.target_key == ""
    # Re-sent under the same MessageId, AX answered Duplicate message: the journal is in AX once.
    sends = AxMessage.objects.filter(service="CustPaymJournalService", message_id=outcome.message_id)
    assert sends.count() == 2 and "Duplicate message" in sends.exclude(fault="").get().fault
    assert set(journal_refs("CustPay").values()) == {1}
    assert drafts("payment") == run.created_count  # the unconfirmed one waits in AX as a draft too

    run_flow(flow("payment"))  # still a draft: nothing to confirm it from, nothing sent again
    assert RecordLink.objects.get(pk=unconfirmed.pk).key_unconfirmed_since is not None
    assert set(journal_refs("CustPay").values()) == {1}

    for company in AxCompany.objects.all():
        posting.post(company)  # the accountant posts the drafts in AX
    run_flow(flow("payment"))
    confirmed = RecordLink.objects.get(pk=unconfirmed.pk)
    trans = assert_posted_as_sent(confirmed)
    assert confirmed.target_key == trans["Voucher"] and confirmed.key_unconfirmed_since is None
    # the voucher is the one of the journal line AX created from the first send
    [journal] = [
        r.data
        for r in AxRecord.objects.filter(entity="LedgerJournalTable", data__JournalName="CustPay")
        if r.data["LedgerJournalTrans"][0]["DocumentNum"] == confirmed.source_key
    ]
    assert journal["LedgerJournalTrans"][0]["Voucher"] == confirmed.target_key
    assert Decimal(journal["LedgerJournalTrans"][0]["AmountCurCredit"]) == -Decimal(trans["AmountCur"])
    assert drafts("payment") == 0
