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


def _open_balance(vendor: str, invoice: str) -> Decimal:
    """What AX still owes the vendor on one invoice: its credit less what is settled on it (posted only)."""
    rows = [t for t in _vend_trans() if t["AccountNum"] == vendor and t["Invoice"] == invoice]
    assert len(rows) == 1, (vendor, invoice, rows)
    return -(_d(rows[0]["AmountCur"]) - _d(rows[0]["SettleAmountCur"]))


def test_a_kashflow_purchase_payment_settles_the_vendor_invoice_in_ax(demo):
    """Fails before the flow existed: KashFlow's purchase payments never reached AX's vendor balances."""
    purchases = _purchases()
    paid = {n: p for n, p in purchases.items() if p.get("PaymentLines")}
    assert paid
    assert run_flow(flow("purchase_invoice")).status in ("succeeded", "partial")
    run = run_flow(flow("supplier_payment"))
    assert run.status == "succeeded", (run.status, run.error)
    company = AxCompany.objects.get()
    result = posting.post(company, kinds=["purchase_invoice", "supplier_payment"])
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
