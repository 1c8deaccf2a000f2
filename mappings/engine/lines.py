"""Lists of items (invoice lines, journal lines): options, splitting and aggregation.

Options (``MappingSpec.options["lines"]``, one object or a list of them, one per target list)::

    {"source": "LineItems",          # the source list (read from the header); inferred from the rules
     "target": "CustInvoiceLine",    # the target list; inferred from rules like CustInvoiceLine[].Quantity
     "number": "LineNum",            # optional: number the output lines 1..n (after split and aggregate)
     "split": {"fields": ["AmountCur"],            # or "field": "AmountCur"
               "allocations": [{"percent": 60, "dimensions": {"Department": "022"}},
                               {"percent": 40, "dimensions": {"Department": "023"}}],
               "decimals": 2,                      # rounding of each part; the last part takes the remainder
               "when": [conditions]},              # optional: split only the items these hold for
     "aggregate": {"by": ["LedgerDimension.Account", "TaxGroup", "DefaultDimension"],
                   "sum": ["AmountCur", "Quantity"]}}

Per item: the field rules, then the line dimension rules, then the split (each part gets the item's
dimensions overlaid with its allocation's), then the AX dimension fields are built. Aggregation then merges
output lines with equal ``by`` values (paths into the output line; objects compare by content), summing
the ``sum`` fields; every other field keeps the first line's value. Percentages must total 100, and the
parts of a split amount always add up to the amount exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mappings.engine.conditions import Test, compile_all
from mappings.engine.context import CompileContext
from mappings.engine.errors import SpecError
from mappings.engine.expressions import to_decimal
from mappings.engine.paths import compile_getter, compile_setter, parse_path
from mappings.engine.values import deep_copy


@dataclass(frozen=True)
class Allocation:
    percent: Decimal
    dimensions: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Split:
    fields: tuple[tuple[Callable[[Any], Any], Callable[[dict, Any], None]], ...]
    allocations: tuple[Allocation, ...]
    quantum: Decimal
    when: Test | None

    def apply(self, line: dict[str, Any], dims: dict[str, str]) -> list[tuple[dict[str, Any], dict[str, str]]]:
        parts = [(deep_copy(line), {**dims, **dict(a.dimensions)}) for a in self.allocations]
        for get, put in self.fields:
            value = get(line)
            if value is None or value == "":
                continue
            total = to_decimal(value)
            allocated = Decimal(0)
            last = len(parts) - 1
            for i, (part, _) in enumerate(parts):
                if i == last:
                    amount = total - allocated
                else:
                    amount = (total * self.allocations[i].percent / 100).quantize(self.quantum, ROUND_HALF_UP)
                    allocated += amount
                put(part, amount)
        return parts


@dataclass(frozen=True)
class Aggregate:
    by: tuple[Callable[[Any], Any], ...]
    sums: tuple[tuple[Callable[[Any], Any], Callable[[dict, Any], None]], ...]

    def apply(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Raises (before changing any line) when an amount to sum is not a number."""
        for line in lines:
            for get, _ in self.sums:
                value = get(line)
                if value is not None and value != "":
                    to_decimal(value)
        merged: dict[tuple, dict[str, Any]] = {}
        for line in lines:
            key = tuple(freeze(get(line)) for get in self.by)
            first = merged.get(key)
            if first is None:
                merged[key] = line
                continue
            for get, put in self.sums:
                a, b = get(first), get(line)
                if b is None or b == "":
                    continue
                put(first, to_decimal(b) if a is None or a == "" else to_decimal(a) + to_decimal(b))
        return list(merged.values())


@dataclass(frozen=True)
class LineOptions:
    source: str
    target: str
    number: str | None = None
    split: Mapping[str, Any] | None = None
    aggregate: Mapping[str, Any] | None = None


def parse_line_options(raw: Any) -> list[LineOptions]:
    """The ``lines`` option as a list (raises SpecError on a wrong shape)."""
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    out = []
    allowed = {"source", "target", "number", "split", "aggregate"}
    for item in items:
        if not isinstance(item, Mapping):
            raise SpecError("each lines option must be an object")
        unknown = set(item) - allowed
        if unknown:
            raise SpecError(f"unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        for key in ("source", "target", "number"):
            if item.get(key) is not None and not isinstance(item.get(key), str):
                raise SpecError(f"{key} must be a path")
        out.append(
            LineOptions(
                source=(item.get("source") or "").strip(),
                target=(item.get("target") or "").strip(),
                number=item.get("number") or None,
                split=item.get("split") or None,
                aggregate=item.get("aggregate") or None,
            )
        )
    return out


def compile_split(raw: Mapping[str, Any], cctx: CompileContext) -> Split:
    if not isinstance(raw, Mapping):
        raise SpecError("split must be an object")
    fields = raw.get("fields", raw.get("field"))
    if isinstance(fields, str):
        fields = [fields]
    if not fields or not isinstance(fields, list | tuple) or not all(isinstance(f, str) for f in fields):
        raise SpecError("split needs field (or fields): the amount fields of the output line to split")
    allocations = raw.get("allocations")
    if not isinstance(allocations, list | tuple) or len(allocations) < 1:
        raise SpecError("split needs a list of allocations")
    parsed = []
    for a in allocations:
        if not isinstance(a, Mapping):
            raise SpecError("each allocation must be an object with percent and dimensions")
        try:
            percent = to_decimal(a.get("percent"))
        except (ValueError, TypeError, ArithmeticError):
            raise SpecError(f"allocation percent {a.get('percent')!r} is not a number") from None
        if not isinstance(percent, Decimal) or not percent.is_finite() or percent <= 0:
            raise SpecError("each allocation needs a positive percent")
        dims = a.get("dimensions") or {}
        if not isinstance(dims, Mapping):
            raise SpecError("allocation dimensions must be an object")
        parsed.append(Allocation(percent, tuple((str(k), str(v)) for k, v in dims.items())))
    total = sum((a.percent for a in parsed), Decimal(0))
    if total != 100:
        raise SpecError(f"allocation percentages add up to {total}, not 100")
    decimals = raw.get("decimals", 2)
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 12:
        raise SpecError("decimals must be 0..12")
    when = compile_all(raw["when"], cctx) if raw.get("when") else None
    accessors = tuple((compile_getter(parse_path(f)), compile_setter(parse_path(f))) for f in fields)
    return Split(accessors, tuple(parsed), Decimal(1).scaleb(-decimals), when)


def compile_aggregate(raw: Mapping[str, Any]) -> Aggregate:
    if not isinstance(raw, Mapping):
        raise SpecError("aggregate must be an object with by and sum")
    by, sums = raw.get("by") or [], raw.get("sum") or []
    if not isinstance(by, list | tuple) or not all(isinstance(b, str) for b in by):
        raise SpecError("aggregate.by must be a list of paths into the output line")
    if not isinstance(sums, list | tuple) or not sums or not all(isinstance(s, str) for s in sums):
        raise SpecError("aggregate.sum must list the amount fields to add up")
    return Aggregate(
        tuple(compile_getter(parse_path(b)) for b in by),
        tuple((compile_getter(parse_path(s)), compile_setter(parse_path(s))) for s in sums),
    )


def freeze(value: Any) -> Any:
    """A hashable stand-in for a JSON value, so objects (DefaultDimension) can be aggregation keys."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def number_lines(lines: list[dict[str, Any]], field: str) -> None:
    for i, line in enumerate(lines, 1):
        line[field] = i
