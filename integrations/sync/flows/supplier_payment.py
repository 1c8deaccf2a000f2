"""Supplier payments: each KashFlow purchase payment becomes an AX vendor disbursement journal that settles the
vendor invoice it pays.

AX 2012 ships no vendor payment journal service that creates: Microsoft's list of standard document services
(MicrosoftDocs/DynamicsAX2012-technet, dynamicsax2012-technet/standard-document-services.md) has the customer
payment journal (LedgerCustPaymJournalService, C) but for vendors only LedgerVendorPaymentService (AxdVendorPayment,
R: "Delivers payment information for a specific vendor"). The journal therefore goes through the ledger journal
service (LedgerGeneralJournalService, CR) under the vendor disbursement journal name ``VendPay``: one line per
payment, account type Vend (the purchase's supplier, debited the amount paid), offset Bank (the AX bank account
of KashFlow's bank account), in the purchase's currency at the purchase's rate, marking the vendor invoice it
settles (``MarkedInvoice``: the invoice number of the vendor invoice journal's vendor line, read back from AX).
That a Vend line's MarkedInvoice settles the vendor transaction on posting, as on a customer payment journal, is
inferred.

The purchase invoice is synced first through its own flow when AX does not have it yet. A payment whose bank line
the bank flow already posted (supplier payments went to AX that way before this flow) is skipped, never posted a
second time. Records are keyed
``<purchase number>/<payment Id>`` (the KashFlow connector's ``Key``): a payment Id alone is KashFlow's only per
document. The service is create-and-read-by-key only, so exactly-once rests on the MessageId: after an ambiguous
failure the journal is re-sent under the MessageId it went out with, never looked up (see the sync README).
"""

from __future__ import annotations

from integrations.models import RecordLink
from integrations.sync.decisions import Action, Decision
from integrations.sync.errors import MissingReference, ValidationFailed
from integrations.sync.flows.specs import KF_TO_AX, FlowSpec
from integrations.sync.load import call
from integrations.sync.references import sync_dependency
from integrations.sync.verify import by_read

PURCHASE_FLOW = "purchase_invoice"


BANK_FLOW = "bank_transaction"
BANK_REFERENCE_PREFIX = "BANK-"  # flows/bank_transaction.py: the bank flow's journal lines carry BANK-<key>


def _bank_posted(ctx) -> dict[tuple[str, str], list[dict]]:
    """(EntityName, ResourceNumber) -> the supplier payment bank lines the bank flow already posted to AX as journal
    lines (before this flow existed they went that way). Read once a run, and only when the bank flow has posted
    anything."""
    name = "supplier_payment_bank_posted"
    if name not in ctx.cache:
        posted = set(
            RecordLink.objects.filter(flow__pair=ctx.flow.pair, flow__entity=BANK_FLOW, flow__direction=KF_TO_AX)
            .exclude(target_key="")
            .values_list("source_key", flat=True)
        )
        found: dict[tuple[str, str], list[dict]] = {}
        if posted:
            lines = call(ctx, lambda: list(ctx.source.list_changed(BANK_FLOW)), what="list bank lines")
            for line in lines:
                entity = str(line.get("EntityName") or "").strip().lower()
                key = str(line.get("Key") or f"{line.get('AccountId')}/{line.get('Id')}")
                if entity in ("purchase", "purchasebatchpayment") and key in posted:
                    found.setdefault((entity, str(line.get("ResourceNumber") or "")), []).append({**line, "Key": key})
        ctx.cache[name] = found
    return ctx.cache[name]


def _same_payment(record: dict, line: dict) -> bool:
    """A bank line of the payment: the same day, and, for a line of one purchase, the same amount when both are in
    one currency (a foreign payment's bank line is in the bank account's currency; a bulk payment's line is the sum
    of its payments, named by its BulkPaymentNumber)."""
    if str(line.get("Date") or "")[:10] != str(record.get("Date") or "")[:10]:
        return False
    if str(line.get("EntityName") or "").strip().lower() == "purchasebatchpayment":
        return True
    try:
        return abs(float(line.get("PaidOut") or 0) - float(record.get("Amount") or 0)) < 0.005 or (
            (record.get("Currency") or {}).get("Code") not in (None, "", "GBP")
        )
    except (TypeError, ValueError, AttributeError):
        return False


