"""Customer payments: KashFlow invoice payments and AX customer payment journals (CustPay), money in full.

A payment is posted in its invoice's currency (issue 13, defect 3), to the AX bank account the chart gives its
KashFlow bank account (defect 4), against the invoice's customer, and marks the AX invoice it settles.
"""

from __future__ import annotations

from integrations.reconciliation.core import ZERO, Document, money, rate
from integrations.reconciliation.readers.common import (
    Reference,
    ax_account,
    ax_units_per_pound,
    code,
    currency_of,
    currency_rate,
    journal_header,
    journal_lines_by_document,
    signed,
)

# The reference the AX -> KashFlow status flow gives the payments it writes (integrations/sync/flows/status.py).
# Settlement that originated in KashFlow must never come back as a new KashFlow payment (issue 13, defect 2).
WRITTEN_BACK_PREFIX = "AX settlement "

ENTITY = "payment"
KASHFLOW_ENTITY = "payment"
AX_ENTITY = "payment"


def kashflow_document(record: dict, ref: Reference) -> Document:
    invoice_number = code(record.get("InvoiceNumber"))
    invoice = ref.invoices.get(invoice_number) or {}
    amount = money(record.get("Amount"))
    bank = ref.bank_account_code(record.get("AccountId") or record.get("BankAccountId"))
    written_back = str(record.get("Reference") or "").startswith(WRITTEN_BACK_PREFIX)
    return Document(
        entity=ENTITY,
        key=code(record.get("Id")),
        party=str(invoice.get("CustomerCode") or "").strip().upper(),
        currency=currency_of(invoice) if invoice else "",
        rate=rate(currency_rate(invoice)) if invoice else None,
        date=str(record.get("Date") or "")[:10],
        net=amount,
        gross=amount,
        bank_account=ref.account(bank) if bank else "",
        settles=invoice_number,
        expected_in_ax=not written_back,
        why_not_expected="written into KashFlow by the AX settlement status flow" if written_back else "",
        written_back=f"written by the status flow for an AX settlement of {amount:.2f}" if written_back else "",
        compare_lines=False,
        compare_tax=False,
    )


def ax_documents(record: dict, ref: Reference) -> list[Document]:
    documents = []
    for reference, lines in journal_lines_by_document(record).items():
        customer = [line for line in lines if (line.get("AccountType") or "") == "Cust"] or lines
        head = customer[0]
        marked = str(head.get("MarkedInvoice") or "").strip()
        documents.append(
            Document(
                entity=ENTITY,
                key=reference,
                **journal_header(record, head),
                party=ax_account(head.get("LedgerDimension")).upper(),
                rate=rate(ax_units_per_pound(head.get("ExchRate"))),
                net=-sum((signed(line) for line in customer), ZERO),
                gross=-sum((signed(line) for line in customer), ZERO),
                bank_account=ax_account(head.get("OffsetLedgerDimension")),
                settles=ref.ax_invoice_refs.get(marked) if marked else None,
            )
        )
    return documents
