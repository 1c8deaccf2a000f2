"""Single functions of the supplier payments flow and the bank statement path's verdict on supplier payments."""

from __future__ import annotations

from integrations.sync.flows import bank_statements
from integrations.sync.flows.supplier_payment import vendor_invoice_number

SUPPLIER_LINE = {"EntityName": "purchasebatchpayment", "ResourceNumber": 17, "PaidIn": 0, "PaidOut": 120.0}


def test_the_vendor_invoice_number_is_the_vendor_lines_invoice_not_the_expense_or_vat_line():
    journal = {
        "LedgerJournalTrans": [
            {"AccountType": "Ledger", "Invoice": "WRONG"},
            {"AccountType": "Vend", "Invoice": " SI-4411 "},
            {"AccountType": "Vend", "Invoice": "SI-4411"},
        ]
    }
    assert vendor_invoice_number(journal) == "SI-4411"
    assert vendor_invoice_number({"Num": "INV-9"}) == "INV-9"  # a pending vendor invoice (VendInvoiceService)
    assert vendor_invoice_number({"LedgerJournalTrans": [{"AccountType": "Vend", "Invoice": ""}]}) == ""


def test_a_statement_marks_a_supplier_payment_matched_only_when_the_supplier_payments_flow_posts_it():
    kind, note = bank_statements._match_note([], SUPPLIER_LINE, supplier_payments=True)
    assert kind == "matched" and "purchasebatchpayment 17" in note
    kind, _ = bank_statements._match_note([], SUPPLIER_LINE, supplier_payments=False)
    assert kind == "unmatched"  # no rule suggests a counter-account: AX's worksheet, as before
    receipt_out = {**SUPPLIER_LINE, "PaidIn": 120.0, "PaidOut": 0}  # money in on a purchase: a refund, not ours
    assert bank_statements._match_note([], receipt_out, supplier_payments=True)[0] == "unmatched"


def test_a_pushed_purchase_payment_goes_to_the_supplier_payments_flow_by_its_key():
    from integrations.services.webhooks import FLOWS_FOR_ENTITY, parse

    entity, key, _ = parse({"event": "purchasepayments.created", "data": {"Key": "3001/12", "Id": 12}})
    assert (entity, key) == ("supplier_payment", "3001/12")
    assert FLOWS_FOR_ENTITY[entity] == ("supplier_payment",)
