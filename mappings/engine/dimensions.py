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

from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from mappings.engine.conditions import Test, compile_all
from mappings.engine.context import CompileContext, RecordContext, resolve_source_path
from mappings.engine.errors import RULE_ERROR, Issue, SpecError
from mappings.engine.spec import DimensionRuleSpec
from mappings.engine.valuemaps import as_number

DIMENSION_ORDER = ("Department", "CostCenter", "BusinessUnit", "ItemGroup", "Project", "Customer", "Vendor")
LEVELS = ("header", "line")


class CompiledDimensionRule(NamedTuple):
    """Unpacks as (test, dimensions, stop, name, level); ``evaluate`` runs over these tuples."""

    test: Test
    dimensions: tuple[tuple[str, str], ...]
    stop: bool
    name: str
    level: str


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
    return CompiledDimensionRule(compile_all(spec.conditions, cctx), tuple(dims), spec.stop, spec.name, spec.level)


def evaluate(rules: Iterable[CompiledDimensionRule], ctx: RecordContext) -> dict[str, str]:
    values: dict[str, str] = {}
    for test, dimensions, stop, name, level in rules:
        try:
            matched = test(ctx)
        except Exception as exc:  # a condition over a value of an odd type: the rule does not match
            field = "DefaultDimension" if ctx.index is None else f"{ctx.lines}[{ctx.index}].DefaultDimension"
            message = f"dimension rule {name!r} ({level}) could not be checked: {type(exc).__name__}"
            ctx.issues.append(Issue(RULE_ERROR, field, f"dimension_rules.{name}", message))
            continue
        if matched:
            for name, value in dimensions:
                if name not in values:
                    values[name] = value
            if stop:
                break
    return values


def int_equality(spec: DimensionRuleSpec, cctx: CompileContext) -> tuple[str, int] | None:
    """(item key, whole number) when the rule is a first-match rule testing one field of the line item for
    equality with a whole number (``LineItems[].NominalCode eq 4000``): such runs of rules become one dict."""
    conditions = spec.conditions
    if not spec.stop or not isinstance(conditions, list | tuple) or len(conditions) != 1:
        return None
    cond = conditions[0]
    if not isinstance(cond, Mapping) or cond.get("op", "eq") != "eq" or cond.get("map") not in (None, ""):
        return None
    field = cond.get("field")
    if not isinstance(field, str) or not field:
        return None
    try:
        on_item, _, key = resolve_source_path(field, cctx)
    except SpecError:
        return None
    want = as_number(cond.get("value"))
    if not on_item or key is None or want is None or want != want.to_integral_value():
        return None
    return key, int(want)


def compile_evaluator(
    rules: tuple[CompiledDimensionRule, ...], int_keys: tuple[tuple[str, int] | None, ...]
) -> Callable[[RecordContext], dict[str, str]]:
    """``evaluate`` for one list's line rules. A leading run of first-match rules testing the same item field
    against whole numbers is answered by one dict lookup for int values (what ``equal`` compares exactly);
    any other value, or a value none of them holds, goes through the rules as ``evaluate`` does."""
    key = None
    table: dict[int, dict[str, str]] = {}
    prefix = 0
    for rule, found in zip(rules, int_keys, strict=False):
        if found is None or (key is not None and found[0] != key):
            break
        key = found[0]
        if found[1] not in table:
            values: dict[str, str] = {}
            for name, value in rule.dimensions:
                values.setdefault(name, value)
            table[found[1]] = values
        prefix += 1
    if prefix < 2:
        return lambda ctx: evaluate(rules, ctx)
    rest = rules[prefix:]

    def evaluate_line(ctx: RecordContext) -> dict[str, str]:
        item = ctx.item
        v = item.get(key) if type(item) is dict else None
        if type(v) is int:
            hit = table.get(v)
            if hit is not None:
                return hit.copy()
            return evaluate(rest, ctx) if rest else {}
        return evaluate(rules, ctx)

    return evaluate_line


_RANKS: dict[tuple[str, ...], dict[str, int]] = {}


def ordered(values: Mapping[str, Any], order: tuple[str, ...] = DIMENSION_ORDER) -> list[tuple[str, Any]]:
    if len(values) <= 1:
        return list(values.items())
    rank = _RANKS.get(order)
    if rank is None:
        rank = _RANKS[order] = {name: i for i, name in enumerate(order)}
    last = len(rank)
    return sorted(values.items(), key=lambda kv: (rank.get(kv[0], last), kv[0]))


_LAYOUTS: dict[tuple[str, ...], dict[tuple, tuple[tuple[tuple[str, Any], ...], str]]] = {}  # per order


def _layout(values: Mapping[str, Any], order: tuple[str, ...]) -> tuple[tuple[tuple[str, Any], ...], str]:
    """The ordered (name, value) pairs and the display suffix ("-022-OU_4"), memoised: a mapping uses
    few distinct combinations of dimension values."""
    layouts = _LAYOUTS.get(order)
    if layouts is None:
        layouts = _LAYOUTS[order] = {}
    key = tuple(values.items())
    try:
        return layouts[key]
    except KeyError:
        pass
    except TypeError:  # unhashable values set by a field rule
        pairs = tuple(ordered(values, order))
        return pairs, "".join(f"-{v}" for _, v in pairs)
    pairs = tuple(ordered(values, order))
    found = (pairs, "".join(f"-{v}" for _, v in pairs))
    if len(layouts) < 20_000:
        layouts[key] = found
    return found


def finish_line(
    line: dict[str, Any],
    values: Mapping[str, Any],
    line_target: str | None,
    ledger_fields: tuple[str, ...],
    inherited: Mapping[str, Any],
    order: tuple[str, ...],
) -> None:
    """Write a line's DefaultDimension (when the mapping has line dimension rules) and complete each
    LedgerDimension whose Account a field rule set (a bare account text counts too)."""
    if line_target is not None:
        existing = line.get(line_target)
        merged = {**dimension_values(existing), **values} if existing is not None else values
        pairs = _layout(merged, order)[0]
        line[line_target] = {"Values": [{"Name": n, "Value": v} for n, v in pairs]}
    for name in ledger_fields:
        ledger = line.get(name)
        if ledger is None:
            continue
        if type(ledger) is dict:
            if "Account" not in ledger:
                continue
            account = ledger["Account"]
            merged = {**inherited, **dimension_values(ledger), **values} if "Values" in ledger else None
        elif isinstance(ledger, str | int):
            account, merged = ledger, None
        else:
            continue
        if merged is None:
            merged = {**inherited, **values} if inherited else values
        pairs, suffix = _layout(merged, order)
        account_text = "" if account is None else str(account)
        line[name] = {
            "Account": account_text,
            "DisplayValue": account_text + suffix,
            "Values": [{"Name": n, "Value": v} for n, v in pairs],
        }


def default_dimension(values: Mapping[str, Any], order: tuple[str, ...] = DIMENSION_ORDER) -> dict[str, Any]:
    """AX DefaultDimension: ``{"Values": [{"Name", "Value"}]}`` in the fixed dimension order."""
    return {"Values": [{"Name": n, "Value": v} for n, v in ordered(values, order)]}


def dimension_values(existing: Any) -> dict[str, Any]:
    """The values of a DefaultDimension already in a document (set by a field rule), as a dict."""
    out: dict[str, Any] = {}
    if isinstance(existing, dict):
        for pair in existing.get("Values") or ():
            if isinstance(pair, dict) and pair.get("Name"):
                out[str(pair["Name"])] = pair.get("Value")
    return out
