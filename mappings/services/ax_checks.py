"""The AX values a mapping writes, checked against AX's own lists: main accounts and financial dimension values.

A value-map target, a value map's default or a dimension rule's value that AX does not have would only fail
later, in AX, record by record. Here it is one problem per value, with the nearest valid values, shown in the
preview and refusing a publish. When AX's lists cannot be read (no connection, AX down) nothing is checked and
``ReferenceCheck.available`` says so: an unreachable AX must not block every publish.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from django.db import transaction

from mappings import reference
from mappings.models import MappingSet, ValueMap

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Choice:
    value: str
    name: str = ""

    @property
    def label(self) -> str:
        return f"{self.value} {self.name}".strip()


@dataclass(frozen=True)
class UnknownValue:
    """One value the mapping writes that AX does not have."""

    where: str  # the rule it belongs to, as the engine names rules: value_maps.<name>, dimension_rules.<name>
    place: str  # in the accountant's words: "Value map nominal_accounts, row 4100"
    kind: str  # "main account" or the dimension's name ("CostCenter")
    value: str
    nearest: tuple[Choice, ...] = ()
    # A value-map row (not its default): the row a chosen nearest value replaces.
    value_map: str = ""
    source_value: str = ""
    source_to: str = ""

    @property
    def message(self) -> str:
        text = f"{self.place}: AX has no {self.kind} {self.value}"
        if self.nearest:
            text += "; nearest: " + ", ".join(c.label for c in self.nearest)
        return text

    def as_issue(self) -> dict:
        """The preview's issue shape (like the engine's ``Issue.as_dict``)."""
        return {
            "code": "unknown_in_ax",
            "field": self.place,
            "rule": self.where,
            "message": self.message,
            "value": self.value,
            "nearest": [{"value": c.value, "name": c.name} for c in self.nearest],
            "value_map": self.value_map,
            "source_value": self.source_value,
            "source_to": self.source_to,
        }


@dataclass
class ReferenceCheck:
    available: bool = True
    unknown: list[UnknownValue] = field(default_factory=list)


def warmed(function: Callable[P, R]) -> Callable[P, R]:
    """Read AX's lists before ``function`` opens its transaction (see ``reference.warm``), so the checks it runs
    inside find them cached. Outside any transaction only: inside one a remote call would hold its locks."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if not transaction.get_connection().in_atomic_block:
            reference.warm()
        return function(*args, **kwargs)

    return wrapper


def nearest(value: str, choices: list[Choice], limit: int = 3) -> tuple[Choice, ...]:
    """The valid values closest to ``value``: the longest shared leading characters first (401xxx for 4015xx),
    then numerically nearest for codes, then by text similarity."""
    value = str(value).strip()

    def prefix(a: str, b: str) -> int:
        n = 0
        for x, y in zip(a.upper(), b.upper(), strict=False):
            if x != y:
                break
            n += 1
        return n

    def number(text: str) -> float | None:
        try:
            return float(text)
        except ValueError:
            return None

    target = number(value)

    def score(c: Choice) -> tuple:
        distance = abs(number(c.value) - target) if target is not None and number(c.value) is not None else 0.0
        similarity = difflib.SequenceMatcher(None, value.upper(), c.value.upper()).ratio()
        return (-prefix(value, c.value), distance, -similarity, c.value)

    return tuple(sorted(choices, key=score)[:limit])


