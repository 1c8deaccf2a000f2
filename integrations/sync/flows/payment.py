"""Payments: each KashFlow payment settles the AX invoice it pays (MarkedInvoice on the journal line)."""

from __future__ import annotations

from integrations.connectors.errors import NotFoundError
from integrations.sync.decisions import Action, Decision
from integrations.sync.errors import MissingReference
from integrations.sync.flows.invoice_status import is_ax_settlement
from integrations.sync.flows.specs import KF_TO_AX, FlowSpec
from integrations.sync.load import call
from integrations.sync.references import invoice_key_in_ax
from integrations.sync.verify import by_posted_payments


def skip_ax_settlements(ctx, record: dict, key: str, link) -> Decision | None:
    """A payment the invoice status flow wrote for an AX settlement never goes back to AX."""
    if is_ax_settlement(record):
        return Decision(Action.SKIPPED, "", note="written by the AX settlement status flow", link=False)
    return None


def add_customer(ctx, record: dict) -> dict:
    """The mapping needs the payment's customer, which KashFlow gives on the invoice only (read once a run)."""
    if record.get("CustomerCode"):
        return record
    number = str(record.get("InvoiceNumber") or "")
    cache = ctx.cache.setdefault("kf_invoice_customer", {})
    if number and number not in cache:
        try:
            invoice = call(ctx, lambda: ctx.source.read("sales_invoice", number), what="read invoice")
            cache[number] = invoice.get("CustomerCode") or ""
        except NotFoundError:
            cache[number] = ""
    if cache.get(number):
        return {**record, "CustomerCode": cache[number]}
    return record


def invoice_first(ctx, record: dict, document: dict) -> dict:
    """Mark the AX invoice the payment settles; the invoice is synced first when AX does not have it."""
    number = str(record.get("InvoiceNumber") or "").strip()
    if not number:
        raise MissingReference("The payment names no invoice.", entity="sales_invoice", key="")
    invoice_id = invoice_key_in_ax(ctx, number)
    for line in document.get("LedgerJournalTrans") or []:
        if line.get("AccountType", "Cust") == "Cust" and not line.get("MarkedInvoice"):
            line["MarkedInvoice"] = invoice_id
    return document


SPECS = (
    FlowSpec(
        "payment",
        KF_TO_AX,
        "payment",
        "payment",
        "Id",
        reference_field="DocumentNum",
        reference_table="LedgerJournalTrans",
        schedule_minutes=5,
        description="Payments settle the AX invoice they pay",
        decide=skip_ax_settlements,
        enrich=add_customer,
        resolve=invoice_first,
        # CustPaymJournalService only creates: a payment shows in AX once posted, as a customer transaction
        verify_links=by_posted_payments,
    ),
)
