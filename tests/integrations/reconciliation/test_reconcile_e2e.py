"""Reconciliation of a company synced through the real flows, read back through the connectors over sockets.

Documents created through AIF are drafts until someone posts them in AX; the scenarios post them where the real
world would (the accountant, in AX), through the sandbox's posting, then reconcile. Faults are injected the way
they happen to a customer: a document is posted wrong or a second time, a link is lost, a draft is never posted,
an invoice turns out to be a draft in KashFlow.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from integrations.connectors.dynamics_ax.connector import PAYMENT_WINDOW_DAYS
from integrations.models import RecordLink
from integrations.reconciliation.core import Kind
from integrations.sandbox.ax import posting
from integrations.sandbox.models import AxCompany, AxMessage, AxRecord, KashFlowRecord
from integrations.services.connections import build_connector
from integrations.sync.runs import run_flow
from monitoring.services.reconciliation import check_books, reconcile
from tests.integrations.sync.conftest import edit_kashflow, flow

# The flows the demo company syncs without a known defect (issue 13 lists those of the others).
CLEAN_FLOWS = ["sales_invoice", "payment", "journal"]
COMPUTED = ("InvoiceId", "SumTax", "InvoiceAmount", "SettledAmount", "PaymentStatus")


def sync(*entities: str) -> None:
    for entity in entities:
        run = run_flow(flow(entity))
        assert run.status in ("succeeded", "partial"), run.error


def post_in_ax(**only) -> None:
    """The accountant posts the drafts LedgerBridge created (``only``: ``kinds`` / ``keys``, as the sandbox takes)."""
    for company in AxCompany.objects.all():
        result = posting.post(company, **only)
        assert not result.refused, result.refused


def customer_transaction(**match) -> AxRecord:
    """The posted customer transaction (invoice or payment) with these field values."""
    rows = [r for r in AxRecord.objects.filter(entity="CustTrans") if all(r.data.get(k) == v for k, v in match.items())]
    assert len(rows) == 1, (match, [r.key for r in rows])
    return rows[0]


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


def test_a_correctly_synced_small_company_reconciles_clean_with_totals_that_agree(demo):
    sync(*CLEAN_FLOWS)
    post_in_ax()
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


def test_drafts_not_yet_posted_in_ax_are_stated_and_explained_never_money_differences(demo):
    sync(*CLEAN_FLOWS)
    before = reconcile(demo["pair"], entities=CLEAN_FLOWS)
    assert before.unexplained == [], [(d.kind, d.key, d.kashflow, d.ax) for d in before.unexplained]
    unposted = {(d.entity, d.key): d for d in before.unposted}
    invoices, payments = ax_invoices(), ax_journals("CustPay")
    assert {k for e, k in unposted if e == "sales_invoice"} == set(invoices)
    assert {k for e, k in unposted if e == "payment"} == set(payments)
    assert {k for e, k in unposted if e == "journal"} == set(ax_journals("GenJrn"))
    some = sorted(invoices)[0]
    assert unposted[("sales_invoice", some)].ax_keys == (invoices[some]["InvoiceId"],)
    assert "an unposted draft in AX" in unposted[("sales_invoice", some)].explained_by
    # The drafts are in neither AX's books nor the totals: what the totals compare agrees.
    assert all(t.agrees for t in before.totals)

    post_in_ax(kinds=["sales_invoice"])  # the invoices are posted, the payments not yet
    invoices_only = reconcile(demo["pair"], entities=CLEAN_FLOWS)
    assert invoices_only.unexplained == [], [(d.kind, d.key, d.kashflow, d.ax) for d in invoices_only.unexplained]
    assert {d.entity for d in invoices_only.unposted} == {"payment", "journal"}
    # A KashFlow payment whose AX journal waits to be posted is not expected in its invoice's settlement yet.
    assert not any(d.kind == Kind.SETTLEMENT for d in invoices_only.differences_of("sales_invoice"))

    post_in_ax()
    after = reconcile(demo["pair"], entities=CLEAN_FLOWS)
    assert after.unexplained == [] and after.unposted == []
    settled = [t for t in after.totals if t.entity == "payment" and t.by == "currency" and t.name == "gross"]
    assert settled and all(t.agrees and t.ax > 0 for t in settled)


def test_the_reconciliation_finds_each_injected_difference_with_both_sides_and_nothing_else(demo):
    sync(*CLEAN_FLOWS)
    invoices = ax_invoices()
    paid = {
        str(r.data["Number"]) for r in KashFlowRecord.objects.filter(entity="invoices") if r.data.get("PaymentLines")
    }
    unpaid = sorted(set(invoices) - paid)
    lost, draft, never_posted = unpaid[:3]  # unpaid: their payments would follow them
    amount, twice, customer, settled = sorted(set(invoices) - {lost, draft, never_posted})[:4]
    payments, journals = ax_journals("CustPay"), ax_journals("GenJrn")
    payment, journal, unlinked = sorted(payments)[0], sorted(journals)[0], sorted(journals)[1]

    # A lost invoice: never reached AX and its link is gone (AX shows no trace of it).
    AxRecord.objects.filter(entity="CustInvoiceTable", key=invoices[lost]["InvoiceId"]).delete()
    RecordLink.objects.filter(flow=flow("sales_invoice"), source_key=lost).delete()
    with build_connector(demo["pair"].dynamics_ax) as ax:
        copy = {k: v for k, v in invoices[twice].items() if k not in COMPUTED}
        second = ax.create("sales_invoice", copy, message_id="a-second-posting-of-the-same-invoice")
    edit_kashflow(
        "invoices", str(KashFlowRecord.objects.get(entity="invoices", data__Number=int(draft)).key), Status="Draft"
    )
    posted = [i["InvoiceId"] for number, i in invoices.items() if number not in (lost, never_posted)]
    post_in_ax(kinds=["sales_invoice"], keys=[*posted, second])
    post_in_ax(kinds=["payment", "journal"])

    # Then a posting goes wrong by hand in AX: an amount, a customer, a settlement, a payment's currency.
    ax_edit("CustTrans", invoices[amount]["InvoiceId"], lambda d: d.update(AmountCur="1.00"))
    ax_edit("CustTrans", invoices[customer]["InvoiceId"], lambda d: d.update(AccountNum="ZZZZ99"))
    ax_edit("CustTrans", invoices[settled]["InvoiceId"], lambda d: d.update(SettleAmountCur="0.01"))
    ax_edit("CustTrans", customer_transaction(DocumentNum=payment).key, lambda d: d.update(CurrencyCode="EUR"))

    def other_account(d):
        d["LedgerJournalTrans"][0]["LedgerDimension"]["Account"] = "690000"

    ax_edit("LedgerJournalTable", journals[journal], other_account)
    RecordLink.objects.filter(flow=flow("journal"), source_key=unlinked).delete()

    result = reconcile(demo["pair"], entities=CLEAN_FLOWS)
    found = {(d.entity, d.kind, d.key): d for d in result.unexplained}
    found.pop(("sales_invoice", Kind.STATUS, settled), None)  # a paid invoice now reads partly paid in AX
    assert set(found) == {
        ("sales_invoice", Kind.GROSS, amount),
        ("sales_invoice", Kind.PARTY, customer),
        ("sales_invoice", Kind.MISSING_IN_AX, lost),
        ("sales_invoice", Kind.DUPLICATED_IN_AX, twice),
        ("sales_invoice", Kind.UNEXPECTED_IN_AX, draft),
        ("sales_invoice", Kind.SETTLEMENT, settled),
        ("payment", Kind.CURRENCY, payment),
        ("journal", Kind.ACCOUNTS, journal),
        ("journal", Kind.MISSING_IN_AX, unlinked),
    }
    assert found[("sales_invoice", Kind.DUPLICATED_IN_AX, twice)].ax_keys == tuple(
        sorted((invoices[twice]["InvoiceId"], second))
    )
    assert (found[("payment", Kind.CURRENCY, payment)].kashflow, found[("payment", Kind.CURRENCY, payment)].ax) == (
        "GBP",
        "EUR",
    )
    assert found[("sales_invoice", Kind.MISSING_IN_AX, lost)].amount == Decimal(invoices[lost]["InvoiceAmount"])
    assert found[("sales_invoice", Kind.GROSS, amount)].ax == "1.00"
    assert found[("sales_invoice", Kind.PARTY, customer)].ax == "ZZZZ99"
    assert "690000" in found[("journal", Kind.ACCOUNTS, journal)].ax
    assert found[("sales_invoice", Kind.SETTLEMENT, settled)].ax == "settled 0.01"
    # A journal whose link is lost cannot be found again: AX lists no journals, and the difference says so.
    assert "no link" in found[("journal", Kind.MISSING_IN_AX, unlinked)].ax
    assert "journal" in result.not_listed and "sales_invoice" not in result.not_listed
    # The invoice never posted is stated, with its AX key, and explained: a draft, not a money difference.
    (waiting,) = [d for d in result.unposted if d.entity == "sales_invoice"]
    assert (waiting.key, waiting.ax_keys) == (never_posted, (invoices[never_posted]["InvoiceId"],))
    # The money shows in the totals too: the copy counts twice, the lost invoice not at all, the draft's AX
    # copy has no KashFlow counterpart, the edited amount is AX's; the unposted one is on neither side.
    gross = next(
        t
        for t in result.totals
        if (t.entity, t.by, t.name, t.currency) == ("sales_invoice", "currency", "gross", "GBP")
    )
    # What the fault campaign asks at its end: the same, as counts by kind and the explained differences.
    books = check_books(demo["pair"], entities=CLEAN_FLOWS)
    assert not books.clean and books.by_kind[Kind.MISSING_IN_AX] == 2 and books.by_entity["payment"] == {"currency": 1}
    assert sum(books.by_kind.values()) == len(result.unexplained) and books.unposted == 1
    assert {d["kind"] for d in books.explained} == {Kind.MISSING_IN_AX, Kind.UNPOSTED}
    assert books.not_listed == ["journal"]
    assert gross.ax - gross.kashflow == sum(
        (
            Decimal(invoices[twice]["InvoiceAmount"]),
            -Decimal(invoices[lost]["InvoiceAmount"]),
            Decimal(invoices[draft]["InvoiceAmount"]),
            Decimal("1.00") - Decimal(invoices[amount]["InvoiceAmount"]),
        ),
        Decimal(0),
    )


def test_the_command_prints_a_clean_result_and_exits_non_zero_on_a_difference(demo, capsys):
    sync("sales_invoice", "payment")  # an invoice's settlement is part of it: payments first
    call_command("reconcile", "--flow", "sales-invoice-kf-to-ax")
    out = capsys.readouterr().out
    assert "Clean:" in out and "Waiting to be posted in AX (" in out and "in AX as an unposted draft" in out
    post_in_ax()
    call_command("reconcile", "--flow", "sales-invoice-kf-to-ax")
    out = capsys.readouterr().out
    assert "Clean:" in out and "Totals that agree:" in out
    assert "Explained by the exception queue (1):" in out and "Waiting to be posted" not in out

    invoice = sorted(ax_invoices().values(), key=lambda d: d["InvoiceId"])[0]
    ax_edit("CustTrans", invoice["InvoiceId"], lambda d: d.update(CurrencyCode="USD"))
    with pytest.raises(CommandError) as failed:
        call_command("reconcile", "--flow", "sales_invoice", "--since", "2000-01-01")
    assert failed.value.returncode == 1
    out = capsys.readouterr().out
    assert (
        f"sales invoice {invoice['CustomerRef']} [AX {invoice['InvoiceId']}]: currency — KashFlow GBP | AX USD" in out
    )
    call_command("reconcile", "--flow", "sales_invoice", "--since", "2999-01-01")  # nothing dated then: clean
    assert "Clean: 0 documents" in capsys.readouterr().out


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


def test_a_payment_posted_again_inside_a_batch_is_duplicated_and_the_invoice_is_settled_twice(demo):
    sync("sales_invoice", "payment")
    post_in_ax(kinds=["sales_invoice"])
    journal = next(
        r
        for r in AxRecord.objects.filter(entity="LedgerJournalTable").order_by("key")
        if r.data["JournalName"] == "CustPay"
    )
    line = journal.data["LedgerJournalTrans"][0]
    copy = {k: v for k, v in journal.data.items() if k not in ("JournalNum", "Posted")}
    copy["LedgerJournalTrans"] = [{k: v for k, v in line.items() if k != "Voucher"}]
    with build_connector(demo["pair"].dynamics_ax) as ax:
        (second,) = ax.create_many("payment", [copy], message_id="a-batch-of-one-computed-over-the-batch")

    post_in_ax(kinds=["payment"])  # the accountant posts both journals

    result = reconcile(demo["pair"], entities=["sales_invoice", "payment"])
    found = {(d.entity, d.kind, d.key): d for d in result.unexplained}
    doubled = found.pop(("payment", Kind.DUPLICATED_IN_AX, str(line["DocumentNum"])))
    # AX shows a posted payment as its customer transaction, named by its voucher (no journal number on it)
    vouchers = (
        line["Voucher"],
        AxRecord.objects.get(entity="LedgerJournalTable", key=second).data["LedgerJournalTrans"][0]["Voucher"],
    )
    assert doubled.ax_keys == vouchers
    assert doubled.amount == Decimal(line["AmountCurCredit"])
    settled = found.pop(("sales_invoice", Kind.SETTLEMENT, str(line["Invoice"])))
    assert settled.amount == -Decimal(line["AmountCurCredit"])  # AX holds the payment's money twice
    found.pop(("sales_invoice", Kind.STATUS, str(line["Invoice"])), None)  # partly paid may now read as paid
    assert found == {}


def test_bank_lines_sent_as_statements_reconcile_against_the_statements_ax_lists(demo):
    from mappings.banking.models import BankFlowSetting

    BankFlowSetting.objects.create(flow_slug=flow("bank_transaction").slug, mode="statement")
    sync("bank_transaction")
    result = reconcile(demo["pair"], entities=["bank_transaction"])
    assert result.unexplained == [], [(d.kind, d.key, d.kashflow, d.ax) for d in result.unexplained]
    assert result.documents > 0 and result.not_listed == []  # BankStmtService lists its statements
    assert all(t.agrees for t in result.totals)

    statement = AxRecord.objects.filter(entity="BankStmtISOAccountStatement").order_by("key").first()
    entry = statement.data["BankStmtISOReportEntry"][0]
    ax_edit("BankStmtISOAccountStatement", statement.key, lambda d: d.update(Currency="USD"))
    found = {(d.kind, d.key) for d in reconcile(demo["pair"], entities=["bank_transaction"]).unexplained}
    account = statement.key.split("-")[1]  # KF-<AccountId>-<YYYY-MM>: the bank flow keys lines AccountId/Id
    assert (Kind.CURRENCY, f"{account}/{entry['EntryReference']}") in found
    assert len(found) == len(statement.data["BankStmtISOReportEntry"])  # every line of that statement, no other
    assert {kind for kind, _ in found} == {Kind.CURRENCY}


def test_purchases_posted_as_vendor_invoices_reconcile_by_the_keys_we_linked(demo):
    from mappings.models import MappingSet

    purchases = flow("purchase_invoice")
    purchases.mapping_set = MappingSet.objects.get(key="purchase-invoice-vendor-invoice-kf-to-ax", status="published")
    purchases.save(update_fields=["mapping_set"])
    sync("supplier", "purchase_invoice")
    waiting = reconcile(demo["pair"], entities=["purchase_invoice"])
    assert waiting.unexplained == [], [(d.kind, d.key, d.kashflow, d.ax) for d in waiting.unexplained]
    assert waiting.unposted and all("an unposted draft in AX" in d.explained_by for d in waiting.unposted)

    post_in_ax(kinds=["vendor_invoice"])
    result = reconcile(demo["pair"], entities=["purchase_invoice"])
    assert result.unexplained == [] and result.unposted == [] and result.documents > 0
    assert result.not_listed == ["purchase_invoice"]
    assert all(t.agrees for t in result.totals), [t for t in result.totals if not t.agrees]

    invoice = AxRecord.objects.filter(entity="VendInvoiceInfoTable").order_by("key").first()
    ax_edit("VendInvoiceInfoTable", invoice.key, lambda d: d["VendInvoiceInfoLine"][0].update(LineAmount="1.00"))
    (found,) = reconcile(demo["pair"], entities=["purchase_invoice"]).unexplained
    lines = invoice.data["VendInvoiceInfoLine"]
    net_in_ax = Decimal("1.00") + sum((Decimal(str(line["LineAmount"])) for line in lines[1:]), Decimal(0))
    assert (found.kind, found.ax_keys, found.ax) == (Kind.NET, (invoice.key,), f"{net_in_ax:.2f}")
    linked = RecordLink.objects.get(flow=purchases, target_key=invoice.key).source_key
    purchase = next(
        r.data for r in KashFlowRecord.objects.filter(entity="purchases") if str(r.data["Number"]) == linked
    )
    assert found.key == linked and found.kashflow == f"{Decimal(str(purchase['NetAmount'])):.2f}"


def test_a_posting_ax_showed_and_lost_is_an_unexplained_difference_never_an_unposted_draft(demo, client_for, capsys):
    sync("sales_invoice", "payment")
    post_in_ax()
    sync("sales_invoice", "payment")  # the next runs see the postings: their links learn it (ax_posted_at)
    links = {
        entity: RecordLink.objects.filter(flow=flow(entity)).exclude(target_key="")
        for entity in ("sales_invoice", "payment")
    }
    assert all(q.exists() and not q.filter(ax_posted_at__isnull=True).exists() for q in links.values())
    invoices = ax_invoices()
    paid = {
        str(r.data["Number"]) for r in KashFlowRecord.objects.filter(entity="invoices") if r.data.get("PaymentLines")
    }
    invoice = sorted(set(invoices) - paid)[0]  # unpaid: no payment follows it
    payment = links["payment"].order_by("source_key").first()
    lost_payment = customer_transaction(DocumentNum=payment.source_key)
    payment_gross, currency = -Decimal(lost_payment.data["AmountCur"]), lost_payment.data["CurrencyCode"]

    # AX loses the two postings (say a backup restored): only their customer transactions go, our links stay.
    AxRecord.objects.filter(entity="CustTrans", key=invoices[invoice]["InvoiceId"]).delete()
    lost_payment.delete()

    result = reconcile(demo["pair"], entities=["sales_invoice", "payment"])
    found = {(d.entity, d.kind, d.key): d for d in result.unexplained}
    assert set(found) == {
        ("sales_invoice", Kind.MISSING_IN_AX, invoice),
        ("payment", Kind.MISSING_IN_AX, payment.source_key),
    }
    assert result.unposted == []  # not hidden as a draft waiting to be posted
    day = timezone.localdate(payment.ax_posted_at).isoformat()
    lost_invoice = found[("sales_invoice", Kind.MISSING_IN_AX, invoice)]
    assert (lost_invoice.kashflow, lost_invoice.ax, lost_invoice.ax_keys, lost_invoice.amount) == (
        f"{Decimal(invoices[invoice]['InvoiceAmount']):.2f} GBP",
        f"linked to {invoices[invoice]['InvoiceId']}: AX showed it posted on {day} and no longer does",
        (invoices[invoice]["InvoiceId"],),
        Decimal(invoices[invoice]["InvoiceAmount"]),
    )
    lost = found[("payment", Kind.MISSING_IN_AX, payment.source_key)]
    assert lost.ax == f"linked to {payment.target_key}: AX showed it posted on {day} and no longer does"
    assert (lost.ax_keys, lost.amount, lost.kashflow) == (
        (payment.target_key,),
        payment_gross,
        f"{payment_gross:.2f} {currency}",
    )
    # The money is in KashFlow's totals and not in AX's.
    gross = next(
        t for t in result.totals if (t.entity, t.by, t.name, t.currency) == ("payment", "currency", "gross", currency)
    )
    assert gross.kashflow - gross.ax == payment_gross

    with pytest.raises(CommandError):
        call_command("reconcile", "--flow", "payment")
    out = capsys.readouterr().out
    assert (
        f"payment {payment.source_key} [AX {payment.target_key}]: missing in AX — "
        f"KashFlow {payment_gross:.2f} {currency} | AX linked to {payment.target_key}: "
        f"AX showed it posted on {day} and no longer does"
    ) in out
    response = client_for("accountant").post("/reconciliation/", {"pair": demo["pair"].pk, "entities": ["payment"]})
    page = client_for("accountant").get(response["Location"]).content.decode()
    assert f'data-kind="missing_in_ax" data-key="{payment.source_key}"' in page
    assert f"AX showed it posted on {day} and no longer does" in page


def ax_requests(service: str, operation: str) -> int:
    return AxMessage.objects.filter(service=service, operation=operation).count()


def test_the_journals_we_linked_are_read_a_batch_of_keys_per_read_not_one_request_each(demo):
    sync("journal")
    post_in_ax(kinds=["journal"])
    linked = RecordLink.objects.filter(flow=flow("journal")).exclude(target_key="").count()
    assert linked > 1
    before = ax_requests("LedgerGeneralJournalService", "read")
    result = reconcile(demo["pair"], entities=["journal"])
    assert ax_requests("LedgerGeneralJournalService", "read") - before == 1  # up to 50 keys per read
    assert result.unexplained == [] and result.results[0].ax_documents == linked


def test_posted_payments_are_listed_only_when_payments_are_reconciled_and_then_from_the_runs_date(demo):
    sync("sales_invoice", "payment")
    post_in_ax(kinds=["sales_invoice"])  # the payment journals wait to be posted
    drafts = RecordLink.objects.filter(flow=flow("payment")).exclude(target_key="").count()
    assert 0 < drafts <= 50

    def finds() -> int:
        return ax_requests("CustomerTransactionService", "find")

    before = finds()
    invoices_only = reconcile(demo["pair"], entities=["sales_invoice"])
    # the posted invoices, and the payment drafts looked up by reference (one page): never every payment AX holds
    assert finds() - before == 2
    assert invoices_only.unexplained == [], [(d.kind, d.key, d.kashflow, d.ax) for d in invoices_only.unexplained]

    post_in_ax(kinds=["payment"])
    sync("payment")  # the run sees the postings: no payment draft is left to look up
    before = finds()
    assert reconcile(demo["pair"], entities=["sales_invoice"]).unexplained == []
    assert finds() - before == 1

    since = date(2024, 1, 1)
    before = finds()
    payments = reconcile(demo["pair"], entities=["payment"], since=since)
    assert payments.unexplained == [] and payments.documents > 0
    windows = (datetime.now(UTC).date() - since).days // PAYMENT_WINDOW_DAYS + 1
    assert finds() - before == windows  # one TransDate window per find, each answer bounded by it
