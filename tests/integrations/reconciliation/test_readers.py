"""Each reader on the bodies the connectors return (shapes as in the sandbox and the reference material)."""

from __future__ import annotations

from decimal import Decimal

from integrations.reconciliation.core import Kind, reconcile_entity
from integrations.reconciliation.readers import bank_lines, payments, purchase_invoices, sales_invoices
from integrations.reconciliation.readers.common import Reference

D = Decimal
REF = Reference(
    chart={
        "1100": "130100",
        "1200": "110110",
        "1210": "110120",
        "2100": "200100",
        "2201": "222200",
        "4000": "401100",
        "5000": "500100",
        "7900": "680100",
    },
    vat_item_groups={"20": "STD", "5": "RED", "0": "ZERO"},
    customer_countries={"ACME01": "GB", "LYON01": "FR", "BOST01": "US"},
    invoices={"1001": {"Number": 1001, "CustomerCode": "LYON01", "Currency": {"Code": "EUR", "ExchangeRate": 0.86}}},
    bank_accounts={
        "1200": {"Id": 1, "Code": 1200, "Currency": "GBP"},
        "1210": {"Id": 2, "Code": 1210, "Currency": "EUR"},
    },
)


def kf_invoice(customer: str = "BOST01", currency: str = "USD", status: str = "Unpaid") -> dict:
    return {
        "Number": 1001,
        "CustomerCode": customer,
        "IssuedDate": "2026-11-07",
        "Currency": {"Code": currency, "ExchangeRate": 1.0},
        "NetAmount": 200.0,
        "VATAmount": 0.0,
        "GrossAmount": 200.0,
        "AmountPaid": 0.0,
        "Status": status,
        "LineItems": [{"Quantity": 2.0, "Rate": 100.0, "VATRate": 0.0, "NominalCode": 4000}],
    }


def ax_invoice(**changes) -> dict:
    """A posted invoice as the AX connector's ``posted_invoices`` gives it (from its customer transaction)."""
    return {
        "InvoiceId": "FTI-000001",
        "OrderAccount": "BOST01",
        "CurrencyCode": "USD",
        "CustomerRef": "1001",
        "InvoiceDate": "2026-11-07",
        "InvoiceAmount": "200.00",
        "SettledAmount": "0.00",
        "PaymentStatus": "None",
        **changes,
    }


def compare(reader, kf: dict, ax: dict, link: str, ref: Reference = REF):
    documents = reader.ax_documents(ax, ref)
    return reconcile_entity(
        reader.ENTITY, [reader.kashflow_document(kf, ref)], documents, links={documents[0].key: link}
    )


def test_a_us_customers_invoice_needs_the_export_tax_group_not_the_eu_one():
    lines = sales_invoices.kashflow_document(kf_invoice(), REF).lines
    assert [line.tax_group for line in lines] == ["EXPORT"]
    french = sales_invoices.kashflow_document(kf_invoice(customer="LYON01", currency="USD"), REF).lines
    assert [line.tax_group for line in french] == ["EU"]  # where the customer is, never the currency


def test_a_posted_invoice_is_compared_on_what_its_customer_transaction_shows():
    assert compare(sales_invoices, kf_invoice(), ax_invoice(), "FTI-000001").differences == []
    wrong = compare(sales_invoices, kf_invoice(), ax_invoice(CurrencyCode="EUR", InvoiceAmount="210.00"), "FTI-000001")
    assert {(d.kind, d.kashflow, d.ax) for d in wrong.differences} == {
        (Kind.CURRENCY, "USD", "EUR"),
        (Kind.GROSS, "200.00", "210.00"),
    }
    # Lines, net and VAT are not in a customer transaction: not compared, and not in the totals on either side.
    totals = {(t.by, t.name) for t in wrong.totals}
    assert ("currency", "gross") in totals and ("currency", "net") not in totals
    assert not any(by == "account" for by, _ in totals)


