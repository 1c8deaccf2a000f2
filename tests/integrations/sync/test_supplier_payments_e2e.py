"""Supplier payments: a KashFlow purchase payment reaches AX as a vendor disbursement journal that settles the
vendor invoice, in the purchase's currency and rate, exactly once (issue 13, defect 10).

Money, not counts: each assertion compares amounts, currencies, rates, vendor and bank accounts with KashFlow's.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from integrations.sandbox.ax import posting
from integrations.sandbox.models import AxCompany, AxRecord, KashFlowRecord
from integrations.sync.runs import run_flow
from tests.integrations.sync.conftest import flow, journal_refs

CENT = Decimal("0.01")
BANK = {55166: "110110", 55167: "110120"}  # the starter bank_accounts map: KashFlow bank account Id -> AX


@pytest.fixture
def company(demo):
    """The demo company with enough purchases to reach its euro and dollar suppliers."""
    from integrations.sandbox.demo import seed_sandbox

    seed_sandbox(invoices=40)
    return demo


def _d(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def _purchases() -> dict[str, dict]:
    return {r.key: r.data for r in KashFlowRecord.objects.filter(entity="purchases")}


def _journals(name: str) -> list[dict]:
    return [r.data for r in AxRecord.objects.filter(entity="LedgerJournalTable") if r.data.get("JournalName") == name]


def _vend_trans() -> list[dict]:
    return [r.data for r in AxRecord.objects.filter(entity="VendTrans")]


def _open_balance(vendor: str, invoice: str) -> Decimal | None:
    """What AX still owes the vendor on one invoice: its credit less what is settled on it (posted only); None when
    AX shows no vendor transaction for it."""
    rows = [t for t in _vend_trans() if t["AccountNum"] == vendor and t["Invoice"] == invoice]
    assert len(rows) <= 1, (vendor, invoice, rows)
    return -(_d(rows[0]["AmountCur"]) - _d(rows[0]["SettleAmountCur"])) if rows else None


def test_a_kashflow_purchase_payment_settles_the_vendor_invoice_in_ax(demo):
    """Before the supplier payments flow, KashFlow's purchase payments reached AX only as bank lines offset to the
    vendor, marking nothing: no vendor invoice was ever settled. Every KashFlow -> AX flow of the demo that touches
    vendors runs, AX posts, and each vendor invoice must owe what KashFlow says is still owed, to the penny."""
    from integrations.models import Flow

    purchases = _purchases()
    paid = {n: p for n, p in purchases.items() if p.get("PaymentLines")}
    assert paid
    for entity in ("supplier", "purchase_invoice", "supplier_payment", "bank_transaction"):
        for each in Flow.objects.filter(entity=entity, direction="kf_to_ax"):
            assert run_flow(each).status in ("succeeded", "partial"), entity
    result = posting.post(AxCompany.objects.get(), kinds=["purchase_invoice", "journal", "supplier_payment"])
    assert not result.refused, result.refused
    for number, purchase in paid.items():
        vendor = purchase["SupplierCode"].strip().upper()
        invoice = purchase["SupplierReference"].strip()
        total_paid = sum((_d(p["Amount"]) for p in purchase["PaymentLines"]), Decimal(0))
        gross = _d(purchase["GrossAmount"])
        expected_open = max(Decimal(0), gross - total_paid)
        assert _open_balance(vendor, invoice) == expected_open, (number, gross, total_paid)


def _payments(purchases: dict[str, dict]) -> dict[str, tuple[dict, dict]]:
    """{"<purchase number>/<payment Id>": (purchase, payment line)}: the flow's keys."""
    return {f"{n}/{p['Id']}": (doc, p) for n, doc in purchases.items() for p in doc.get("PaymentLines") or []}


