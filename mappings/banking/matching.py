"""Apply the accountant's bank matching rules to a KashFlow bank line (plain Python over rule rows)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Counter:
    rule: str
    account_type: str  # LedgerJournalACType: Ledger, Vend, Cust, Bank
    account: str


def _amount(value) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def has_condition(rule) -> bool:
    return bool(
        rule.bank_account_id or rule.direction != "any" or rule.transaction_type is not None or rule.comment_contains
    )


def rule_matches(rule, line: dict) -> bool:
    if not rule.active or not has_condition(rule):
        return False
    if rule.bank_account_id and str(line.get("AccountId", "")).strip() != rule.bank_account_id.strip():
        return False
    paid_in, paid_out = _amount(line.get("PaidIn")), _amount(line.get("PaidOut"))
    if rule.direction == "in" and not paid_in > 0:
        return False
    if rule.direction == "out" and not paid_out > 0:
        return False
    if rule.transaction_type is not None and line.get("TransactionType") != rule.transaction_type:
        return False
    comment = str(line.get("Comment") or "").casefold()
    return not (rule.comment_contains and rule.comment_contains.casefold() not in comment)


def counter_for(rules, line: dict) -> Counter | None:
    """The counter-account of the first matching rule (rules in position order), or None: no guess."""
    for rule in rules:
        if not rule_matches(rule, line):
            continue
        account = rule.counter_account.strip()
        if not account and rule.counter_account_type == "Vend":
            account = str(line.get("SupplierCode") or "").strip()
        if not account and rule.counter_account_type == "Cust":
            account = str(line.get("CustomerCode") or "").strip()
        if account:
            return Counter(rule.name, rule.counter_account_type, account)
    return None
