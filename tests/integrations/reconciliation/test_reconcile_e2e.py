"""Reconciliation of a company synced through the real flows, read back through the connectors over sockets.

Faults are injected the way they happen to a customer: a person edits or deletes a document in AX, a document
is posted a second time, a link is lost, an invoice turns out to be a draft.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from integrations.models import RecordLink
from integrations.reconciliation.core import Kind
from integrations.sandbox.models import AxRecord, KashFlowRecord
from integrations.services.connections import build_connector
from integrations.sync.runs import run_flow
from monitoring.services.reconciliation import reconcile
from tests.integrations.sync.conftest import edit_kashflow, flow

# The flows the demo company syncs without a known defect (issue 13 lists those of the others).
CLEAN_FLOWS = ["sales_invoice", "payment", "journal"]
COMPUTED = ("InvoiceId", "SumTax", "InvoiceAmount", "SettledAmount", "PaymentStatus")


def sync(*entities: str) -> None:
    for entity in entities:
        run = run_flow(flow(entity))
        assert run.status in ("succeeded", "partial"), run.error


def ax_edit(entity: str, key: str, change) -> None:
    record = AxRecord.objects.get(entity=entity, key=key)
    data = record.data
    change(data)
    AxRecord.objects.filter(pk=record.pk).update(data=data)


def ax_invoices() -> dict[str, dict]:
    """KashFlow invoice number -> the AX invoice."""
    return {r.data["CustomerRef"]: r.data for r in AxRecord.objects.filter(entity="CustInvoiceTable")}


def ax_journals(name: str) -> dict[str, str]:
    """DocumentNum -> JournalNum of the AX journals of one journal name."""
    return {
        str(r.data["LedgerJournalTrans"][0]["DocumentNum"]): r.key
        for r in AxRecord.objects.filter(entity="LedgerJournalTable")
        if r.data.get("JournalName") == name
    }


KNOWN_BROKEN = (
    "Known broken since AX's real operation sets (issue 12): free text invoices, payment journals and the ledger "
    "journal service offer no list operation, so the reconciliation's AX readers must move to posted customer "
    "transactions and reads by key (issue 13, open)"
)


@pytest.mark.xfail(reason=KNOWN_BROKEN, strict=False)
def test_a_correctly_synced_small_company_reconciles_clean_with_totals_that_agree(demo):
    sync(*CLEAN_FLOWS)
    result = reconcile(demo["pair"], entities=CLEAN_FLOWS)

    assert result.unexplained == [], [(d.kind, d.key, d.kashflow, d.ax) for d in result.unexplained]
    assert result.clean and result.documents > 10
    # What the demo cannot sync is in the queue for a reason, and said so, never silently dropped.
    assert result.explained and all(d.explained_by for d in result.explained)
    assert {d.kind for d in result.explained} == {Kind.MISSING_IN_AX}
    assert all(t.agrees for t in result.totals)
    explained = {d.key for d in result.explained if d.entity == "sales_invoice"}
    posted = sum(Decimal(inv["InvoiceAmount"]) for inv in ax_invoices().values())
    gross = next(
        t
        for t in result.totals
        if (t.entity, t.by, t.name, t.currency) == ("sales_invoice", "currency", "gross", "GBP")
    )
    assert gross.kashflow == gross.ax == posted > 0
    kashflow_gross = sum(
        Decimal(str(r.data["GrossAmount"]))
        for r in KashFlowRecord.objects.filter(entity="invoices")
        if str(r.data["Number"]) not in explained
    )
    assert gross.kashflow == kashflow_gross


@pytest.mark.xfail(reason=KNOWN_BROKEN, strict=False)
def test_the_reconciliation_finds_each_injected_difference_with_both_sides_and_nothing_else(demo):
    sync(*CLEAN_FLOWS)
    invoices = ax_invoices()
    paid = {
        str(r.data["Number"]) for r in KashFlowRecord.objects.filter(entity="invoices") if r.data.get("PaymentLines")
    }
    unpaid = sorted(set(invoices) - paid)
    deleted, draft = unpaid[:2]  # their payments would follow them
    settled, amount, twice, dimension = sorted(set(invoices) - {deleted, draft})[:4]
    payments, journals = ax_journals("CustPay"), ax_journals("GenJrn")
    payment, journal, unlinked = sorted(payments)[0], sorted(journals)[0], sorted(journals)[1]

    ax_edit(
        "CustInvoiceTable", invoices[amount]["InvoiceId"], lambda d: d["CustInvoiceLine"][0].update(AmountCur="1.00")
    )
    AxRecord.objects.filter(entity="CustInvoiceTable", key=invoices[deleted]["InvoiceId"]).delete()
    with build_connector(demo["pair"].dynamics_ax) as ax:
        copy = {k: v for k, v in invoices[twice].items() if k not in COMPUTED}
        second = ax.create("sales_invoice", copy, message_id="a-second-posting-of-the-same-invoice")

    def move_department(d):
        d["CustInvoiceLine"][0]["LedgerDimension"]["Values"][0]["Value"] = "999"

    ax_edit("CustInvoiceTable", invoices[dimension]["InvoiceId"], move_department)
    edit_kashflow(
        "invoices", str(KashFlowRecord.objects.get(entity="invoices", data__Number=int(draft)).key), Status="Draft"
    )
    ax_edit("CustInvoiceTable", invoices[settled]["InvoiceId"], lambda d: d.update(SettledAmount="0.01"))
    ax_edit("LedgerJournalTable", payments[payment], lambda d: d["LedgerJournalTrans"][0].update(CurrencyCode="EUR"))

    def other_account(d):
        d["LedgerJournalTrans"][0]["LedgerDimension"]["Account"] = "690000"

    ax_edit("LedgerJournalTable", journals[journal], other_account)
    RecordLink.objects.filter(flow=flow("journal"), source_key=unlinked).delete()

    result = reconcile(demo["pair"], entities=CLEAN_FLOWS)
    found = {(d.entity, d.kind, d.key): d for d in result.unexplained}
    assert set(found) == {
        ("sales_invoice", Kind.NET, amount),
        ("sales_invoice", Kind.ACCOUNTS, amount),
        ("sales_invoice", Kind.MISSING_IN_AX, deleted),
        ("sales_invoice", Kind.DUPLICATED_IN_AX, twice),
        ("sales_invoice", Kind.DIMENSIONS, dimension),
        ("sales_invoice", Kind.UNEXPECTED_IN_AX, draft),
        ("sales_invoice", Kind.SETTLEMENT, settled),
        ("payment", Kind.CURRENCY, payment),
        ("journal", Kind.ACCOUNTS, journal),
        ("journal", Kind.NOT_LINKED, unlinked),
    }
    assert found[("sales_invoice", Kind.DUPLICATED_IN_AX, twice)].ax_keys == tuple(
        sorted((invoices[twice]["InvoiceId"], second))
    )
    assert found[("payment", Kind.CURRENCY, payment)].ax == "EUR"
    assert found[("payment", Kind.CURRENCY, payment)].kashflow == "GBP"
    assert found[("sales_invoice", Kind.MISSING_IN_AX, deleted)].amount == Decimal(invoices[deleted]["InvoiceAmount"])
    assert "690000" in found[("journal", Kind.ACCOUNTS, journal)].ax
    assert found[("sales_invoice", Kind.SETTLEMENT, settled)].ax == "settled 0.01"
    # The money shows in the totals too: the copy counts twice, the deleted invoice not at all, the draft's AX
    # copy has no KashFlow counterpart (the edited line leaves AX's stored invoice total as it was).
    gross = next(
        t
        for t in result.totals
        if (t.entity, t.by, t.name, t.currency) == ("sales_invoice", "currency", "gross", "GBP")
    )
    assert gross.ax - gross.kashflow == sum(
        (Decimal(invoices[twice]["InvoiceAmount"]), -Decimal(invoices[deleted]["InvoiceAmount"])),
        Decimal(invoices[draft]["InvoiceAmount"]),
    )
    net = next(
        t for t in result.totals if (t.entity, t.by, t.name, t.currency) == ("sales_invoice", "currency", "net", "GBP")
    )
    assert not net.agrees


@pytest.mark.xfail(reason=KNOWN_BROKEN, strict=False)
def test_the_command_prints_a_clean_result_and_exits_non_zero_on_a_difference(demo, capsys):
    sync("sales_invoice", "payment")  # an invoice's settlement is part of it: payments first
    call_command("reconcile", "--flow", "sales-invoice-kf-to-ax")
    out = capsys.readouterr().out
    assert "Clean:" in out and "Totals that agree:" in out
    assert "Explained by the exception queue (1):" in out

    invoice = sorted(ax_invoices().values(), key=lambda d: d["InvoiceId"])[0]
    ax_edit("CustInvoiceTable", invoice["InvoiceId"], lambda d: d.update(CurrencyCode="USD"))
    with pytest.raises(CommandError) as failed:
        call_command("reconcile", "--flow", "sales_invoice", "--since", "2000-01-01")
    assert failed.value.returncode == 1
    out = capsys.readouterr().out
    assert (
        f"sales invoice {invoice['CustomerRef']} [AX {invoice['InvoiceId']}]: currency — KashFlow GBP | AX USD" in out
    )
    call_command("reconcile", "--flow", "sales_invoice", "--since", "2999-01-01")  # nothing dated then: clean
    assert "Clean: 0 documents" in capsys.readouterr().out


@pytest.mark.xfail(reason=KNOWN_BROKEN, strict=False)
def test_an_exception_ignored_with_a_reason_explains_its_record_and_one_without_does_not(demo):
    from monitoring.models import ExceptionItem

    sync("sales_invoice")
    item = ExceptionItem.objects.get(flow=flow("sales_invoice"))
    ExceptionItem.objects.filter(pk=item.pk).update(
        status=ExceptionItem.Status.IGNORED, resolution_note="Sundry income is booked in AX by hand"
    )
    result = reconcile(demo["pair"], entities=["sales_invoice"])
    missing = [d for d in result.differences_of("sales_invoice") if d.kind == Kind.MISSING_IN_AX]
    assert [(d.key, d.explained_by) for d in missing] == [
        (item.source_key, "ignored in the exception queue: Sundry income is booked in AX by hand")
    ]

    ExceptionItem.objects.filter(pk=item.pk).update(resolution_note="")
    result = reconcile(demo["pair"], entities=["sales_invoice"])
    assert [(d.kind, d.key) for d in result.unexplained if d.kind == Kind.MISSING_IN_AX] == [
        (Kind.MISSING_IN_AX, item.source_key)
    ]


@pytest.mark.xfail(reason=KNOWN_BROKEN, strict=False)
def test_a_payment_posted_again_inside_a_batch_is_duplicated_and_the_invoice_is_settled_twice(demo):
    sync("sales_invoice", "payment")
    journal = next(
        r
        for r in AxRecord.objects.filter(entity="LedgerJournalTable").order_by("key")
        if r.data["JournalName"] == "CustPay"
    )
    line = journal.data["LedgerJournalTrans"][0]
    copy = {k: v for k, v in journal.data.items() if k not in ("JournalNum",)}
    copy["LedgerJournalTrans"] = [{k: v for k, v in line.items() if k != "Voucher"}]
    with build_connector(demo["pair"].dynamics_ax) as ax:
        (second,) = ax.create_many("payment", [copy], message_id="a-batch-of-one-computed-over-the-batch")

    result = reconcile(demo["pair"], entities=["sales_invoice", "payment"])
    found = {(d.entity, d.kind, d.key): d for d in result.unexplained}
    doubled = found.pop(("payment", Kind.DUPLICATED_IN_AX, str(line["DocumentNum"])))
    assert doubled.ax_keys == (journal.key, second)
    assert doubled.amount == Decimal(line["AmountCurCredit"])
    settled = found.pop(("sales_invoice", Kind.SETTLEMENT, str(line["Invoice"])))
    assert settled.amount == -Decimal(line["AmountCurCredit"])  # AX holds the payment's money twice
    found.pop(("sales_invoice", Kind.STATUS, str(line["Invoice"])), None)  # partly paid may now read as paid
    assert found == {}
