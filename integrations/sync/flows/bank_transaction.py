"""Bank reconciliation: KashFlow bank lines are matched to the payments already synced, the rest go to AX.

A customer receipt is posted to AX by the payments flow (its journal line offsets the bank account), so the
bank line that shows the same receipt must not be posted again: it is matched by its reference and date.
Lines not yet reconciled in KashFlow wait until they are. Every other reconciled line (supplier payments,
bank charges, interest) becomes one AX bank journal line, offset by its transaction type.
"""

from __future__ import annotations

from integrations.sync.decisions import Action, Decision
from integrations.sync.flows.specs import KF_TO_AX, FlowSpec
from integrations.sync.load import call

REFERENCE_PREFIX = "BANK-"


def _payments_by_reference(ctx) -> dict[tuple[str, str], str]:
    name = "kf_payments_by_reference"
    if name not in ctx.cache:
        payments = call(ctx, lambda: list(ctx.source.list_changed("payment")), what="list payments")
        ctx.cache[name] = {
            (str(p.get("Reference") or "").strip(), str(p.get("Date") or "")[:10]): str(p.get("Id"))
            for p in payments
            if p.get("Reference")
        }
    return ctx.cache[name]


def bank_line_decision(ctx, record: dict, key: str, link=None) -> Decision | None:
    """A Decision when the line is not for AX (not reconciled, or a receipt the payments flow posts); else None."""
    if not record.get("Reconciled"):
        return Decision(Action.SKIPPED, "", note="not reconciled in KashFlow yet", link=False)
    reference = str(record.get("Reference") or "").strip()
    payment = _payments_by_reference(ctx).get((reference, str(record.get("Date") or "")[:10])) if reference else None
    if payment and float(record.get("Amount") or 0) > 0:
        return Decision(
            Action.SKIPPED, "", note=f"matched to payment {payment}, posted by the payments flow", link=False
        )
    return None


def tag_bank_document(key: str, document: dict) -> dict:
    """Bank lines carry their own external reference, apart from KashFlow journal numbers in the same service."""
    for line in document.get("LedgerJournalTrans") or []:
        line["DocumentNum"] = f"{REFERENCE_PREFIX}{key}"
    return document


def tag(ctx, record: dict, document: dict) -> dict:
    return tag_bank_document(ctx.spec.source_key(record), document)


SPECS = (
    FlowSpec(
        "bank_transaction",
        KF_TO_AX,
        "bank_transaction",
        "journal",
        "Id",
        reference_field="DocumentNum",
        reference_table="LedgerJournalTrans",
        schedule_minutes=60,
        description="Reconciled bank lines not matched to a synced payment become AX bank journal lines",
        decide=bank_line_decision,
        resolve=tag,
    ),
)