def skip_bank_posted(ctx, record: dict, key: str, link) -> Decision | None:
    """A payment whose bank line the bank flow already posted to AX is not posted again (it would pay the vendor
    twice in AX's books); the run's note says which line, for the accountant to settle the invoice in AX."""
    if link is not None:
        return None
    posted = _bank_posted(ctx)
    if not posted:
        return None
    candidates = [
        *posted.get(("purchase", str(record.get("PurchaseNumber") or "")), []),
        *posted.get(("purchasebatchpayment", str(record.get("BulkPaymentNumber") or "")), []),
    ]
    line = next((c for c in candidates if _same_payment(record, c)), None)
    if line is None:
        return None
    note = (
        f"already in AX through the bank flow's journal line {BANK_REFERENCE_PREFIX}{line['Key']}, offset to the "
        "vendor without marking the invoice: not posted again; settle the vendor invoice against it in AX"
    )
    return Decision(Action.SKIPPED, "", note=note, link=False)


def vendor_invoice_number(document: dict) -> str:
    """The vendor invoice number of an AX vendor invoice document: the Invoice of its first vendor line
    (vendor invoice journal), else the document's own invoice number (``Num``, VendInvoiceService)."""
    for line in document.get("LedgerJournalTrans") or []:
        if line.get("AccountType") == "Vend" and str(line.get("Invoice") or "").strip():
            return str(line["Invoice"]).strip()
    return str(document.get("Num") or document.get("InvoiceId") or "").strip()


def _purchase_target(ctx, number: str) -> tuple[str, str]:
    """(AX entity, AX key) of KashFlow purchase ``number``: from its link, or by syncing the purchase first."""
    link = (
        RecordLink.objects.filter(
            flow__pair=ctx.flow.pair, flow__entity=PURCHASE_FLOW, flow__direction=KF_TO_AX, source_key=number
        )
        .select_related("flow")
        .first()
    )
    entity = link.flow.spec.target_entity if link else PURCHASE_FLOW
    if link and link.target_key:
        return entity, link.target_key
    if link is None and not ctx.dry_run:
        outcome = sync_dependency(ctx, PURCHASE_FLOW, number)
        if outcome is not None and outcome.target_key:
            dep = ctx.dependency(PURCHASE_FLOW)
            return (dep.spec.target_entity if dep else entity), outcome.target_key
    raise MissingReference(
        f"Purchase {number} is not in AX yet (or its AX key is still to be confirmed); this payment waits for it.",
        entity=PURCHASE_FLOW,
        key=number,
        suggested_fix={"kind": "sync_reference", "entity": PURCHASE_FLOW, "key": number},
    )


def vendor_invoice_in_ax(ctx, number: str) -> str:
    """The AX vendor invoice number of KashFlow purchase ``number`` (read once a run)."""
    cache = ctx.cache.setdefault("ax_vendor_invoice", {})
    if number not in cache:
        entity, key = _purchase_target(ctx, number)
        document = call(ctx, lambda: ctx.target.read(entity, key), what=f"read vendor invoice {key}")
        invoice = vendor_invoice_number(document)
        if not invoice:
            raise ValidationFailed(
                f"The AX vendor invoice {key} of purchase {number} has no invoice number, so the payment cannot "
                "mark it for settlement: give the purchase its supplier's invoice number (SupplierReference).",
                code="no_vendor_invoice_number",
            )
        cache[number] = invoice
    return cache[number]


def purchase_invoice_first(ctx, record: dict, document: dict) -> dict:
    """Mark the vendor invoice the payment settles; the purchase is synced first when AX does not have it."""
    number = str(record.get("PurchaseNumber") or "").strip()
    if not number:
        raise MissingReference("The payment names no purchase.", entity=PURCHASE_FLOW, key="")
    invoice = vendor_invoice_in_ax(ctx, number)
    for line in document.get("LedgerJournalTrans") or []:
        if line.get("AccountType") == "Vend" and not line.get("MarkedInvoice"):
            line["MarkedInvoice"] = invoice
    return document


SPECS = (
    FlowSpec(
        "supplier_payment",
        KF_TO_AX,
        "purchase_payment",
        "supplier_payment",
        "Key",
        reference_field="DocumentNum",
        reference_table="LedgerJournalTrans",
        schedule_minutes=10,
        description="Supplier payments become AX vendor disbursement journals settling the vendor invoice they pay",
        decide=skip_bank_posted,
        resolve=purchase_invoice_first,
        verify_links=by_read,  # the ledger journal service reads by JournalNum, drafts too
    ),
)
