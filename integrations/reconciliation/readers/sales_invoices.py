"""Sales invoices: KashFlow invoices and the free text invoices AX has posted, as its customer transactions.

AX's free text invoice service only creates (Microsoft's list of standard document services: C), so AX shows an
invoice back only once it is posted, as a customer transaction (CustomerTransactionService, R2: find / read):
customer, date, currency, gross, what is settled on it. That is what is compared. The invoice's lines -- their
accounts, item tax groups, financial dimensions -- and its net and VAT are not returned by any standard service
(they live in the invoice itself and in AX's tax and ledger transactions), so they are not reconciled here: the
KashFlow side still carries them, marked not compared. A created invoice AX does not show is a draft waiting to
be posted (``Kind.UNPOSTED``, explained), never a money difference.

Settlement: AX settles an invoice when a payment journal marking it is posted. A KashFlow payment that is in AX
as an unposted journal (``Reference.unposted_payments``) is therefore not expected in the invoice's settled
amount yet: the payment itself shows as unposted, and the invoice's settlement agrees with AX's posted books.
"""

from __future__ import annotations

from decimal import Decimal

from integrations.reconciliation.core import ZERO, Document, Line, money, rate
from integrations.reconciliation.readers.common import (
    Reference,
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
# The amounts AX's customer transaction carries: the invoice's gross only.
AX_CARRIES = ("gross",)


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
    paid = money(record.get("TotalPaidAmount", record.get("AmountPaid"))) - ref.unposted_payments.get(key, ZERO)
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
        compare_lines=False,
        compare_tax=False,
        amounts=AX_CARRIES,
    )


def _dimension_sets(lines: list[dict]) -> tuple:
    return tuple(sorted(ax_dimensions(line.get("LedgerDimension")) for line in lines if isinstance(line, dict)))


def ax_documents(record: dict, ref: Reference) -> list[Document]:
    """A posted invoice as the connector's ``posted_invoices`` gives it (from its customer transaction)."""
    return [
        Document(
            entity=ENTITY,
            key=str(record.get("CustomerRef") or "").strip(),
            ax_key=str(record.get("InvoiceId") or ""),
            party=str(record.get("OrderAccount") or "").strip().upper(),
            currency=str(record.get("CurrencyCode") or "").strip().upper(),
            date=str(record.get("InvoiceDate") or "")[:10],
            gross=money(record.get("InvoiceAmount")),
            amounts=AX_CARRIES,
            settled=money(record.get("SettledAmount")),
            status=str(record.get("PaymentStatus") or "None"),
        )
    ]
