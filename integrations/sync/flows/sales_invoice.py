"""Sales invoices: KashFlow invoices become AX free text invoices, found again by CustomerRef."""

from __future__ import annotations

from integrations.sync.errors import ValidationFailed
from integrations.sync.flows.specs import KF_TO_AX, FlowSpec
from integrations.sync.references import ensure_in_target


def has_lines(document: dict) -> None:
    if not document.get("CustInvoiceLine"):
        raise ValidationFailed("The invoice has no lines.", code="no_lines")


def customer_first(ctx, record: dict, document: dict) -> dict:
    """The invoice's customer must be in AX: synced first through the customer flow when it is not."""
    account = str(document.get("OrderAccount") or document.get("InvoiceAccount") or record.get("CustomerCode") or "")
    ensure_in_target(ctx, "customer", account, str(record.get("CustomerCode") or account))
    return document


SPECS = (
    FlowSpec(
        "sales_invoice",
        KF_TO_AX,
        "sales_invoice",
        "sales_invoice",
        "Number",
        reference_field="CustomerRef",
        schedule_minutes=5,
        description="KashFlow invoices become AX free text invoices",
        check=has_lines,
        resolve=customer_first,
    ),
)
