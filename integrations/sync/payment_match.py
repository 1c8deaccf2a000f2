"""Which posted customer payment in AX is the payment journal LedgerBridge sent: money, not a document number.

CustPaymJournalService only creates, so AX shows a payment back only once posted, as customer transactions
(CustomerTransactionService ``find``) carrying the journal line's DocumentNum, which the payment mapping fills
with the KashFlow payment Id: a small integer, which a document number typed by hand in AX can equal. So a posted
payment is ours only when it also carries the money sent (amount and currency of the customer lines) on the
customer it was sent for (AccountNum). Used where a link learns its payment is posted (``confirm``: the key of a
payment created under an unconfirmed key, and ``refresh_posted``'s mark) and where a full run checks that posted
payments are still there (``verify.by_posted_payments``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Q

from integrations.models import RecordOutcome

CANNOT_COMPARE = (
    "the document LedgerBridge sent is not known (no mapped document kept for it, or its customer lines name no single "
    "currency and customer), so its money cannot be compared"
)


@dataclass(frozen=True)
class Sent:
    """The money a payment journal sent to AX carried on its customer lines (received: positive), and for whom."""

    amount: Decimal
    currency: str
    account: str = ""  # the customer account (LedgerDimension Account of the customer lines)


@dataclass(frozen=True)
class PaymentMatch:
    voucher: str = ""  # the one posted payment that is the document sent: its key from now on
    problem: str = ""  # why AX's posted payments cannot confirm it (empty: nothing posted yet, or confirmed)


def sent_money(document: dict | None) -> Sent | None:
    """Amount, currency and customer of a payment journal document's customer lines (credit - debit); None when the
    document is unknown or its customer lines name no single currency and customer account."""
    lines = [
        line
        for line in (document or {}).get("LedgerJournalTrans") or []
        if isinstance(line, dict) and (line.get("AccountType") or "Cust") == "Cust"
    ]
    currencies = {str(line.get("CurrencyCode") or "").upper() for line in lines}
    accounts = {_account(line) for line in lines}
    if not lines or len(currencies) != 1 or "" in currencies or len(accounts) != 1 or "" in accounts:
        return None
    amount = sum((_dec(line.get("AmountCurCredit")) - _dec(line.get("AmountCurDebit")) for line in lines), Decimal(0))
    return Sent(amount, currencies.pop(), accounts.pop())


def _account(line: dict) -> str:
    dimension = line.get("LedgerDimension")
    account = dimension.get("Account") if isinstance(dimension, dict) else line.get("AccountNum")
    return str(account or "").strip()


def match_payment(reference: str, rows: list[dict], sent: Sent | None) -> PaymentMatch:
    """Which posted payment (customer transactions of one voucher: a payment received is negative on the customer)
    is the document sent under ``reference``. Exactly one voucher with the sent amount and currency on the sent
    customer confirms it; none posted yet waits; several, only other money or another customer, or a document whose
    money is not known (nothing to compare) is a problem for a person."""
    vouchers: dict[str, tuple[Decimal, set[str], set[str]]] = {}
    for row in rows:
        voucher = str(row.get("Voucher") or "")
        total, currencies, accounts = vouchers.get(voucher, (Decimal(0), set(), set()))
        vouchers[voucher] = (
            total - _dec(row.get("AmountCur")),
            currencies | {str(row.get("CurrencyCode") or "").upper()},
            accounts | {str(row.get("AccountNum") or "").strip()},
        )
    if not vouchers:
        return PaymentMatch()
    shown = ", ".join(
        f"{v or '(no voucher)'} {total:.2f} {'/'.join(sorted(c))} customer {'/'.join(sorted(a)) or '?'}"
        for v, (total, c, a) in sorted(vouchers.items())
    )
    if sent is None:
        return PaymentMatch(
            problem=f"AX shows posted payments with document {reference} ({shown}), but {CANNOT_COMPARE}."
        )
    same = [
        v
        for v, (total, currencies, accounts) in vouchers.items()
        if v and total == sent.amount and currencies == {sent.currency} and accounts == {sent.account}
    ]
    if len(same) == 1:
        return PaymentMatch(voucher=same[0])
    if same:
        return PaymentMatch(
            problem=f"AX shows {len(same)} posted payments of {sent.amount:.2f} {sent.currency} from customer "
            f"{sent.account} with document {reference} ({shown}): it may be in AX more than once."
        )
    return PaymentMatch(
        problem=f"AX shows the payment with document {reference} posted as {shown}; LedgerBridge sent "
        f"{sent.amount:.2f} {sent.currency} from customer {sent.account}."
    )


def sent_for_links(flow, links: list[tuple[str, str, str]], *, latest_too: bool = True) -> dict[str, Sent | None]:
    """What went to AX for each link ``(source key, AX key, pending MessageId)``, by source key: the mapped document
    of the outcome that wrote it (the one AX answered with that key, or under that MessageId); else, with
    ``latest_too``, the latest mapped document kept for the record. One query for all links."""
    if not links:
        return {}
    outcomes = (
        RecordOutcome.objects.filter(
            Q(run__flow=flow, flow__isnull=True) | Q(flow=flow),
            source_key__in=[source for source, _, _ in links],
            mapped_document__isnull=False,
        )
        .order_by("-id")
        .values_list("source_key", "target_key", "message_id", "mapped_document")
    )
    wanted = {source: (target, message) for source, target, message in links}
    exact: dict[str, dict] = {}
    latest: dict[str, dict] = {}
    for source, target, message, document in outcomes:
        key, pending = wanted[source]
        latest.setdefault(source, document)
        if (key and target == key) or (pending and message == pending):
            exact.setdefault(source, document)
    return {source: sent_money(exact.get(source, latest.get(source) if latest_too else None)) for source in wanted}


def _dec(value) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        return Decimal(0)
