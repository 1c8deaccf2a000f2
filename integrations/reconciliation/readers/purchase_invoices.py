"""Purchase invoices: KashFlow purchases and AX vendor invoice journals (VendInv), money in full.

What AX should hold: the gross credited to the supplier, each line's net debited to its expense account, and the
VAT debited to the purchase VAT account, to the penny of KashFlow's VAT (issue 13, defect 6). On the AX side
the VAT is what the journal posts to a VAT account (inferred: a journal that lets AX compute tax through a sales
tax group would need AX's tax transactions, which no AIF service in the reference WSDLs returns).
"""

from __future__ import annotations

from decimal import Decimal

from integrations.reconciliation.core import ZERO, Document, Line, money, rate
from integrations.reconciliation.readers.common import (
    Reference,
    ax_account,
    ax_dimensions,
    code,
    currency_of,
    currency_rate,
    journal_lines_by_document,
    signed,
    vendor_journal_head,
)

# What a pending vendor invoice shows of the money: its lines' net (AX computes the tax when it posts).
VENDOR_INVOICE_CARRIES = ("net",)
# Set by the reconciliation on a record read by our link's key: the KashFlow keys linked to it.
LINKED_FROM = "_LinkedFrom"

ENTITY = "purchase_invoice"
KASHFLOW_ENTITY = "purchase_invoice"
AX_ENTITY = "purchase_invoice"


def kashflow_document(record: dict, ref: Reference) -> Document:
    key = code(record.get("Number"))
    expected = ref.expected.get((ENTITY, key)) or {}
    mapped_lines = [x for x in expected.get("LedgerJournalTrans") or [] if isinstance(x, dict)]
    lines = [
        Line(
            account=ref.account(item.get("NominalCode")),
            amount=money(Decimal(str(item.get("Quantity") or 0)) * Decimal(str(item.get("Rate") or 0))),
        )
        for item in record.get("LineItems") or []
    ]
    vat = money(record.get("VATAmount"))
    if vat != ZERO:
        lines.append(Line(account=ref.account(ref.purchase_vat_nominal), amount=vat))
    if ref.purchase_vendor_invoices:
        return Document(
            entity=ENTITY,
            key=key,
            party=str(record.get("SupplierCode") or "").strip().upper(),
            currency=currency_of(record),
            date=str(record.get("IssuedDate") or "")[:10],
            net=money(record.get("NetAmount")),
            vat=vat,
            gross=money(record.get("GrossAmount")),
            lines=tuple(lines),
            compare_lines=False,
            compare_tax=False,
            amounts=VENDOR_INVOICE_CARRIES,
        )
    return Document(
        entity=ENTITY,
        key=key,
        party=str(record.get("SupplierCode") or "").strip().upper(),
        currency=currency_of(record),
        rate=rate(currency_rate(record)),
        date=str(record.get("IssuedDate") or "")[:10],
        net=money(record.get("NetAmount")),
        vat=vat,
        gross=money(record.get("GrossAmount")),
        lines=tuple(lines),
        dimension_sets=_dimension_sets(mapped_lines, ref.vat_accounts) if mapped_lines else None,
        compare_tax=False,
    )


def _dimension_sets(lines: list[dict], vat_accounts: frozenset[str]) -> tuple:
    """The dimensions of every line that is not the VAT line (VAT carries none of the expense's dimensions)."""
    return tuple(
        sorted(
            ax_dimensions(line.get("DefaultDimension"))
            for line in lines
            if not {ax_account(line.get("LedgerDimension")), ax_account(line.get("OffsetLedgerDimension"))}
            & vat_accounts
        )
    )


def _postings(lines: list[dict]) -> list[tuple[str, Decimal]]:
    """Every ledger posting of the journal's lines, debit positive: ledger lines themselves, and the offset of
    vendor lines (a vendor credit offset to an expense account debits that account)."""
    postings = []
    for line in lines:
        kind = line.get("AccountType") or "Ledger"
        amount = signed(line)
        if kind == "Ledger":
            postings.append((ax_account(line.get("LedgerDimension")), amount))
        if line.get("OffsetLedgerDimension") and (line.get("OffsetAccountType") or "Ledger") == "Ledger":
            postings.append((ax_account(line.get("OffsetLedgerDimension")), -amount))
    return postings


def _vendor_invoice(record: dict) -> list[Document]:
    """A pending or posted vendor invoice (VendInvoiceService read, by the key we linked). What it shows: the
    vendor, currency, date and each line's net; its lines name a procurement category, not an account (the
    category's posting setup gives it), and AX computes its tax on posting, so accounts and VAT are not compared
    on this path (the flow itself refuses a purchase whose VAT AX would not compute to the penny)."""
    lines = [line for line in record.get("VendInvoiceInfoLine") or [] if isinstance(line, dict)]
    net = sum((money(line.get("LineAmount")) for line in lines), ZERO)
    return [
        Document(
            entity=ENTITY,
            key=key,
            ax_key=str(record.get("TableRefId") or ""),
            party=str(record.get("OrderAccount") or "").strip().upper(),
            currency=str(record.get("CurrencyCode") or "").strip().upper(),
            date=str(record.get("DocumentDate") or "")[:10],
            net=net,
            amounts=VENDOR_INVOICE_CARRIES,
            posted=str(record.get("ParmJobStatus") or "") == "Executed",
        )
        for key in record.get(LINKED_FROM) or [str(record.get("Num") or "")]
    ]


def ax_documents(record: dict, ref: Reference) -> list[Document]:
    if "VendInvoiceInfoLine" in record or "TableRefId" in record:
        return _vendor_invoice(record)
    vat_accounts = ref.vat_accounts
    documents = []
    for reference, lines in journal_lines_by_document(record).items():
        vendor, _, fields = vendor_journal_head(record, lines)
        postings = [Line(account=account, amount=amount) for account, amount in _postings(lines)]
        vat = sum((p.amount for p in postings if p.account in vat_accounts), ZERO)
        net = sum((p.amount for p in postings if p.account not in vat_accounts), ZERO)
        documents.append(
            Document(
                entity=ENTITY,
                key=reference,
                **fields,
                net=net,
                vat=vat,
                gross=-sum((signed(line) for line in vendor), ZERO),
                lines=tuple(postings),
                dimension_sets=_dimension_sets(lines, vat_accounts),
                compare_tax=False,
            )
        )
    return documents
