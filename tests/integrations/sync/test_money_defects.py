"""Money, not counts: currency and rate of payments, tax groups, purchase VAT, status of part-paid invoices.

Each test reconciles what AX holds against what KashFlow holds, amount by amount.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from integrations.sandbox.demo import seed_sandbox
from integrations.sandbox.models import AxRecord, KashFlowRecord
from integrations.sync.runs import run_flow
from tests.integrations.sync.conftest import flow

EU = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU"}
EU |= {"MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}


@pytest.fixture
def company(demo):
    """The demo company with enough invoices to reach its EU and US customers (the 8-invoice one is all UK)."""
    seed_sandbox(invoices=60)
    return demo


def _kf(entity: str) -> dict[str, dict]:
    return {r.key: r.data for r in KashFlowRecord.objects.filter(entity=entity)}


def _journals(name: str) -> list[dict]:
    return [r.data for r in AxRecord.objects.filter(entity="LedgerJournalTable") if r.data.get("JournalName") == name]


def test_payments_of_foreign_invoices_are_posted_in_the_invoices_currency_at_its_rate(company):
    run = run_flow(flow("payment"))
    assert run.status in ("succeeded", "partial"), run.error
    invoices = _kf("invoices")
    by_payment = {str(p["Id"]): inv for inv in invoices.values() for p in inv["PaymentLines"]}
    currencies = set()
    for journal in _journals("CustPay"):
        line = journal["LedgerJournalTrans"][0]
        invoice = by_payment[str(line["DocumentNum"])]
        code = invoice["Currency"]["Code"]
        currencies.add(code)
        assert line["CurrencyCode"] == code, (line["DocumentNum"], line["CurrencyCode"], code)
        expected = Decimal(100) / Decimal(str(invoice["Currency"]["ExchangeRate"]))
        assert abs(Decimal(str(line["ExchRate"])) - expected) < Decimal("0.000001")
        paid = next(p for p in invoice["PaymentLines"] if str(p["Id"]) == str(line["DocumentNum"]))
        assert Decimal(str(line["AmountCurCredit"])) == Decimal(str(paid["Amount"])).quantize(Decimal("0.01"))
    assert {"EUR", "USD"} <= currencies, currencies


def test_the_tax_group_of_a_sales_line_follows_the_customers_country_not_the_currency(company):
    run = run_flow(flow("sales_invoice"))
    assert run.status in ("succeeded", "partial"), run.error
    countries = {c["Code"]: c["Addresses"][0]["CountryCode"] for c in _kf("customers").values()}
    seen = set()
    for invoice in AxRecord.objects.filter(entity="CustInvoiceTable"):
        country = countries[invoice.data["OrderAccount"]]
        expected = "DOM" if country == "GB" else "EU" if country in EU else "EXPORT"
        seen.add((country, invoice.data["CurrencyCode"], expected))
        for line in invoice.data["CustInvoiceLine"]:
            assert line["TaxGroup"] == expected, (invoice.data["CustomerRef"], country, line["TaxGroup"])
    # US customers invoiced in dollars are exports; an EU customer is EU whatever its currency.
    assert ("US", "USD", "EXPORT") in seen and any(c in EU for c, _, _ in seen), seen


def test_a_part_paid_kashflow_invoice_is_part_paid_in_ax_and_in_the_status_flow(company):
    from mappings.services import compiled_mapping

    assert run_flow(flow("payment")).status in ("succeeded", "partial")
    status = run_flow(flow("invoice_status"))
    assert status.status in ("succeeded", "partial"), status.error
    invoices = _kf("invoices")
    part_paid = {
        n: inv
        for n, inv in invoices.items()
        if 0 < Decimal(str(inv["TotalPaidAmount"])) < Decimal(str(inv["GrossAmount"]))
    }
    assert part_paid
    # The status the flow maps for AX says part paid too (KashFlow's own Status reads Unpaid or Overdue).
    mapping = compiled_mapping(flow("invoice_status").published_mapping_set())
    for number, invoice in part_paid.items():
        assert mapping.apply(invoice).document["PaymentStatus"] == "PartlyPaid", (number, invoice["Status"])
    paid = next(inv for inv in invoices.values() if inv["Status"] == "Paid")
    assert mapping.apply(paid).document["PaymentStatus"] == "Paid"
    unpaid = next(inv for inv in invoices.values() if not inv["PaymentLines"] and inv["Status"] == "Unpaid")
    assert mapping.apply(unpaid).document["PaymentStatus"] == "None"


def test_purchase_journals_post_net_to_expense_and_kashflows_vat_to_input_vat_the_vendor_the_gross(company):
    run = run_flow(flow("purchase_invoice"))
    assert run.status in ("succeeded", "partial"), run.error
    purchases = _kf("purchases")
    input_vat = "222200"  # KashFlow's 2201 Purchase Tax Control in the starter nominal map
    checked = vat_total = 0
    for journal in _journals("VendInv"):
        lines = journal["LedgerJournalTrans"]
        purchase = purchases[str(lines[0]["DocumentNum"])]
        vendor = sum(Decimal(str(x["AmountCurCredit"])) for x in lines if x["AccountType"] == "Vend")
        vat = sum(
            Decimal(str(x["AmountCurCredit"])) for x in lines if x["OffsetLedgerDimension"]["Account"] == input_vat
        )
        expense = vendor - vat
        assert vendor == Decimal(str(purchase["GrossAmount"])).quantize(Decimal("0.01")), purchase["Number"]
        assert vat == Decimal(str(purchase["VATAmount"])).quantize(Decimal("0.01")), purchase["Number"]
        assert expense == Decimal(str(purchase["NetAmount"])).quantize(Decimal("0.01")), purchase["Number"]
        # Each expense line is the KashFlow line's net; its VAT is KashFlow's own line VAT, to the penny.
        nets = sorted(
            Decimal(str(x["AmountCurCredit"])) for x in lines if x["OffsetLedgerDimension"]["Account"] != input_vat
        )
        kf_nets = sorted(
            (Decimal(str(i["Quantity"])) * Decimal(str(i["Rate"]))).quantize(Decimal("0.01"))
            for i in purchase["LineItems"]
        )
        assert nets == kf_nets
        assert all(x["CurrencyCode"] == purchase["Currency"]["Code"] for x in lines)
        checked += 1
        vat_total += vat
    assert checked and vat_total > 0


def test_an_unissued_invoice_stays_out_of_ax_until_it_is_issued(demo):
    from tests.integrations.sync.conftest import edit_kashflow

    draft = next(
        r
        for r in KashFlowRecord.objects.filter(entity="invoices").order_by("-key")
        if all(item["NominalCode"] != 4900 for item in r.data["LineItems"])  # 4900 is unmapped on purpose
    )
    number, issued = draft.key, draft.data["IssuedDate"]
    # Not issued yet: no IssuedDate, and no status of its own (inferred; see the KashFlow README).
    edit_kashflow("invoices", number, IssuedDate=None, Status="NA", PaymentLines=[])
    run_flow(flow("sales_invoice"))
    assert number not in {r.data["CustomerRef"] for r in AxRecord.objects.filter(entity="CustInvoiceTable")}
    edit_kashflow("invoices", number, IssuedDate=issued, Status="Unpaid")
    run_flow(flow("sales_invoice"))
    ax = [r.data for r in AxRecord.objects.filter(entity="CustInvoiceTable") if r.data["CustomerRef"] == number]
    assert len(ax) == 1
    gross = Decimal(str(draft.data["GrossAmount"])).quantize(Decimal("0.01"))
    assert Decimal(ax[0]["InvoiceAmount"]) == gross


def test_an_invoice_marked_draft_or_without_an_issue_date_is_not_issued():
    from integrations.sync.flows.sales_invoice import is_issued

    assert is_issued({"IssuedDate": "2026-11-02T00:00:00", "Status": "Unpaid"})
    assert not is_issued({"IssuedDate": None, "Status": "NA"})
    assert not is_issued({"IssuedDate": "2026-11-02T00:00:00", "Status": "Draft"})
