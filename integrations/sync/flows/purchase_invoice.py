"""Purchase invoices: KashFlow purchase invoices become AX vendor invoice journals, or AX 2012 R2 vendor invoices.

Two paths, chosen per flow by the flow's mapping (the flow page's "AX document" choice switches it):

* General journal (the default, every AX 2012): LedgerGeneralJournalService (operations C, R), a journal of the
  VendInv journal name with vendor-account lines: each purchase line's net against its expense account, plus a
  vendor line per line's VAT against input VAT, KashFlow's own VAT to the penny. Exactly-once rests on the
  MessageId (the service has no find).
* Vendor invoice (AX 2012 R2 and later): VendInvoiceService, external name VendVendInvoiceService (D1: C, R, D, F,
  FK, GK, GCK), a pending vendor invoice an accountant posts; each line names a procurement category, whose
  posting gives the expense account, and an item sales tax group from which AX computes the line's tax. AX's tax
  must come out as KashFlow's to the penny under the site's calculation method (the AX connection's setting:
  Line, Total, or not known -- then both), so a line whose KashFlow VAT is not its rate applied to its net, a
  rate whose lines' VAT is not the rate applied to their summed net, or a taxed line without a tax group, is
  refused before sending (the general journal path posts such a purchase).
  Because the service has find, an ambiguous failure is resolved by looking the invoice up by vendor and invoice
  number, not by the MessageId alone.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from integrations.sync.errors import ValidationFailed
from integrations.sync.flows.specs import KF_TO_AX, FlowSpec
from integrations.sync.references import ensure_in_target
from integrations.sync.verify import by_read
from mappings.engine.valuemaps import compile_value_map

# KashFlow's default chart of accounts: 2201 is Purchase Tax Control (input VAT), 2200 Sales Tax Control.
# The AX account comes from the mapping's own nominal map, so an accountant changes it where the rest is.
INPUT_VAT_NOMINAL = "2201"
# The AX connection's sales tax calculation method (DynamicsAXConnector.tax_calculation_method)
TAX_LINE = "line"
TAX_TOTAL = "total"


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


VENDOR_INVOICE = "vendor_invoice"
JOURNAL_PATH = "purchase_invoice"
INVOICE_LINES = "VendInvoiceInfoLine"


def vendor_invoice_reference(document: dict, source_key: str) -> str:
    """``"<vendor account>/<invoice number>"``: invoice numbers are unique per vendor in AX, not across vendors."""
    number = str(document.get("Num") or "").strip()
    return f"{str(document.get('OrderAccount') or '').strip()}/{number}" if number else source_key


def check_vat(record: dict, document: dict, method: str = "") -> None:
    """AX computes a pending invoice's tax itself: refuse what would not come out as KashFlow's VAT to the penny.

    AX rounds sales tax by the legal entity's calculation method, set on the General ledger parameters: *Line*
    computes and rounds each line's tax, *Total* computes the tax base per document, so tax is rounded once per
    sales tax code over the invoice (Microsoft's "Sales tax calculation and rounding" page for Dynamics 365
    Finance, AX 2012's successor; that AX 2012 R2 behaves the same is inferred). ``method`` is the AX
    connection's setting (``"line"``, ``"total"``): under Line every line's VAT must be its rate applied to its
    net; under Total, for each rate, the VAT of its lines must be the rate applied to their summed net; when the
    method is not known ("") both must hold. A rate stands for its sales tax code (inferred: one code per rate in
    the mapping's tax groups)."""
    per_line = method != TAX_TOTAL
    per_total = method != TAX_LINE
    lines = document.get(INVOICE_LINES) or []
    items = record.get("LineItems") or []
    if len(items) != len(lines):
        raise ValidationFailed(
            f"The vendor invoice has {len(lines)} lines for {len(items)} purchase lines, so their VAT cannot be "
            "checked.",
            code="vat_lines",
        )
    per_rate: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for number, (item, line) in enumerate(zip(items, lines, strict=True), start=1):
        vat = _money(item.get("VATAmount"))
        net = _money(line.get("LineAmount"))
        rate = _money(item.get("VATLevel") if item.get("VATLevel") is not None else item.get("VATRate"))
        expected = (net * rate / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if per_line and vat != expected:
            raise ValidationFailed(
                f"Line {number}: KashFlow's VAT {vat} is not {rate}% of the net {net} ({expected}). AX computes a "
                "vendor invoice's tax from the line's tax group, so this VAT would not reach AX as it is: post this "
                "purchase through the general journal path (the flow's AX document) or correct it in KashFlow.",
                code="vat_not_computable",
            )
        if vat and not str(line.get("TaxItemGroup") or "").strip():
            raise ValidationFailed(
                f"Line {number} has VAT {vat} but no item sales tax group: map its VAT rate in the mapping.",
                code="no_tax_group",
            )
        nets, vats = per_rate.get(rate, (Decimal(0), Decimal(0)))
        per_rate[rate] = (nets + net, vats + vat)
    for rate, (nets, vats) in sorted(per_rate.items()) if per_total else ():
        expected = (nets * rate / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if vats != expected:
            raise ValidationFailed(
                f"At {rate}% the lines' VAT adds up to {vats}, but {rate}% of their net {nets} is {expected}. AX "
                "rounds tax once per tax code over the invoice when its sales tax calculation method is Total"
                + (" (the AX connection's setting)" if method else " (the AX connection does not say which it is)")
                + ", so this VAT would not reach AX as it is: post this purchase through the general journal path "
                "(the flow's AX document) or correct it in KashFlow.",
                code="vat_not_computable",
            )


def _net(document: dict) -> Decimal:
    return sum((_money(line.get("LineAmount")) for line in document.get(INVOICE_LINES) or []), Decimal(0))


def same_vendor_invoice(document: dict, found: dict) -> None:
    """The pending or posted invoice found by vendor and number after an ambiguous failure must be the one sent.

    AX checks a vendor's invoice number for reuse only when the invoice is posted (Accounts payable parameters,
    "Check the invoice number used"), so a pending invoice a person keyed, or another purchase whose number is the
    same once cut to 20 characters, can carry our vendor and number. Adopting it would link the purchase to
    someone else's invoice and never post ours: the currency and the net (the sum of ``LineAmount``) must match
    the document sent, or the record goes to the exception queue with both sides. A document without a currency
    takes the vendor's in AX, so only a currency we sent is compared."""
    sent_currency = str(document.get("CurrencyCode") or "").strip().upper()
    found_currency = str(found.get("CurrencyCode") or "").strip().upper()
    sent_net, found_net = _net(document), _net(found)
    if sent_net == found_net and (not sent_currency or sent_currency == found_currency):
        return
    key = found.get("TableRefId") or ""
    raise ValidationFailed(
        f"AX already holds vendor invoice {key} for vendor {document.get('OrderAccount') or ''} with invoice number "
        f"{document.get('Num') or ''}, but it is not this purchase: AX has {found_net} {found_currency or '?'} net, "
        f"this purchase sends {sent_net} {sent_currency or '(the vendor currency)'}. It was not linked and this "
        "purchase was not sent again. Check the invoice in AX: if it is another document, give this purchase a "
        "distinct supplier reference in KashFlow; if it is this one, correct it in AX.",
        code="invoice_number_taken",
        suggested_fix={"kind": "manual", "message": "Compare the AX vendor invoice with the KashFlow purchase."},
    )


def vendor_invoice_first(ctx, record: dict, document: dict) -> dict:
    """The invoice's vendor must be in AX (synced first through the supplier flow), and its VAT must survive."""
    account = str(document.get("OrderAccount") or record.get("SupplierCode") or "")
    ensure_in_target(ctx, "supplier", account, str(record.get("SupplierCode") or account))
    check_vat(record, document, getattr(ctx.target, "tax_calculation_method", ""))
    return document


def choose_path(flow) -> FlowSpec | None:
    """The vendor invoice spec when the flow's mapping targets vendor invoices; None (the journal path) else."""
    mapping = getattr(flow, "mapping_set", None) if getattr(flow, "mapping_set_id", None) else None
    return VENDOR_INVOICE_SPEC if mapping is not None and mapping.target_entity == VENDOR_INVOICE else None


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
        # vendor invoice journals: the ledger journal service reads by JournalNum, drafts too (and VendInvoiceService
        # reads pending and posted vendor invoices by TableRefId on the vendor invoice path)
        verify_links=by_read,
        variant=choose_path,
        documents=(
            (JOURNAL_PATH, "General journal, vendor account lines (LedgerGeneralJournalService, every AX 2012)"),
            (VENDOR_INVOICE, "Vendor invoice (VendInvoiceService, AX 2012 R2 and later)"),
        ),
    ),
)

VENDOR_INVOICE_SPEC = replace(
    SPECS[0],
    target_entity=VENDOR_INVOICE,
    reference_field="Num",
    reference_table="",
    reference=vendor_invoice_reference,
    description="Purchase invoices become AX pending vendor invoices (VendInvoiceService, AX 2012 R2)",
    resolve=vendor_invoice_first,
    variant=None,
    adopt=same_vendor_invoice,
)