def check_values(
    mapping_set: MappingSet, accounts: list[tuple[str, str]], dimensions: list[tuple[str, str, str]]
) -> list[UnknownValue]:
    """Every main-account value and dimension value of ``mapping_set`` that is not in AX's lists (given)."""
    found: list[UnknownValue] = []
    if accounts:
        valid = {code for code, _ in accounts}
        account_choices = [Choice(code, name) for code, name in accounts]
        maps = mapping_set.value_maps.filter(kind=ValueMap.Kind.NOMINAL_TO_MAIN_ACCOUNT).prefetch_related("entries")
        for vm in maps:
            for entry in vm.entries.all():
                target = entry.target_value.strip()
                if target and target not in valid:
                    label = entry.source_value + (f"..{entry.source_to}" if entry.source_to else "")
                    found.append(
                        UnknownValue(
                            where=f"value_maps.{vm.name}",
                            place=f"Value map {vm.name}, row {label}",
                            kind="main account",
                            value=target,
                            nearest=nearest(target, account_choices),
                            value_map=vm.name,
                            source_value=entry.source_value,
                            source_to=entry.source_to,
                        )
                    )
            default = vm.default_value.strip()
            if default and default not in valid:
                found.append(
                    UnknownValue(
                        where=f"value_maps.{vm.name}",
                        place=f"Value map {vm.name}, default",
                        kind="main account",
                        value=default,
                        nearest=nearest(default, account_choices),
                    )
                )
        for rule, value, what in _account_constants(mapping_set):
            if value not in valid:
                found.append(
                    UnknownValue(
                        where=rule.target_path,
                        place=f"Rule {rule.target_path}, {what}",
                        kind="main account",
                        value=value,
                        nearest=nearest(value, account_choices),
                    )
                )
    if dimensions:
        by_name: dict[str, list[Choice]] = {}
        for name, value, description in dimensions:
            by_name.setdefault(name, []).append(Choice(value, description))
        for rule in mapping_set.dimension_rules.all():
            for name, value in (rule.dimensions or {}).items():
                value = str(value).strip()
                choices = by_name.get(str(name), [])
                if not value or any(c.value == value for c in choices):
                    continue
                found.append(
                    UnknownValue(
                        where=f"dimension_rules.{rule.name}",
                        place=f"Dimension rule {rule.name}",
                        kind=f"{name} value",
                        value=value,
                        nearest=nearest(value, choices),
                    )
                )
    return found


ACCOUNT_FIELDS = (("OffsetLedgerDimension.Account", "OffsetAccountType"), ("LedgerDimension.Account", "AccountType"))


def _account_constants(mapping_set: MappingSet) -> list[tuple[Any, str, str]]:
    """(rule, value, "constant"/"default") of every fixed value a rule writes into a main-account field: a
    ``LedgerDimension.Account`` whose account type is Ledger (a rule setting the type to a constant other than
    Ledger makes it a customer, vendor or bank account instead; no type rule, as on invoice lines, means Ledger)."""
    rules = list(mapping_set.rules.all())
    by_target = {r.target_path: r for r in rules}
    found = []
    for rule in rules:
        for suffix, type_field in ACCOUNT_FIELDS:
            if not rule.target_path.endswith(suffix):
                continue
            type_rule = by_target.get(rule.target_path[: -len(suffix)] + type_field)
            if type_rule is not None and not (
                type_rule.source_kind == "constant" and str(type_rule.source).strip() == "Ledger"
            ):
                break
            if rule.source_kind == "constant" and str(rule.source).strip():
                found.append((rule, str(rule.source).strip(), "constant"))
            if rule.default not in (None, ""):
                found.append((rule, str(rule.default).strip(), "default"))
            break
    return found


def check_against_ax(mapping_set: MappingSet) -> ReferenceCheck:
    """``check_values`` with AX's lists as the product reads them (cached); nothing to check for KashFlow targets."""
    if mapping_set.target_system != "dynamics_ax":
        return ReferenceCheck()
    # Inside a transaction only what is cached: callers ``reference.warm()`` before they open one.
    fetch = not transaction.get_connection().in_atomic_block
    accounts = reference.main_accounts(fetch=fetch)
    dimensions = reference.dimension_values(fetch=fetch)
    if not accounts and not dimensions:
        return ReferenceCheck(available=False)
    return ReferenceCheck(unknown=check_values(mapping_set, accounts, dimensions))