def test_each_payment_is_one_vendor_line_in_the_purchases_currency_and_rate_offset_to_its_bank(company):
    assert run_flow(flow("purchase_invoice")).status in ("succeeded", "partial")
    run = run_flow(flow("supplier_payment"))
    assert run.status == "succeeded", run.error
    payments = _payments(_purchases())
    journals = _journals("VendPay")
    assert journal_refs("VendPay") == dict.fromkeys(payments, 1)  # every KashFlow payment, each once
    currencies = set()
    for journal in journals:
        (line,) = journal["LedgerJournalTrans"]
        purchase, paid = payments[line["DocumentNum"]]
        currency = purchase["Currency"]
        currencies.add(currency["Code"])
        assert line["AccountType"] == "Vend"
        assert line["LedgerDimension"]["Account"] == purchase["SupplierCode"].strip().upper()
        assert _d(line["AmountCurDebit"]) == _d(paid["Amount"]) and not _d(line.get("AmountCurCredit"))
        assert line["CurrencyCode"] == currency["Code"]
        expected_rate = Decimal(100) / Decimal(str(currency["ExchangeRate"]))
        assert abs(Decimal(str(line["ExchRate"])) - expected_rate) < Decimal("0.000001")
        assert line["OffsetAccountType"] == "Bank"
        assert line["OffsetLedgerDimension"]["Account"] == BANK[paid["AccountId"]]
        assert line["MarkedInvoice"] == purchase["SupplierReference"].strip()
    assert {"GBP", "EUR"} <= currencies, currencies  # foreign purchases are paid in their own currency


def _open_by_invoice() -> dict[tuple[str, str], Decimal]:
    return {
        (t["AccountNum"], t["Invoice"]): -(_d(t["AmountCur"]) - _d(t["SettleAmountCur"]))
        for t in _vend_trans()
        if t["Invoice"]
    }


def test_a_second_run_and_a_full_run_post_no_payment_twice_and_settle_nothing_twice(demo):
    assert run_flow(flow("purchase_invoice")).status in ("succeeded", "partial")
    first = run_flow(flow("supplier_payment"))
    assert first.status == "succeeded" and first.created_count > 0
    again = run_flow(flow("supplier_payment"))
    full = run_flow(flow("supplier_payment"), full=True)
    assert again.created_count == 0 and full.created_count == 0, (again.notes, full.notes)
    assert set(journal_refs("VendPay").values()) == {1}
    company = AxCompany.objects.get()
    posting.post(company)
    settled = _open_by_invoice()
    # Nothing new to post, and posting again settles nothing more.
    assert run_flow(flow("supplier_payment")).created_count == 0
    assert posting.post(company).as_dict()["count"] == 0
    assert _open_by_invoice() == settled


def test_a_time_out_after_ax_committed_the_journal_is_resent_under_its_message_id_not_posted_twice(demo, settings):
    from integrations.models import RecordLink, RecordOutcome
    from integrations.sandbox.models import AxMessage, FaultRule

    assert run_flow(flow("purchase_invoice")).status in ("succeeded", "partial")
    purchases = _purchases()
    lost = FaultRule.objects.create(
        system="dynamics_ax",
        operation="LedgerGeneralJournalService.create",
        kind="timeout_after_commit",
        remaining=1,
        latency_ms=2600,
    )
    run = run_flow(flow("supplier_payment"))
    lost.refresh_from_db()
    assert lost.hits == 1
    payments = _payments(purchases)
    assert journal_refs("VendPay") == dict.fromkeys(payments, 1)
    # The ledger journal service reads by key only: the same document went again under its MessageId, AX said
    # Duplicate message, and the record waits for its AX key; nothing was looked up by reference.
    unconfirmed = RecordOutcome.objects.filter(run=run, error__contains="key to be confirmed")
    assert unconfirmed.count() == 1
    link = RecordLink.objects.get(flow=flow("supplier_payment"), source_key=unconfirmed.get().source_key)
    assert link.key_unconfirmed_since is not None and link.pending_message_id
    assert not AxMessage.objects.filter(service="LedgerGeneralJournalService", operation="find").exists()
    ids = list(
        AxMessage.objects.filter(service="LedgerGeneralJournalService", operation="create", succeeded=True)
        .exclude(message_id="")
        .values_list("message_id", flat=True)
    )
    assert len(ids) == len(set(ids))
    # Later runs leave it alone; once posted, each vendor invoice is settled by what KashFlow paid, once.
    assert run_flow(flow("supplier_payment")).created_count == 0
    assert journal_refs("VendPay") == dict.fromkeys(payments, 1)
    posting.post(AxCompany.objects.get())
    for purchase in purchases.values():
        if not purchase.get("PaymentLines"):
            continue
        paid = sum((_d(p["Amount"]) for p in purchase["PaymentLines"]), Decimal(0))
        expected = max(Decimal(0), _d(purchase["GrossAmount"]) - paid)
        key = (purchase["SupplierCode"].strip().upper(), purchase["SupplierReference"].strip())
        assert _open_by_invoice()[key] == expected, (purchase["Number"], expected)


