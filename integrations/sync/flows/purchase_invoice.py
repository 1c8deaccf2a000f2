"""Purchase invoices: KashFlow purchase invoices become AX vendor invoice journals."""

from __future__ import annotations

from integrations.sync.flows.specs import KF_TO_AX, FlowSpec
from integrations.sync.references import ensure_in_target


def vendor_first(ctx, record: dict, document: dict) -> dict:
    """The journal's vendor must be in AX: synced first through the supplier flow when it is not."""
    account = ""
    for line in document.get("LedgerJournalTrans") or []:
        if line.get("AccountType") == "Vend":
            account = str((line.get("LedgerDimension") or {}).get("Account") or "")
            break
    account = account or str(record.get("SupplierCode") or "")
    ensure_in_target(ctx, "supplier", account, str(record.get("SupplierCode") or account))
    return document


SPECS = (
    FlowSpec(
        "purchase_invoice",
        KF_TO_AX,
        "purchase_invoice",
        "purchase_invoice",
        "Number",
        reference_field="DocumentNum",
        reference_table="LedgerJournalTrans",
        schedule_minutes=10,
        description="Purchase invoices become AX vendor invoice journals",
        resolve=vendor_first,
    ),
)