def test_a_payment_awaiting_posting_in_ax_is_not_expected_in_the_invoices_settlement():
    paid = {**kf_invoice(), "AmountPaid": 50.0}
    unsettled = compare(sales_invoices, paid, ax_invoice(), "FTI-000001")
    assert [(d.kind, d.kashflow, d.ax) for d in unsettled.differences] == [
        (Kind.SETTLEMENT, "settled 50.00", "settled 0.00"),
        (Kind.STATUS, "PartlyPaid", "None"),
    ]
    waiting = Reference(**{**REF.__dict__, "unposted_payments": {"1001": D("50.00")}})
    assert compare(sales_invoices, paid, ax_invoice(), "FTI-000001", waiting).differences == []


def test_a_draft_invoice_in_ax_is_unexpected():
    result = compare(sales_invoices, kf_invoice(status="Draft"), ax_invoice(), "FTI-000001")
    assert [(d.kind, d.kashflow) for d in result.differences] == [
        (Kind.UNEXPECTED_IN_AX, "Draft in KashFlow, not issued")
    ]


def test_a_euro_payment_posted_in_sterling_is_caught():
    kf = {"Id": 7, "InvoiceNumber": 1001, "Date": "2026-11-20", "Amount": 50.0, "AccountId": 1210}
    ax = {  # a posted payment as the AX connector's ``posted_payments`` gives it (a customer transaction)
        "Voucher": "VCH-000009",
        "AccountNum": "LYON01",
        "TransDate": "2026-11-20",
        "CurrencyCode": "GBP",
        "ExchRate": "",
        "AmountCur": "-50.00",
        "DocumentNum": "7",
    }
    found = {d.kind: (d.kashflow, d.ax) for d in compare(payments, kf, ax, "JNL-000009").differences}
    assert found == {Kind.CURRENCY: ("EUR", "GBP")}
    right = {**ax, "CurrencyCode": "EUR", "ExchRate": str(D(100) / D("0.86"))}
    assert compare(payments, kf, right, "JNL-000009").differences == []
    part = {**right, "AmountCur": "-45.00"}
    assert [(d.kind, d.amount) for d in compare(payments, kf, part, "JNL-000009").differences] == [
        (Kind.NET, D("5.00")),
        (Kind.GROSS, D("5.00")),
    ]


def test_purchase_vat_debited_to_the_expense_account_is_missing_vat():
    kf = {
        "Number": 5001,
        "SupplierCode": "ALPH01",
        "IssuedDate": "2026-07-23",
        "Currency": {"Code": "GBP"},
        "NetAmount": 100.0,
        "VATAmount": 20.0,
        "GrossAmount": 120.0,
        "LineItems": [{"Quantity": 1, "Rate": 100.0, "VATRate": 20.0, "NominalCode": 5000}],
    }
    line = {
        "DocumentNum": "5001",
        "AccountType": "Vend",
        "LedgerDimension": {"Account": "ALPH01"},
        "TransDate": "2026-07-23",
    }
    gross_to_expense = {
        "JournalNum": "JNL-1",
        "Posted": "Yes",
        "LedgerJournalTrans": [
            {**line, "AmountCurCredit": "120.00", "CurrencyCode": "GBP", "OffsetLedgerDimension": {"Account": "500100"}}
        ],
    }
    found = {d.kind: (d.kashflow, d.ax) for d in compare(purchase_invoices, kf, gross_to_expense, "JNL-1").differences}
    assert found == {
        Kind.NET: ("100.00", "120.00"),
        Kind.VAT: ("20.00", "0.00"),
        Kind.ACCOUNTS: ("222200 20.00, 500100 100.00", "500100 120.00"),
    }
    split = {
        "JournalNum": "JNL-1",
        "Posted": "Yes",
        "LedgerJournalTrans": [
            {
                **line,
                "AmountCurCredit": "100.00",
                "CurrencyCode": "GBP",
                "OffsetLedgerDimension": {"Account": "500100"},
            },
            {**line, "AmountCurCredit": "20.00", "CurrencyCode": "GBP", "OffsetLedgerDimension": {"Account": "222200"}},
        ],
    }
    assert compare(purchase_invoices, kf, split, "JNL-1").differences == []


