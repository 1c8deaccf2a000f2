"""Checks on a mapped document that we can make before AX sees it."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from integrations.sync.errors import ValidationFailed


def _amount(value) -> Decimal:
    try:
        return Decimal(str(value or 0))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(f"{value!r} is not an amount.", code="not_an_amount") from None


def _journal_balances(document: dict) -> None:
    lines = document.get("LedgerJournalTrans") or []
    if not lines:
        raise ValidationFailed("The journal has no lines.", code="no_lines")
    debit = sum((_amount(line.get("AmountCurDebit")) for line in lines), Decimal(0))
    credit = sum((_amount(line.get("AmountCurCredit")) for line in lines), Decimal(0))
    # A payment or vendor invoice journal has one line whose offset account balances it in AX.
    offsets = any(line.get("OffsetLedgerDimension") or line.get("OffsetAccountType") for line in lines)
    if debit != credit and not offsets and len(lines) > 1:
        raise ValidationFailed(
            f"The journal does not balance: debits {debit} and credits {credit}.",
            code="unbalanced",
            suggested_fix={"kind": "check_source", "message": "Debits must equal credits in the KashFlow journal."},
        )


def _invoice_has_lines(document: dict) -> None:
    if not document.get("CustInvoiceLine"):
        raise ValidationFailed("The invoice has no lines.", code="no_lines")


CHECKS = {
    ("journal", "kf_to_ax"): _journal_balances,
    ("sales_invoice", "kf_to_ax"): _invoice_has_lines,
}


def validate(ctx, document: dict) -> None:
    check = CHECKS.get((ctx.spec.entity, ctx.spec.direction))
    if check:
        check(document)
