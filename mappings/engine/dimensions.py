"""Financial dimension rules and AX's dimension formats.

Rules are evaluated in order per level (header: once per record; line: once per line item, whose
conditions read the item through ``LineItems[].X`` / ``item.X`` and the header through plain paths).
A matching rule contributes its dimensions; a dimension set by an earlier matching rule is kept. A
matching rule with ``stop`` ends the evaluation (first match); without it, later rules still apply (all
matches).

AX formats: ``DefaultDimension`` = ``{"Values": [{"Name": "Department", "Value": "022"}, ...]}`` and
``LedgerDimension`` = ``{"Account": "401100", "DisplayValue": "401100-022-OU_4", "Values": [...]}``, the
values ordered by ``DIMENSION_ORDER`` (then by name) and the display value joining the account and the
values with ``-``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mappings.engine.conditions import Test, compile_all
from mappings.engine.context import CompileContext, RecordContext
from mappings.engine.errors import SpecError
from mappings.engine.spec import DimensionRuleSpec

DIMENSION_ORDER = ("Department", "CostCenter", "BusinessUnit", "ItemGroup", "Project", "Customer", "Vendor")
LEVELS = ("header", "line")


@dataclass(frozen=True)
class CompiledDimensionRule:
    name: str
    level: str
    test: Test
    dimensions: tuple[tuple[str, str], ...]
    stop: bool


def compile_dimension_rule(spec: DimensionRuleSpec, cctx: CompileContext) -> CompiledDimensionRule:
    if spec.level not in LEVELS:
        raise SpecError(f"level must be header or line, not {spec.level!r}")
    if not isinstance(spec.dimensions, Mapping) or not spec.dimensions:
        raise SpecError("a dimension rule must set at least one dimension")
    dims = []
    for name, value in spec.dimensions.items():
        if not isinstance(name, str) or not name.strip():
            raise SpecError("a dimension needs a name")
        if value is None or isinstance(value, dict | list | bool):
            raise SpecError(f"dimension {name}: the value must be text")
        dims.append((name.strip(), str(value)))
    return CompiledDimensionRule(spec.name, spec.level, compile_all(spec.conditions, cctx), tuple(dims), spec.stop)


def evaluate(rules: Iterable[CompiledDimensionRule], ctx: RecordContext) -> dict[str, str]:
    values: dict[str, str] = {}
    for rule in rules:
        if rule.test(ctx):
            for name, value in rule.dimensions:
                if name not in values:
                    values[name] = value
            if rule.stop:
                break
    return values


def ordered(values: Mapping[str, Any], order: tuple[str, ...] = DIMENSION_ORDER) -> list[tuple[str, Any]]:
    rank = {name: i for i, name in enumerate(order)}
    return sorted(values.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


def default_dimension(values: Mapping[str, Any], order: tuple[str, ...] = DIMENSION_ORDER) -> dict[str, Any]:
    """AX DefaultDimension: ``{"Values": [{"Name", "Value"}]}`` in the fixed dimension order."""
    return {"Values": [{"Name": n, "Value": v} for n, v in ordered(values, order)]}


def ledger_dimension(account: Any, values: Mapping[str, Any], order: tuple[str, ...] = DIMENSION_ORDER) -> dict:
    """AX LedgerDimension: main account + dimension values, ``DisplayValue`` ``401100-022-OU_4``."""
    pairs = ordered(values, order)
    account_text = "" if account is None else str(account)
    return {
        "Account": account_text,
        "DisplayValue": "-".join([account_text, *(str(v) for _, v in pairs)]),
        "Values": [{"Name": n, "Value": v} for n, v in pairs],
    }


def dimension_values(existing: Any) -> dict[str, Any]:
    """The values of a DefaultDimension already in a document (set by a field rule), as a dict."""
    out: dict[str, Any] = {}
    if isinstance(existing, dict):
        for pair in existing.get("Values") or ():
            if isinstance(pair, dict) and pair.get("Name"):
                out[str(pair["Name"])] = pair.get("Value")
    return out
