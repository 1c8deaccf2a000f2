"""The supplier payments reader: KashFlow purchase payments against AX vendor disbursement journals, in money."""

from __future__ import annotations

from integrations.reconciliation.core import Kind, reconcile_entity
from integrations.reconciliation.readers import READERS, supplier_payments
from tests.integrations.reconciliation.test_readers import REF


def kf_payment(**changes) -> dict:
    payment = {
        "Id": 12,
        "Key": "3001/12",
        "PurchaseNumber": 3001,
        "SupplierCode": "meto01",
        "SupplierReference": "SI-4411",
        "Currency": {"Code": "EUR", "ExchangeRate": 1.15},
        "Date": "2026-11-20",
        "Amount": 345.5,
        "AccountId": 1210,
    }
    return {**payment, **changes}


def ax_journal(**line_changes) -> dict:
    line = {
        "DocumentNum": "3001/12",
        "AccountType": "Vend",
        "LedgerDimension": {"Account": "METO01"},
        "AmountCurDebit": "345.50",
        "CurrencyCode": "EUR",
        "ExchRate": "86.956522",
        "TransDate": "2026-11-20",
        "MarkedInvoice": "SI-4411",
        "OffsetAccountType": "Bank",
        "OffsetLedgerDimension": {"Account": "110120"},
    }
    return {
        "JournalNum": "JNL-000031",
        "JournalName": "VendPay",
        "Posted": "Yes",
        "LedgerJournalTrans": [{**line, **line_changes}],
    }


def differences(kf: dict, ax: dict) -> dict:
    documents = supplier_payments.ax_documents(ax, REF)
    result = reconcile_entity(
        supplier_payments.ENTITY,
        [supplier_payments.kashflow_document(kf, REF)],
        documents,
        links={documents[0].key: ax["JournalNum"]},
    )
    return {d.kind: (d.kashflow, d.ax) for d in result.differences}


def test_the_reader_is_registered_for_the_supplier_payments_flow():
    assert READERS["supplier_payment"] is supplier_payments


def test_a_payment_posted_as_kashflow_made_it_has_no_difference():
    assert differences(kf_payment(), ax_journal()) == {}


def test_a_euro_payment_posted_in_pounds_from_the_sterling_bank_settling_nothing_is_caught_each_way():
    wrong = ax_journal(
        CurrencyCode="GBP", ExchRate="100", OffsetLedgerDimension={"Account": "110110"}, MarkedInvoice=""
    )
    found = differences(kf_payment(), wrong)
    assert found[Kind.CURRENCY] == ("EUR", "GBP")
    assert found[Kind.BANK_ACCOUNT] == ("110120", "110110")
    assert found[Kind.SETTLEMENT] == ("settles SI-4411", "settles nothing")


def test_a_wrong_amount_or_vendor_is_a_difference():
    found = differences(kf_payment(), ax_journal(AmountCurDebit="354.50", LedgerDimension={"Account": "OTHER"}))
    assert found[Kind.PARTY] == ("METO01", "OTHER")
    assert found[Kind.GROSS][0].startswith("345.50") and found[Kind.GROSS][1].startswith("354.50"), found


def test_a_payment_without_a_currency_is_never_taken_for_pounds():
    found = differences(kf_payment(Currency=None), ax_journal(CurrencyCode="GBP", ExchRate="100"))
    assert found[Kind.CURRENCY] == ("—", "GBP")  # KashFlow's side has none: shown as a dash


def test_a_supplier_payments_bank_line_is_expected_in_ax_only_when_no_flow_posts_the_payment():
    from dataclasses import replace

    from integrations.reconciliation.readers import bank_lines

    line = {
        "Id": 901,
        "AccountId": 1,
        "Date": "2026-11-20",
        "PaidIn": 0,
        "PaidOut": 345.5,
        "Reconciled": True,
        "EntityName": "purchase",
        "ResourceNumber": 3001,
    }
    with_flow = bank_lines.kashflow_document(line, replace(REF, supplier_payments_flow=True))
    without = bank_lines.kashflow_document(line, REF)
    assert not with_flow.expected_in_ax and "supplier payments flow" in with_flow.why_not_expected
    assert without.expected_in_ax and without.counter_account == "200100"  # creditors control, the old way


def test_a_payment_journal_nobody_posted_in_ax_is_an_unposted_draft():
    found = differences(kf_payment(), {**ax_journal(), "Posted": "No"})
    assert found == {Kind.UNPOSTED: ("345.50 EUR", "created as JNL-000031, not posted")}