def test_a_payment_whose_purchase_ax_lacks_syncs_the_purchase_first_then_marks_its_vendor_invoice(demo):
    from integrations.models import RecordOutcome

    run = run_flow(flow("supplier_payment"))
    assert run.status == "succeeded", run.error
    purchases = _purchases()
    paid = {n for n, p in purchases.items() if p.get("PaymentLines")}
    # Each paid purchase went to AX first, through its own flow, in the same run.
    assert set(journal_refs("VendInv")) == paid
    synced_first = RecordOutcome.objects.filter(run=run, flow=flow("purchase_invoice"), action="created")
    assert set(synced_first.values_list("source_key", flat=True)) == paid
    for journal in _journals("VendPay"):
        (line,) = journal["LedgerJournalTrans"]
        number = line["DocumentNum"].split("/")[0]
        assert line["MarkedInvoice"] == purchases[number]["SupplierReference"].strip()


def test_bank_lines_of_supplier_payments_are_left_to_the_supplier_payments_flow(demo):
    from integrations.models import RecordOutcome

    lines = {
        f"{r.data['AccountId']}/{r.data['Id']}": r.data
        for r in KashFlowRecord.objects.filter(entity="banktransactions")
    }
    supplier = {
        key
        for key, line in lines.items()
        if line["Reconciled"] and line["EntityName"] in ("purchase", "purchasebatchpayment") and line["PaidOut"] > 0
    }
    assert supplier
    run = run_flow(flow("bank_transaction"))
    outcomes = {o.source_key: o for o in RecordOutcome.objects.filter(run=run)}
    for key in supplier:
        assert outcomes[key].action == "skipped" and "supplier payments flow" in outcomes[key].error, key
    posted = set(journal_refs("GenJrn"))
    assert posted and not {f"BANK-{key}" for key in supplier} & posted
    # The money those lines show leaves the same AX bank once, through the supplier payments flow.
    assert run_flow(flow("supplier_payment")).status == "succeeded"
    journals: dict[tuple[str, str], list[Decimal]] = {}
    for journal in _journals("VendPay"):
        (line,) = journal["LedgerJournalTrans"]
        if line["CurrencyCode"] == "GBP":  # the demo's bank lines of foreign payments are in pounds
            place = (line["DocumentNum"].split("/")[0], line["OffsetLedgerDimension"]["Account"])
            journals.setdefault(place, []).append(_d(line["AmountCurDebit"]))
    bank_lines: dict[tuple[str, str], list[Decimal]] = {}
    for key in supplier:
        line = lines[key]
        place = (str(line["ResourceNumber"]), BANK[line["AccountId"]])
        if line["EntityName"] == "purchase" and place in journals:
            bank_lines.setdefault(place, []).append(_d(line["PaidOut"]))
    assert bank_lines
    assert {p: sorted(v) for p, v in bank_lines.items()} == {p: sorted(journals[p]) for p in bank_lines}


def test_on_the_vendor_invoice_path_a_payment_marks_and_settles_the_pending_vendor_invoice(demo, client_for):
    """When the purchase flow posts pending vendor invoices (VendInvoiceService), the payment marks the invoice's
    number (Num) and settles it once both are posted."""
    from tests.integrations.sync.test_vendor_invoice_path import _choose

    _choose(client_for("Integration admin"), "vendor_invoice")
    run = run_flow(flow("supplier_payment"))  # the purchases go first, as pending vendor invoices
    assert run.status == "succeeded", run.error
    assert not _journals("VendInv")
    purchases = _purchases()
    for journal in _journals("VendPay"):
        (line,) = journal["LedgerJournalTrans"]
        assert line["MarkedInvoice"] == purchases[line["DocumentNum"].split("/")[0]]["SupplierReference"].strip()
    result = posting.post(AxCompany.objects.get(), kinds=["vendor_invoice", "supplier_payment"])
    assert not result.refused, result.refused
    for number, purchase in purchases.items():
        if not purchase.get("PaymentLines"):
            continue
        paid = sum((_d(p["Amount"]) for p in purchase["PaymentLines"]), Decimal(0))
        expected = max(Decimal(0), _d(purchase["GrossAmount"]) - paid)
        key = (purchase["SupplierCode"].strip().upper(), purchase["SupplierReference"].strip())
        assert _open_by_invoice()[key] == expected, (number, expected)


