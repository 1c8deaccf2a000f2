"""The suggested fix shown beside an exception, and what "apply at the mapping level" needs to know.

The sync engine may store a ``suggested_fix`` dict on the item. For a value that a value map lacks
we read (in this order) ``suggested_fix["value_map"]`` / ``["value"]``, then the message's own words
("value '4900' not in value map nominal_to_main_account"), and ask the mapping app for the nearest
valid targets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mappings import reference
from mappings.models import ValueMap
from mappings.suggestions import suggest_value_map_fix
from monitoring.business import gap_of, lines_with_nominal, money, record_context
from monitoring.models import ExceptionItem

# The AX account types (DimensionLedgerAccountType) a KashFlow nominal of each type may post to. ProfitAndLoss
# and BalanceSheet are AX's unspecific types: a P&L account may hold revenue or expense, so it stays a candidate.
TYPES_FOR_NOMINAL = {
    "sales": {"Revenue", "ProfitAndLoss"},
    "income": {"Revenue", "ProfitAndLoss"},
    "revenue": {"Revenue", "ProfitAndLoss"},
    "expense": {"Expense", "ProfitAndLoss"},
    "expenses": {"Expense", "ProfitAndLoss"},
    "purchases": {"Expense", "ProfitAndLoss"},
    "asset": {"Asset", "BalanceSheet"},
    "liability": {"Liability", "BalanceSheet"},
    "equity": {"Equity", "BalanceSheet"},
}
# Without the nominal's own type, the document decides: a sales line is revenue, a purchase line an expense.
TYPES_FOR_ENTITY = {
    "sales_invoice": ("revenue", {"Revenue", "ProfitAndLoss"}),
    "purchase_invoice": ("expense", {"Expense", "ProfitAndLoss"}),
}
TYPE_WORDS = {t: t.lower() for t in ("Revenue", "Expense", "Asset", "Liability", "Equity")}
# A candidate is offered pre-filled only when the match is strong: its name matches the nominal's name (the
# name similarity alone weighs 0.6 x %), and it is clearly ahead of the next one. Being the neighbour of the
# last code someone mapped is a hint, never a decision.
STRONG_SCORE = 60
STRONG_LEAD = 10


@dataclass
class ValueMapFix:
    mapping_set: Any  # mappings.MappingSet
    value_map: str
    value: str
    candidates: list = field(default_factory=list)  # mappings.suggestions.Suggestion
    source_name: str = ""  # the KashFlow nominal's name
    source_type: str = ""  # the KashFlow nominal's type
    allowed_types: set[str] = field(default_factory=set)  # AX account types offered; empty: not filtered
    type_label: str = ""  # "revenue", "expense": what the candidates are
    account_names: dict[str, str] = field(default_factory=dict)
    account_types: dict[str, str] = field(default_factory=dict)
    choices: list[tuple[str, str]] = field(default_factory=list)  # every account offered (type-filtered)

    @property
    def best(self) -> str:
        """The candidate to pre-fill: only a strong match; otherwise the accountant chooses."""
        if not self.candidates:
            return ""
        first = self.candidates[0]
        score = first.get("score", 0) if isinstance(first, dict) else first.score
        second = self.candidates[1] if len(self.candidates) > 1 else None
        second_score = (second.get("score", 0) if isinstance(second, dict) else second.score) if second else 0
        if score < STRONG_SCORE or score - second_score < STRONG_LEAD:
            return ""
        return str(first.get("value", "")) if isinstance(first, dict) else first.value

    def type_problem(self, target: str) -> str:
        """Why ``target`` does not suit this value (unknown account, wrong type); "" when it does."""
        if self.account_names and target not in self.account_names:
            return f"AX has no main account {target}."
        kind = self.account_types.get(target, "")
        if self.allowed_types and kind and kind not in self.allowed_types:
            what = f"{self.value} {self.source_name}".strip()
            name = f"{target} {self.account_names.get(target, '')}".strip()
            article = "an" if kind[:1] in "AEIOU" else "a"
            return f"{name} is {article} {kind} account; {what} needs {self._article(self.type_label)} account."
        return ""

    @staticmethod
    def _article(word: str) -> str:
        return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}".strip()

    def label_of(self, target: str) -> str:
        return self.account_names.get(target, "")


def value_map_gap(item: ExceptionItem) -> tuple[str, str] | None:
    """(value map name, missing value) when the item failed because a value map lacks a value."""
    not_mapped = item.error_class == ExceptionItem.ErrorClass.VALUE_NOT_MAPPED or item.error_code == "value_not_mapped"
    return gap_of(item.message or "", item.suggested_fix, value_not_mapped=not_mapped)


def _allowed_types(entity: str, source_type: str) -> tuple[set[str], str]:
    if source_type and source_type.lower() in TYPES_FOR_NOMINAL:
        allowed = TYPES_FOR_NOMINAL[source_type.lower()]
        return allowed, TYPE_WORDS.get(min(allowed - {"ProfitAndLoss", "BalanceSheet"}, default=""), "")
    if entity in TYPES_FOR_ENTITY:
        label, allowed = TYPES_FOR_ENTITY[entity]
        return allowed, label
    return set(), ""


def value_map_fix_for(item: ExceptionItem, *, limit: int = 5) -> ValueMapFix | None:
    gap = value_map_gap(item)
    if gap is None:
        return None
    mapping_set = item.flow.published_mapping_set()
    if mapping_set is None:
        return None
    name, value = gap
    fix = ValueMapFix(mapping_set=mapping_set, value_map=name, value=value)
    value_map = mapping_set.value_maps.filter(name=name).first()
    nominal_map = value_map is not None and value_map.kind == ValueMap.Kind.NOMINAL_TO_MAIN_ACCOUNT
    candidates = None
    if nominal_map:
        fix.source_name = reference.nominals().get(value, "")
        fix.source_type = reference.nominal_types().get(value, "")
        fix.account_names = dict(reference.main_accounts())
        fix.account_types = reference.main_account_types()
        fix.allowed_types, fix.type_label = _allowed_types(item.flow.entity, fix.source_type)
        if fix.account_names:
            candidates = [
                (account, label)
                for account, label in fix.account_names.items()
                if not fix.allowed_types
                or not fix.account_types
                or fix.account_types.get(account, "") in fix.allowed_types
            ]
    fix.choices = list(candidates or [])
    if limit:
        try:
            fix.candidates = list(
                suggest_value_map_fix(
                    mapping_set, name, value, candidates=candidates, source_name=fix.source_name or None, limit=limit
                )
            )
        except Exception:  # suggestions are a help; a failure must not hide the item
            fix.candidates = []
        if not fix.candidates and isinstance(item.suggested_fix, dict) and not nominal_map:
            fix.candidates = [c for c in item.suggested_fix.get("candidates") or [] if isinstance(c, dict)][:limit]
    return fix


@dataclass
class FixImpact:
    """What applying a value-map fix does, for the confirmation: records, money, account, version."""

    fix: ValueMapFix
    target: str
    target_label: str
    target_type: str  # the AX account type
    records: int  # open items with this cause, all sent again
    noun: str  # "invoice", "purchase invoice", "record"
    totals: list[tuple[str, str]]  # (currency, formatted total of the affected lines)
    examples: list[dict]  # a few records: source key, party, lines, amount
    current_version: int | None
    next_version: int
    problem: str  # why the target does not suit; "" when it does

    @property
    def summary(self) -> str:
        """'5 invoices, £1,234.00 to 401500 Sales - consultancy'."""
        noun = self.noun + ("" if self.records == 1 else "s")
        money_text = " + ".join(total for _currency, total in self.totals)
        target = f"{self.target} {self.target_label}".strip()
        return f"{self.records} {noun}{', ' + money_text if money_text else ''} to {target}"


NOUNS = {"sales_invoice": "invoice", "purchase_invoice": "purchase invoice", "journal": "journal"}
EXAMPLES = 10
MAX_ITEMS_READ = 2000


def fix_impact(item: ExceptionItem, fix: ValueMapFix, target: str) -> FixImpact:
    """Sum the lines posted to the missing value over every open item with the same cause (one query)."""
    from mappings import selectors as mapping_selectors

    group = ExceptionItem.objects.filter(fingerprint=item.fingerprint, status=ExceptionItem.Status.OPEN)
    rows = list(group.order_by("first_seen_at", "id").values_list("source_key", "source_payload")[:MAX_ITEMS_READ])
    totals: dict[str, Decimal] = {}
    examples = []
    for source_key, payload in rows:
        context = record_context(payload)
        lines = lines_with_nominal(payload, fix.value)
        amount = sum((line.amount for line in lines if line.amount is not None), Decimal(0))
        if lines:
            totals[context.currency] = totals.get(context.currency, Decimal(0)) + amount
        if len(examples) < EXAMPLES:
            examples.append(
                {
                    "source_key": source_key,
                    "party": context.party,
                    "date": context.document_date,
                    "lines": ", ".join(str(line.number) for line in lines),
                    "amount": money(amount, context.currency) if lines else "",
                }
            )
    draft = mapping_selectors.current_draft(fix.mapping_set.key)
    next_version = draft.version if draft is not None else mapping_selectors.next_version_number(fix.mapping_set.key)
    return FixImpact(
        fix=fix,
        target=target,
        target_label=fix.label_of(target),
        target_type=fix.account_types.get(target, ""),
        records=group.count() if len(rows) >= MAX_ITEMS_READ else len(rows),
        noun=NOUNS.get(item.flow.entity, "record"),
        totals=[(currency, money(total, currency)) for currency, total in sorted(totals.items())],
        examples=examples,
        current_version=fix.mapping_set.version,
        next_version=next_version,
        problem=fix.type_problem(target),
    )


def describe_fix(item: ExceptionItem) -> str:
    """The stored suggestion as one sentence for the page."""
    fix = item.suggested_fix
    if isinstance(fix, dict):
        for key in ("message", "description", "label", "text"):
            if fix.get(key):
                return str(fix[key])
        return ", ".join(f"{k}: {v}" for k, v in fix.items() if not isinstance(v, list | dict))
    if isinstance(fix, str):
        return fix
    return ""
