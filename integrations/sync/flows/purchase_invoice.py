"""Purchase invoices: KashFlow purchase invoices become AX vendor invoice journals."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from integrations.sync.errors import ValidationFailed
from integrations.sync.flows.specs import KF_TO_AX, FlowSpec
from integrations.sync.references import ensure_in_target
from integrations.sync.verify import by_read
from mappings.engine.valuemaps import compile_value_map

# KashFlow's default chart of accounts: 2201 is Purchase Tax Control (input VAT), 2200 Sales Tax Control.
# The AX account comes from the mapping's own nominal map, so an accountant changes it where the rest is.
INPUT_VAT_NOMINAL = "2201"


def _money(value: object) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def input_vat_account(mapping) -> str:
    spec = (getattr(getattr(mapping, "spec", None), "value_maps", None) or {}).get("nominal_accounts")
    found = compile_value_map(spec).find(INPUT_VAT_NOMINAL) if spec is not None else None
    if not isinstance(found, str) or not found.strip():
        raise ValidationFailed(
            f"The purchase has VAT but the value map nominal_accounts has no AX account for KashFlow's input VAT "
            f"nominal {INPUT_VAT_NOMINAL}: add it to the mapping.",
            code="no_vat_account",
        )
    return found.strip()


def split_vat(record: dict, document: dict, account: str | None = None, *, mapping=None) -> dict:
    """Each purchase line's VAT becomes a vendor line of its own, offset to the input VAT account.

    The mapping gives each journal line the purchase line's net. Here KashFlow's own VAT of each line
    (``LineItems[].VATAmount``) is added as a vendor line offset to input VAT: the vendor is credited the
    gross, the expense accounts debited the net, input VAT debited KashFlow's VAT to the penny (AX
    recomputing it could round differently).
    """
    lines = document.get("LedgerJournalTrans") or []
    items = record.get("LineItems") or []
    vats = [_money(item.get("VATAmount")) for item in items]
    if not any(vats):
        return document
    if len(items) != len(lines):
        raise ValidationFailed(
            f"The journal has {len(lines)} lines for {len(items)} purchase lines, so their VAT cannot be paired.",
            code="vat_lines",
        )
    account = account or input_vat_account(mapping)
    added = []
    for line, amount in zip(lines, vats, strict=True):
        if amount == 0:
            continue
        vat = {k: v for k, v in line.items() if k not in ("LineNum", "DefaultDimension", "AmountCurDebit")}
        vat.pop("AmountCurCredit", None)
        vat["AmountCurCredit" if amount > 0 else "AmountCurDebit"] = format(abs(amount), "f")
        vat["OffsetAccountType"] = "Ledger"
        vat["OffsetLedgerDimension"] = {"Account": account}
        vat["Txt"] = f"VAT: {line.get('Txt') or ''}".strip()[:60]
        added.append(vat)
    document["LedgerJournalTrans"] = lines + added
    if any("LineNum" in line for line in lines):
        for number, line in enumerate(document["LedgerJournalTrans"], start=1):
            line["LineNum"] = str(number)
    return document


def vendor_first(ctx, record: dict, document: dict) -> dict:
    """The journal's vendor must be in AX: synced first through the supplier flow when it is not."""
    account = ""
    for line in document.get("LedgerJournalTrans") or []:
        if line.get("AccountType") == "Vend":
            account = str((line.get("LedgerDimension") or {}).get("Account") or "")
            break
    account = account or str(record.get("SupplierCode") or "")
    ensure_in_target(ctx, "supplier", account, str(record.get("SupplierCode") or account))
    return split_vat(record, document, mapping=ctx.mapping)


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
        verify_links=by_read,  # vendor invoice journals: the ledger journal service reads by JournalNum, drafts too
    ),
)
