"""Invoice status, both ways.

- AX -> KashFlow: a receipt entered in AX (AX's SettledAmount beyond KashFlow's own payments that the
  payments flow posted to AX, found by their links, and beyond the AX settlements already brought over)
  gets a payment in KashFlow (a bulk payment, the only way KashFlow records one), so KashFlow shows the
  invoice paid or part paid. The payment's comment names the AX invoice and amount; KashFlow shows it as the
  payment line's Note, which makes the write idempotent (the line is found on the invoice's PaymentLines:
  KashFlow has no payment lookup of its own) and keeps the payment flow from sending it back to AX.
  Settlement that originated in KashFlow never comes back as a KashFlow payment: where AX shows more than
  that while KashFlow's own payments are in AX (a payment posted twice), where the amount exceeds what
  KashFlow has outstanding, or where KashFlow refuses the payment, the invoice is an exception for a
  person, with the amounts on both sides, never a write.
- KashFlow -> AX: AX's PaymentStatus is computed from settlements, so it cannot be written. Where KashFlow
  shows more paid than AX has settled, the invoice's KashFlow payments are synced now; they settle the AX
  invoice once the payment journals are posted in AX. A difference with no payment journal to explain it is a
  reconciliation exception.

AX's side is read from customer transactions (CustomerTransactionService): only what AX has posted and settled.
An invoice or payment journal AX still holds as a draft shows nothing settled.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils import timezone

from integrations.connectors.errors import NotFoundError, ValidationError
from integrations.models import RecordLink
from integrations.sync import load
from integrations.sync.decisions import Action, Decision
from integrations.sync.errors import MissingReference, SyncError
from integrations.sync.flows.specs import AX_TO_KF, KF_TO_AX, FlowSpec
from integrations.sync.mapping import map_record
from integrations.sync.messageid import content_hash
from integrations.sync.references import dependency_outcome, invoice_key_in_ax

AX_SETTLEMENT_PREFIX = "AX settlement "


class SettlementExceedsKashFlow(SyncError):
    """AX shows more settled than KashFlow can take as an AX settlement: for a person, never a write."""

    stage = "load"
    error_class = "kf_validation"
    error_code = "settlement_exceeds_kashflow"


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
    payments = load.call(ctx, lambda: ctx.target.invoice_payments(number), what=f"payments of invoice {number}")
    mirrored = sum((_amount(p.get("Amount")) for p in payments if is_ax_settlement(p)), Decimal(0))
    own = [p for p in payments if not is_ax_settlement(p)]
    # Echo guard, by each KashFlow payment's link: what the payments flow posted to AX is KashFlow's own money.
    posted = _posted_to_ax(ctx, own)
    own_in_ax = sum((_amount(p.get("Amount")) for p in own if str(p.get("Id")) in posted), Decimal(0))
    difference = settled - own_in_ax - mirrored
    amounts = (
        f"AX has settled {settled:.2f} on {invoice_id}; KashFlow shows {paid:.2f} paid on invoice {number} "
        f"({own_in_ax:.2f} of it KashFlow's own payments posted to AX, {mirrored:.2f} AX settlements already "
        "brought over)"
    )
    if difference <= 0:
        return Decision(Action.SKIPPED, number, note=f"nothing settled in AX beyond KashFlow's own: {amounts}")
    if own_in_ax:
        # AX shows more than KashFlow's own payments, which AX holds too: a payment posted twice, or a receipt
        # entered in AX for an invoice KashFlow is already settling. Either way a person decides; never a write.
        raise SettlementExceedsKashFlow(
            f"{amounts}: the extra {difference:.2f} in AX cannot be told from KashFlow's own settlement.",
            suggested_fix={
                "kind": "manual",
                "message": "Check the AX invoice's settlements for a payment posted twice; reverse the extra one "
                "in AX, or enter a receipt made in AX in KashFlow by hand.",
            },
        )
    gross = invoice.get("GrossAmount")
    outstanding = _amount(gross) - paid if gross not in (None, "") else None
    if outstanding is not None and difference > outstanding:
        raise SettlementExceedsKashFlow(
            f"{amounts}: the {difference:.2f} settled in AX exceeds the {outstanding:.2f} outstanding in KashFlow.",
            suggested_fix={"kind": "manual", "message": "Check the AX settlement; correct it in AX or KashFlow."},
        )
    if ctx.dry_run:
        return Decision(Action.VALIDATED, number, link=False)
    reference = f"{AX_SETTLEMENT_PREFIX}{invoice_id} {settled}"[:60]
    try:
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
    except ValidationError as exc:
        # KashFlow refused the payment: a person looks at the amounts; the run does not send it again and again.
        raise SettlementExceedsKashFlow(
            f"{amounts}: KashFlow refused a payment of {difference:.2f}: {exc}",
            code="settlement_refused",
            suggested_fix={"kind": "manual", "message": "Check the AX settlement against the KashFlow invoice."},
        ) from exc
    return Decision(
        Action.UPDATED, number, attempts=result.attempts, note=f"paid {difference} in KashFlow ({reference})"
    )


def _posted_to_ax(ctx, payments: list[dict]) -> set[str]:
    """The ids of those KashFlow payments the payments flow posted to AX (by their links)."""
    ids = [str(p.get("Id")) for p in payments if p.get("Id") not in (None, "")]
    if not ids:
        return set()
    links = RecordLink.objects.filter(
        flow__pair=ctx.flow.pair, flow__entity="payment", flow__direction=KF_TO_AX, source_key__in=ids
    ).exclude(target_key="")
    return set(links.values_list("source_key", flat=True))


def _has_payment(ctx, number: str, reference: str) -> bool:
    return any(str(p.get("Note") or "").strip() == reference for p in ctx.target.invoice_payments(number))


def _kashflow_to_ax(ctx, record: dict, number: str, document: dict) -> Decision:
    try:
        invoice_id = invoice_key_in_ax(ctx, number, sync_first=False)
    except MissingReference:
        # The sales invoice flow brings the invoice (or queues why it cannot); its payments wait for it.
        return Decision(Action.SKIPPED, "", note="not in AX yet: nothing to settle", link=False)
    try:
        ax_invoice = load.call(ctx, lambda: ctx.target.read("sales_invoice", invoice_id), what="read AX invoice")
    except NotFoundError:
        ax_invoice = None  # created in AX, still a draft: nothing is settled before it is posted
    kf_paid = _amount(document.get("SettledAmount"))
    if ax_invoice is not None and _amount(ax_invoice.get("SettledAmount")) >= kf_paid:
        return Decision(Action.SKIPPED, invoice_id, note="AX has settled at least what KashFlow shows paid")
    if ctx.dry_run:
        return Decision(Action.VALIDATED, invoice_id, link=False)
    synced = linked_count = 0
    waiting: list[str] = []
    payments = record.get("PaymentLines") or load.call(ctx, lambda: ctx.source.invoice_payments(number))
    for payment in payments:
        if is_ax_settlement(payment) or not payment.get("Id"):
            continue
        linked = RecordLink.objects.filter(
            flow__pair=ctx.flow.pair, flow__entity="payment", source_key=str(payment["Id"])
        ).exclude(target_key="")
        if not linked.exists():
            outcome = dependency_outcome(ctx, "payment", f"{number}/{payment['Id']}")
            if outcome is not None and outcome.action in ("created", "updated", "skipped"):
                synced += 1
            elif outcome is not None and outcome.action == "waiting":
                waiting.append(str(payment["Id"]))
        else:
            linked_count += 1
    settled = _amount(ax_invoice.get("SettledAmount")) if ax_invoice is not None else Decimal(0)
    if settled < kf_paid and waiting:
        # A payment is being written by another run (the payments flow) or waits for AX: not a mismatch yet.
        raise MissingReference(
            f"Payments {', '.join(waiting)} of invoice {number} are not in AX yet; its status waits for them.",
            entity="payment",
            key=waiting[0],
        )
    if settled < kf_paid and (synced or linked_count):
        # The payments are in AX as payment journals; AX settles the invoice when they (and it) are posted.
        return Decision(
            Action.UPDATED,
            invoice_id,
            note=f"{synced + linked_count} payment(s) in AX; AX settles {invoice_id} when they are posted "
            f"(settled now: {settled} of {kf_paid})",
            link=False,
        )
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
        # no verify_links: its links name the invoices whose status was brought over, not documents it wrote
    ),
)
