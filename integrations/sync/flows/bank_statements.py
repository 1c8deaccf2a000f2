"""The bank flow's statement path: KashFlow bank lines to AX as bank statements (BankStmtService, AX 2012 R2).

One statement per KashFlow bank account and calendar month, sent once the month is over and every line of it is
reconciled in KashFlow; BankStmtService has no update (D1: C, R, D, F, GK, GCK), so a statement is written complete,
once. Each line carries KashFlow's transaction ``Id`` as its ``EntryReference`` for AX's advanced bank
reconciliation to match. Before sending, the portal's matching rules are applied: a receipt whose payment the
payments flow posts is marked matched, and so is a supplier payment the supplier payments flow posts; other lines
carry the counter-account the first matching rule suggests, or say that none does, in ``AdditionalEntryInformation``
(AX's statement line has no offset account we know of: inferred), for the accountant reconciling in AX. Nothing is
posted to the ledger by this path, so an unmatched line is left to AX's reconciliation worksheet rather than
guessed.

Each line's record links to its statement; the statement's MessageId is derived from its Identification and
content, and after an ambiguous failure the statement is looked up by Identification (``find``) before
writing again.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from integrations.models import Flow, RecordLink
from integrations.sync.decisions import Action, Decision
from integrations.sync.load import call, write
from integrations.sync.mapping import map_record
from integrations.sync.messageid import content_hash, message_id
from mappings.banking.matching import counter_for

ENTITY = "bank_statement"
RECEIPT_ENTITIES = {"invoice", "invoicebatchpayment"}
# A supplier payment's bank line names its purchase or bulk payment (hcs-schemas lib/bankTransaction.js:
# 'purchase' / 'purchasebatchpayment' + ResourceNumber).
SUPPLIER_PAYMENT_ENTITIES = {"purchase", "purchasebatchpayment"}


def _money(value) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def period_of(record: dict) -> str:
    return str(record.get("Date") or "")[:7]  # YYYY-MM


def statement_id(record: dict) -> str:
    return f"KF-{record.get('AccountId')}-{period_of(record)}"


def period_over(period: str, today: date) -> bool:
    return bool(period) and period < today.strftime("%Y-%m")


def _lines_by_statement(ctx) -> dict[str, list[dict]]:
    name = "bank_lines_by_statement"
    if name not in ctx.cache:
        lines = call(ctx, lambda: list(ctx.source.list_changed(ctx.spec.source_entity)), what="list bank lines")
        grouped: dict[str, list[dict]] = {}
        for line in lines:
            grouped.setdefault(statement_id(line), []).append(line)
        ctx.cache[name] = grouped
    return ctx.cache[name]


def supplier_payments_flow(ctx) -> bool:
    """Whether the pair has a KashFlow -> AX supplier payments flow (paused or not: it posts them when resumed)."""
    if "supplier_payments_flow" not in ctx.cache:
        ctx.cache["supplier_payments_flow"] = Flow.objects.filter(
            pair=ctx.flow.pair, entity="supplier_payment", direction="kf_to_ax"
        ).exists()
    return ctx.cache["supplier_payments_flow"]


def _match_note(rules, line: dict, supplier_payments: bool = False) -> tuple[str, str]:
    """(kind, text): matched / suggested / unmatched, as the statement line tells the accountant."""
    entity = str(line.get("EntityName") or "").lower()
    if entity in RECEIPT_ENTITIES and _money(line.get("PaidIn")) > 0:
        return "matched", f"LedgerBridge: matched to the payment of invoice {line.get('ResourceNumber')}"
    if supplier_payments and entity in SUPPLIER_PAYMENT_ENTITIES and _money(line.get("PaidOut")) > 0:
        return "matched", f"LedgerBridge: matched to the supplier payment of {entity} {line.get('ResourceNumber')}"
    counter = counter_for(rules, line)
    if counter is None:
        return "unmatched", "LedgerBridge: no matching rule"
    return "suggested", f"LedgerBridge: counter-account {counter.account_type} {counter.account} ({counter.rule})"


def build_statement(ctx, identification: str, lines: list[dict], rules) -> tuple[dict, dict[str, int]]:
    """The AxdBankStmt document of one statement, and how many lines are matched / suggested / unmatched."""
    first = sorted(lines, key=lambda r: (str(r.get("Date") or ""), str(r.get("Id"))))
    mapped = map_record(ctx, first[0])  # the flow's mapping names the AX bank account and its currency
    journal_line = (mapped.get("LedgerJournalTrans") or [{}])[0]
    year, month = (int(p) for p in period_of(first[0]).split("-"))
    counts = {"matched": 0, "suggested": 0, "unmatched": 0}
    entries = []
    for line in first:
        kind, note = _match_note(rules, line, supplier_payments_flow(ctx))
        counts[kind] += 1
        paid_in, paid_out = _money(line.get("PaidIn")), _money(line.get("PaidOut"))
        comment = str(line.get("Comment") or "").strip()
        entries.append(
            {
                "EntryReference": str(line.get("Id")),
                "BookingDateTime": str(line.get("Date") or "")[:10],
                "Amount": str(paid_in if paid_in else paid_out),
                "AmountCreditDebitIndicator": "Credit" if paid_in else "Debit",  # money in credits the account
                "AdditionalEntryInformation": f"{comment} | {note}"[:250] if comment else note,
            }
        )
    document = {
        "Identification": identification,
        "BankAccountTable": str((journal_line.get("LedgerDimension") or {}).get("Account") or ""),
        "FromDateTime": date(year, month, 1).isoformat(),
        "ToDateTime": date(year, month, calendar.monthrange(year, month)[1]).isoformat(),
        "Currency": str(journal_line.get("CurrencyCode") or ""),
        "BankStmtISOReportEntry": entries,
    }
    return document, counts


def _found_id(found: dict | None) -> str | None:
    return str(found["Identification"]) if found and found.get("Identification") else None


def statement_decision(ctx, record: dict, key: str, link, rules) -> Decision:
    identification = statement_id(record)
    period = period_of(record)
    if not period_over(period, timezone.localdate()):
        return Decision(
            Action.SKIPPED, "", note=f"on statement {identification}, sent when {period} is over", link=False
        )
    lines = _lines_by_statement(ctx).get(identification) or [record]
    waiting = [str(line.get("Id")) for line in lines if not line.get("Reconciled")]
    if waiting:
        note = f"statement {identification} waits for {len(waiting)} line(s) to be reconciled in KashFlow"
        return Decision(Action.SKIPPED, "", note=note, link=False)
    sent = ctx.cache.setdefault("bank_statements_sent", {})
    if identification not in sent:
        earlier = RecordLink.objects.filter(flow=ctx.flow, target_key=identification).exists()
        if earlier:
            sent[identification] = identification
    if identification in sent:
        return Decision(Action.SKIPPED, sent[identification], note=f"on bank statement {identification}")
    document, counts = build_statement(ctx, identification, lines, rules)
    digest = content_hash(document)
    mid = message_id(flow_id=ctx.flow.pk, source_key=identification, digest=digest)
    result = write(
        ctx,
        lambda: ctx.target.create(ENTITY, document, message_id=mid),
        lookup=lambda: _found_id(ctx.target.find_by_reference(ENTITY, identification)),
    )
    sent[identification] = result.key
    note = (
        f"bank statement {identification}: {len(lines)} lines ({counts['matched']} matched, "
        f"{counts['suggested']} with a suggested counter-account, {counts['unmatched']} for AX's reconciliation)"
    )
    if result.recovered:
        note += "; found in AX after an ambiguous failure, not written again"
    decision = Decision(Action.CREATED, result.key, mid, result.attempts, note, digest=digest)
    decision.document = document
    return decision