def test_a_bank_fee_offset_to_a_control_account_and_a_euro_line_in_sterling():
    kf = {
        "Id": 3,
        "Date": "2026-10-26",
        "Amount": -16.18,
        "Reference": "REF1",
        "TransactionType": "Payment",
        "BankAccountCode": 1210,
        "Reconciled": True,
    }
    ax = {
        "JournalNum": "JNL-2",
        "Posted": "Yes",
        "LedgerJournalTrans": [
            {
                "DocumentNum": "BANK-1210/3",
                "AccountType": "Bank",
                "LedgerDimension": {"Account": "110110"},
                "AmountCurCredit": "16.18",
                "CurrencyCode": "GBP",
                "TransDate": "2026-10-26",
                "OffsetLedgerDimension": {"Account": "200100"},
            }
        ],
    }
    found = {d.kind: (d.kashflow, d.ax) for d in compare(bank_lines, kf, ax, "JNL-2").differences}
    assert found == {
        Kind.CURRENCY: ("EUR", "GBP"),
        Kind.BANK_ACCOUNT: ("110120", "110110"),
        Kind.COUNTER_ACCOUNT: ("not a control account", "200100"),
    }
    unreconciled = bank_lines.kashflow_document({**kf, "Reconciled": False}, REF)
    assert not unreconciled.expected_in_ax


def test_a_payment_the_status_flow_wrote_into_kashflow_is_a_difference_even_though_ax_never_sees_it():
    echo = {
        "Id": 9,
        "InvoiceNumber": 1001,
        "Date": "2026-11-21",
        "Amount": 75.0,
        "AccountId": 1210,
        "Reference": "AX settlement FTI-000001",
    }
    result = reconcile_entity("payment", [payments.kashflow_document(echo, REF)], [], links={})
    assert [(d.kind, d.key, d.amount) for d in result.differences] == [(Kind.WRITTEN_BACK, "9", D("75.00"))]
    assert "AX settlement" in result.differences[0].kashflow


def test_a_payment_split_over_two_customer_lines_of_one_voucher_is_one_payment_not_a_duplicate():
    kf = {"Id": 7, "InvoiceNumber": 1001, "Date": "2026-11-20", "Amount": 50.0, "AccountId": 1210}
    half = {
        "Voucher": "VCH-000009",
        "AccountNum": "LYON01",
        "TransDate": "2026-11-20",
        "CurrencyCode": "EUR",
        "AmountCur": "-25.00",
        "DocumentNum": "7",
    }
    rows = payments.prepare_ax([half, {**half}])
    assert len(rows) == 1
    assert compare(payments, kf, rows[0], "JNL-000009").differences == []
    again = payments.prepare_ax([half, {**half, "Voucher": "VCH-000010"}])
    documents = [d for row in again for d in payments.ax_documents(row, REF)]
    result = reconcile_entity("payment", [payments.kashflow_document(kf, REF)], documents, links={"7": "JNL-9"})
    assert {d.kind for d in result.differences} == {Kind.DUPLICATED_IN_AX, Kind.NET, Kind.GROSS}


def test_bank_statement_lines_are_read_from_the_statement_with_its_currency():
    kf = {"Id": 3, "Date": "2026-10-26", "PaidIn": 0, "PaidOut": 16.18, "BankAccountCode": 1210, "Reconciled": True}
    statement = {
        "Identification": "KF-1210-2026-10",
        "BankAccountTable": "110120",
        "Currency": "EUR",
        "BankStmtISOReportEntry": [
            {
                "EntryReference": "3",
                "BookingDateTime": "2026-10-26",
                "Amount": "16.18",
                "AmountCreditDebitIndicator": "Debit",
            }
        ],
    }
    assert compare(bank_lines, kf, statement, "KF-1210-2026-10").differences == []
    money_in = {
        **statement,
        "BankStmtISOReportEntry": [{**statement["BankStmtISOReportEntry"][0], "AmountCreditDebitIndicator": "Credit"}],
    }
    found = {d.kind: (d.kashflow, d.ax) for d in compare(bank_lines, kf, money_in, "KF-1210-2026-10").differences}
    assert found == {Kind.NET: ("-16.18", "16.18"), Kind.GROSS: ("-16.18", "16.18")}
