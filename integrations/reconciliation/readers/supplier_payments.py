"""Supplier payments: KashFlow purchase payments and AX vendor disbursement journals (VendPay), money in full.

A payment is posted in its purchase's currency at the purchase's rate (issue 13, defect 3: never pounds by
default), against the purchase's supplier, from the AX bank account the chart gives its KashFlow bank account
(defect 4), and marks the vendor invoice it settles: the supplier's invoice number the purchase carries
(``SupplierReference``), which the vendor invoice journal's vendor line gives AX as its Invoice (defect 10).
"""

from __future__ import annotations

from integrations.reconciliation.core import ZERO, Document, money, rate
from integrations.reconciliation.readers.common import (
    Reference,
    ax_account,
    code,
    currency_of,
    currency_rate,
    journal_lines_by_document,
    signed,
    vendor_journal_head,
)

ENTITY = "supplier_payment"
KASHFLOW_ENTITY = "purchase_payment"
AX_ENTITY = "supplier_payment"


def kashflow_document(record: dict, ref: Reference) -> Document:
    amount = money(record.get("Amount"))
    bank = ref.bank_account_code(record.get("AccountId") or record.get("BankAccountId"))
    invoice = str(record.get("SupplierReference") or "").strip()
    has_currency = isinstance(record.get("Currency"), dict) or bool(record.get("Currency"))
    return Document(
        entity=ENTITY,
        key=code(record.get("Key")) or f"{code(record.get('PurchaseNumber'))}/{code(record.get('Id'))}",
        party=str(record.get("SupplierCode") or "").strip().upper(),
        currency=currency_of(record, default="") if has_currency else "",
        rate=rate(currency_rate(record)) if has_currency else None,
        date=str(record.get("Date") or "")[:10],
        net=amount,
        gross=amount,
        bank_account=ref.account(bank) if bank else "",
        settles=invoice or None,
        compare_lines=False,
        compare_tax=False,
    )


def ax_documents(record: dict, ref: Reference) -> list[Document]:
    documents = []
    for reference, lines in journal_lines_by_document(record).items():
        vendor, head, fields = vendor_journal_head(record, lines)
        marked = str(head.get("MarkedInvoice") or "").strip()
        paid = sum((signed(line) for line in vendor or lines), ZERO)  # a payment debits the vendor
        documents.append(
            Document(
                entity=ENTITY,
                key=reference,
                **fields,
                net=paid,
                gross=paid,
                bank_account=ax_account(head.get("OffsetLedgerDimension")),
                settles=marked,  # "" when it marks nothing: still compared (settles nothing)
            )
        )
    return documents