def test_the_reconciliation_agrees_on_every_posted_supplier_payment_then_catches_one_edited_in_ax(demo):
    from integrations.reconciliation.core import Kind
    from monitoring.services.reconciliation import reconcile

    assert run_flow(flow("supplier_payment")).status == "succeeded"
    posting.post(AxCompany.objects.get(), kinds=["purchase_invoice", "supplier_payment"])
    payments = _payments(_purchases())
    clean = reconcile(demo["pair"], entities=["supplier_payment"])
    (result,) = clean.results
    assert result.documents == result.ax_documents == len(payments) > 0
    assert result.differences == []
    # An accountant changes one payment's amount and currency by hand in AX.
    edited = AxRecord.objects.filter(entity="LedgerJournalTable", data__JournalName="VendPay").order_by("key").first()
    data = edited.data
    data["LedgerJournalTrans"][0].update(AmountCurDebit="1.00", CurrencyCode="USD")
    edited.data = data
    edited.save()
    key = data["LedgerJournalTrans"][0]["DocumentNum"]
    found = {
        (d.kind, d.key): (d.kashflow, d.ax) for d in reconcile(demo["pair"], entities=["supplier_payment"]).unexplained
    }
    purchase, paid = payments[key]
    amount = str(_d(paid["Amount"]))
    assert found == {
        (Kind.CURRENCY, key): (purchase["Currency"]["Code"], "USD"),
        (Kind.NET, key): (amount, "1.00"),
        (Kind.GROSS, key): (amount, "1.00"),
    }


def test_payments_the_bank_flow_posted_before_this_flow_existed_are_not_posted_again(demo):
    """An installation upgrading: its bank flow already posted supplier payments' bank lines (offset to the vendor).
    The new supplier payments flow must not pay those vendors a second time in AX."""
    from integrations.models import Flow, RecordOutcome
    from integrations.sync.setup import ensure_default_flows

    Flow.objects.filter(entity="supplier_payment").delete()  # the installation before the upgrade
    assert run_flow(flow("bank_transaction")).status in ("succeeded", "partial")
    bank_posted = {ref[len("BANK-") :] for ref in journal_refs("GenJrn") if ref.startswith("BANK-")}
    lines = {
        f"{r.data['AccountId']}/{r.data['Id']}": r.data
        for r in KashFlowRecord.objects.filter(entity="banktransactions")
    }
    supplier_lines = {k: v for k, v in lines.items() if k in bank_posted and v["EntityName"] == "purchase"}
    assert supplier_lines  # the old way: supplier payments reached AX as bank journal lines

    ensure_default_flows(demo["pair"], install_templates=False, schedules=False)  # the upgrade adds the flow
    run = run_flow(flow("supplier_payment"))
    assert run.status == "succeeded", run.error
    payments = _payments(_purchases())
    skipped = {
        o.source_key: o.error
        for o in RecordOutcome.objects.filter(run=run, action="skipped")
        if "bank flow's journal line" in (o.error or "")
    }
    for line in supplier_lines.values():  # each bank-posted payment is skipped, naming its bank line
        number, day, amount = str(line["ResourceNumber"]), str(line["Date"])[:10], _d(line["PaidOut"])
        matches = [
            k
            for k, (purchase, paid) in payments.items()
            if k.startswith(f"{number}/")
            and str(paid["Date"])[:10] == day
            and (_d(paid["Amount"]) == amount or purchase["Currency"]["Code"] != "GBP")
        ]
        assert matches and all(k in skipped for k in matches), (line, matches)
    posted = set(journal_refs("VendPay"))
    assert not posted & set(skipped)  # never both a bank journal line and a vendor payment journal
    assert posted | set(skipped) == set(payments)  # every other payment posted, once
    assert set(journal_refs("VendPay").values()) <= {1}
