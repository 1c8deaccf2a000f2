"""Invoice status, both ways.

- AX -> KashFlow: an invoice settled in AX (SettledAmount above KashFlow's TotalPaidAmount) gets a payment in
  KashFlow for the difference (a bulk payment, the only way KashFlow records one), so KashFlow shows it paid or
  part paid. The payment's comment names the AX invoice and amount; KashFlow shows it as the payment line's
  Note, which makes the write idempotent (the line is found on the invoice's PaymentLines: KashFlow has no
  payment lookup of its own) and keeps the payment flow from sending it back to AX.
- KashFlow -> AX: AX's PaymentStatus is computed from settlements, so it cannot be written. Where KashFlow
  shows more paid than AX has settled, the invoice's KashFlow payments are synced now (each settles the
  AX invoice); a difference that remains is a reconciliation exception.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils import timezone

from integrations.connectors.errors import NotFoundError
from integrations.models import RecordLink
from integrations.sync import load
from integrations.sync.decisions import Action, Decision
from integrations.sync.errors import MissingReference, SyncError
from integrations.sync.flows.specs import AX_TO_KF, KF_TO_AX, FlowSpec
from integrations.sync.mapping import map_record
from integrations.sync.messageid import content_hash
from integrations.sync.references import invoice_key_in_ax, sync_dependency

AX_SETTLEMENT_PREFIX = "AX settlement "


class StatusMismatch(SyncError):
    stage = "load"
    error_class = "ax_validation"
    error_code = "status_mismatch"


def is_ax_settlement(payment: dict) -> bool:
    """A KashFlow payment this flow wrote for an AX settlement (never sent back to AX): its Note says so."""
    return str(payment.get("Note") or "").startswith(AX_SETTLEMENT_PREFIX)


def _amount(value) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def decide_status(ctx, record: dict, key: str, link) -> Decision:
    """The status flows' own way through the pipeline: map, compare with the other side, settle the difference."""
    document = map_record(ctx, record)
    digest = content_hash(document)
    if link and link.target_key and link.content_hash == digest:
        decision = Decision(Action.SKIPPED, link.target_key, note="status unchanged")
    elif ctx.spec.direction == AX_TO_KF:
        decision = _ax_to_kashflow(ctx, record, key, document)
    else:
        decision = _kashflow_to_ax(ctx, record, key, document)
    decision.document = document
    return decision


def _ax_to_kashflow(ctx, record: dict, invoice_id: str, document: dict) -> Decision:
    number = str(document.get("Number") or record.get("CustomerRef") or "").strip()
    if not number:
        return Decision(Action.SKIPPED, "", note="not a KashFlow invoice (no CustomerRef)", link=False)
    try:
        invoice = load.call(ctx, lambda: ctx.target.read("sales_invoice", number), what=f"read invoice {number}")
    except NotFoundError:
        raise SyncError(
            f"AX invoice {invoice_id} names KashFlow invoice {number}, which KashFlow does not have.",
            code="unknown_invoice",
        ) from None
    settled = _amount(document.get("TotalPaidAmount"))
    paid = _amount(invoice.get("TotalPaidAmount"))
    if settled <= paid:
        return Decision(Action.SKIPPED, number, note=f"KashFlow already shows {paid} paid")
    if ctx.dry_run:
        return Decision(Action.VALIDATED, number, link=False)
    difference = settled - paid
    reference = f"{AX_SETTLEMENT_PREFIX}{invoice_id} {settled}"[:60]
    result = load.write(
        ctx,
        lambda: (
            str(
                ctx.target.mark_invoice_paid(number, difference, timezone.localdate(), reference=reference).get(
                    "Id", ""
                )
            )
            or number
        ),
        lookup=lambda: number if _has_payment(ctx, number, reference) else None,
    )
    return Decision(
        Action.UPDATED, number, attempts=result.attempts, note=f"paid {difference} in KashFlow ({reference})"
    )


def _has_payment(ctx, number: str, reference: str) -> bool:
    return any(str(p.get("Note") or "").strip() == reference for p in ctx.target.invoice_payments(number))


def _kashflow_to_ax(ctx, record: dict, number: str, document: dict) -> Decision:
    try:
        invoice_id = invoice_key_in_ax(ctx, number, sync_first=False)
    except MissingReference:
        # The sales invoice flow brings the invoice (or queues why it cannot); its payments wait for it.
        return Decision(Action.SKIPPED, "", note="not in AX yet: nothing to settle", link=False)
    ax_invoice = load.call(ctx, lambda: ctx.target.read("sales_invoice", invoice_id), what="read AX invoice")
    kf_paid = _amount(document.get("SettledAmount"))
    if _amount(ax_invoice.get("SettledAmount")) >= kf_paid:
        return Decision(Action.SKIPPED, invoice_id, note="AX has settled at least what KashFlow shows paid")
    if ctx.dry_run:
        return Decision(Action.VALIDATED, invoice_id, link=False)
    synced = 0
    payments = record.get("PaymentLines") or load.call(ctx, lambda: ctx.source.invoice_payments(number))
    for payment in payments:
        if is_ax_settlement(payment) or not payment.get("Id"):
            continue
        linked = RecordLink.objects.filter(
            flow__pair=ctx.flow.pair, flow__entity="payment", source_key=str(payment["Id"])
        ).exclude(target_key="")
        if not linked.exists():
            outcome = sync_dependency(ctx, "payment", f"{number}/{payment['Id']}")
            synced += 1 if outcome is not None else 0
    ax_invoice = load.call(ctx, lambda: ctx.target.read("sales_invoice", invoice_id), what="read AX invoice")
    settled = _amount(ax_invoice.get("SettledAmount"))
    if settled < kf_paid:
        raise StatusMismatch(
            f"KashFlow shows {kf_paid} paid on invoice {number}, AX has settled {settled} on {invoice_id}.",
            suggested_fix={
                "kind": "manual",
                "message": "Check the invoice's payments in the payments flow and settle the rest in AX.",
            },
        )
    return Decision(Action.UPDATED, invoice_id, note=f"settled in AX by syncing {synced} payment(s)")


SPECS = (
    FlowSpec(
        "invoice_status",
        AX_TO_KF,
        "sales_invoice",
        "sales_invoice",
        "InvoiceId",
        updatable=True,
        batchable=False,
        schedule_minutes=10,
        description="AX settlement marks KashFlow invoices paid or outstanding",
        decide=decide_status,
    ),
    FlowSpec(
        "invoice_status",
        KF_TO_AX,
        "sales_invoice",
        "sales_invoice",
        "Number",
        updatable=True,
        batchable=False,
        schedule_minutes=10,
        description="KashFlow invoice status brings AX's payment status up to date",
        decide=decide_status,
    ),
)
