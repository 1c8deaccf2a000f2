"""Journals: KashFlow journals become AX general journals; they must balance before AX sees them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from integrations.sync.errors import ValidationFailed
from integrations.sync.flows.specs import KF_TO_AX, FlowSpec
from integrations.sync.verify import by_read


def _amount(value) -> Decimal:
    try:
        return Decimal(str(value or 0))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(f"{value!r} is not an amount.", code="not_an_amount") from None


def balances(document: dict) -> None:
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


SPECS = (
    FlowSpec(
        "journal",
        KF_TO_AX,
        "journal",
        "journal",
        "Number",
        reference_field="DocumentNum",
        reference_table="LedgerJournalTrans",
        schedule_minutes=15,
        description="Journals become AX general journals",
        check=balances,
        verify_links=by_read,  # the ledger journal service reads by JournalNum, drafts too
    ),
)
