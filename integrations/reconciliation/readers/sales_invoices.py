"""Sales invoices: KashFlow invoices and AX free text invoices (CustInvoiceTable), money compared in full."""

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
)

ENTITY = "sales_invoice"
KASHFLOW_ENTITY = "sales_invoice"
AX_ENTITY = "sales_invoice"
# KashFlow's invoice Status -> AX's PaymentStatus (the status flow's own value map says the same).
STATUS = {"Paid": "Paid", "PartiallyPaid": "PartlyPaid"}
# Statuses of invoices that are not issued yet and must not reach AX (issue 13, defect 8). The sandbox keeps
# drafts as Status "Draft"; which real KashFlow fields mark an unissued invoice is the KashFlow issue's to settle.
UNISSUED = frozenset({"Draft"})


def kashflow_document(record: dict, ref: Reference) -> Document:
    key = code(record.get("Number"))
    customer = str(record.get("CustomerCode") or "").strip().upper()
    expected = ref.expected.get((ENTITY, key)) or {}
    expected_lines = [x for x in expected.get("CustInvoiceLine") or [] if isinstance(x, dict)]
    tax_group = ref.customer_tax_group(customer)
    lines = []
    for item in record.get("LineItems") or []:
        lines.append(
            Line(
                account=ref.account(item.get("NominalCode")),
                amount=money(Decimal(str(item.get("Quantity") or 0)) * Decimal(str(item.get("Rate") or 0))),
                tax_group=tax_group,
                tax_item_group=ref.tax_item_group(item.get("VATLevel", item.get("VATRate"))),
            )
        )
    status = str(record.get("Status") or "")
    paid = money(record.get("TotalPaidAmount", record.get("AmountPaid")))
    gross = money(record.get("GrossAmount"))
    # KashFlow's statuses have no "partly paid" (an invoice part-paid reads Unpaid or Overdue): the AX payment
    # status follows from the amounts, as AX derives its own.
    ax_status = "Paid" if paid > 0 and paid >= gross else ("PartlyPaid" if paid > 0 else "None")
    return Document(
        entity=ENTITY,
        key=key,
        party=customer,
        currency=currency_of(record),
        rate=rate(currency_rate(record)),
        date=str(record.get("IssuedDate") or "")[:10],
        net=money(record.get("NetAmount")),
        vat=money(record.get("VATAmount")),
        gross=money(record.get("GrossAmount")),
        lines=tuple(lines),
        settled=paid,
        status=ax_status,
        expected_in_ax=status not in UNISSUED,
        why_not_expected=f"{status} in KashFlow, not issued" if status in UNISSUED else "",
        dimension_sets=_dimension_sets(expected_lines) if expected_lines else None,
    )


def _dimension_sets(lines: list[dict]) -> tuple:
    return tuple(sorted(ax_dimensions(line.get("LedgerDimension")) for line in lines if isinstance(line, dict)))


def ax_documents(record: dict, ref: Reference) -> list[Document]:
    lines = tuple(
        Line(
            account=ax_account(line.get("LedgerDimension")),
            amount=money(line.get("AmountCur")),
            tax_group=str(line.get("TaxGroup") or ""),
            tax_item_group=str(line.get("TaxItemGroup") or ""),
        )
        for line in record.get("CustInvoiceLine") or []
        if isinstance(line, dict)
    )
    net = sum((line.amount for line in lines), ZERO)
    return [
        Document(
            entity=ENTITY,
            key=str(record.get("CustomerRef") or "").strip(),
            ax_key=str(record.get("InvoiceId") or ""),
            party=str(record.get("OrderAccount") or "").strip().upper(),
            currency=str(record.get("CurrencyCode") or "").strip().upper(),
            rate=rate(record.get("ExchRate")) if record.get("ExchRate") not in (None, "") else None,
            date=str(record.get("InvoiceDate") or "")[:10],
            net=net,
            vat=money(record.get("SumTax")),
            gross=money(record.get("InvoiceAmount")) if record.get("InvoiceAmount") not in (None, "") else net,
            lines=lines,
            dimension_sets=_dimension_sets(record.get("CustInvoiceLine") or []),
            settled=money(record.get("SettledAmount")),
            status=str(record.get("PaymentStatus") or "None"),
        )
    ]
