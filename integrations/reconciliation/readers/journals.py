"""Journals: KashFlow journals and AX general journals (GenJrn), compared by posting per account.

KashFlow journals are in the base currency and carry no tax or dimensions of their own; the comparison is
every posting's account and amount, and the total debited. Bank lines share the GenJrn journal name and are
told apart by their ``BANK-`` reference (``bank_lines``).
"""

from __future__ import annotations

from integrations.reconciliation.core import ZERO, Document, Line, money
from integrations.reconciliation.readers.common import (
    Reference,
    ax_account,
    code,
    journal_header,
    journal_lines_by_document,
    signed,
)

ENTITY = "journal"
KASHFLOW_ENTITY = "journal"
AX_ENTITY = "journal"
BANK_PREFIX = "BANK-"


def kashflow_document(record: dict, ref: Reference) -> Document:
    lines = tuple(
        Line(account=ref.account(item.get("NominalCode")), amount=money(item.get("Debit")) - money(item.get("Credit")))
        for item in record.get("Lines") or []
        if isinstance(item, dict)
    )
    debits = sum((line.amount for line in lines if line.amount > 0), ZERO)
    return Document(
        entity=ENTITY,
        key=code(record.get("Number")),
        currency="GBP",
        date=str(record.get("Date") or "")[:10],
        net=debits,
        gross=debits,
        lines=lines,
        compare_tax=False,
    )


def ax_documents(record: dict, ref: Reference) -> list[Document]:
    documents = []
    for reference, trans in journal_lines_by_document(record).items():
        if reference.startswith(BANK_PREFIX):
            continue
        lines = []
        for line in trans:
            amount = signed(line)
            lines.append(Line(account=ax_account(line.get("LedgerDimension")), amount=amount))
            if line.get("OffsetLedgerDimension"):
                lines.append(Line(account=ax_account(line.get("OffsetLedgerDimension")), amount=-amount))
        debits = sum((line.amount for line in lines if line.amount > 0), ZERO)
        head = trans[0]
        documents.append(
            Document(
                entity=ENTITY,
                key=reference,
                **journal_header(record, head),
                net=debits,
                gross=debits,
                lines=tuple(lines),
            )
        )
    return documents
