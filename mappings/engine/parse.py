"""Reading a spec's shape before anything is compiled: which target lists are per-item and where each reads
from, and the dimension options. Errors are collected as ``RuleError``s, never raised."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mappings.engine import dimensions as dims
from mappings.engine.apply import DimensionOptions
from mappings.engine.errors import RuleError, SpecError, reason
from mappings.engine.lines import LineOptions, parse_line_options
from mappings.engine.paths import Path, compile_getter, compile_setter, parse_path
from mappings.engine.spec import MappingSpec, RuleSpec


@dataclass
class Layout:
    """The spec's rules with their parsed targets, and the per-item lists they make up."""

    rules: list[tuple[RuleSpec, Path, str | None]]  # (rule, target, the per-item list it maps into or None)
    sources: dict[str, str]  # per-item target list -> source list
    order: list[str]  # the per-item target lists, in the order the rules name them
    line_options: list[LineOptions]


def rule_name(rule: Any) -> str:
    return str(getattr(rule, "target_path", "") or "?")


def parse_layout(spec: MappingSpec, options: Mapping[str, Any], errors: list[RuleError]) -> Layout:
    """Parse every rule's target and work out the per-item lists: from ``options.lines`` where it says,
    else from the rules' sources (``CustInvoiceLine[].X <- LineItems[].X``)."""
    try:
        line_options = parse_line_options(options.get("lines"))
    except SpecError as exc:
        errors.append(RuleError("options.lines", str(exc)))
        line_options = []
    parsed_rules: list[tuple[RuleSpec, Path, str | None]] = []
    group_sources: dict[str, str] = {o.target: o.source for o in line_options if o.target}
    group_order: list[str] = [o.target for o in line_options if o.target]
    for rule in spec.rules:
        name = rule_name(rule)
        try:
            target = parse_path(rule.target_path)
        except Exception as exc:  # a broken spec is reported, whatever broke
            errors.append(RuleError(name, f"bad target path: {reason(exc)}"))
            continue
        group = None
        if target.has_each:
            head, _ = target.split_each()
            group = head.text
            if group not in group_sources or not group_sources[group]:
                inferred = _inferred_source(rule)
                if group not in group_sources or inferred:
                    group_sources.setdefault(group, "")
                    if inferred and not group_sources[group]:
                        group_sources[group] = inferred
            if group not in group_order:
                group_order.append(group)
        parsed_rules.append((rule, target, group))
    # A lines option without a target applies to the only per-item list.
    untargeted = [o for o in line_options if not o.target]
    if untargeted:
        if len(group_order) == 1 and len(untargeted) == 1:
            only = group_order[0]
            first = untargeted[0]
            source = first.source or group_sources.get(only, "")
            line_options = [LineOptions(source, only, first.number, first.split, first.aggregate)]
            if untargeted[0].source:
                group_sources[only] = untargeted[0].source
        else:
            errors.append(RuleError("options.lines", "say which target list each lines option is for (target)"))
    for group in group_order:
        if not group_sources.get(group):
            errors.append(
                RuleError(
                    "options.lines",
                    f"cannot tell which source list {group}[] maps from: use a source like LineItems[].X "
                    "in one of its rules, or set options.lines.source",
                )
            )
    return Layout(parsed_rules, group_sources, group_order, line_options)


_LIST_IN_TEXT = re.compile(r"([A-Za-z][\w.]*)\[\]")


def _inferred_source(rule: RuleSpec) -> str:
    """``LineItems`` from a source ``LineItems[].Quantity`` (or from such a path inside an expression)."""
    if not isinstance(rule.source, str) or "[]" not in rule.source:
        return ""
    if rule.source_kind == "path":
        return rule.source.split("[]", 1)[0].strip()
    if rule.source_kind == "expression":
        found = _LIST_IN_TEXT.search(rule.source)
        return found.group(1) if found else ""
    return ""


def known_by_prefix(catalog: Any, template: str) -> bool:
    """A rule may write inside a field the catalog declares as an object (LedgerDimension.Account)."""
    parts = template.split(".")
    for i in range(len(parts) - 1, 0, -1):
        spec = catalog.field(".".join(parts[:i]))
        if spec is not None:
            return spec.type == "object"
    return False


def parse_dimension_options(
    raw: Any, group_order: list[str], errors: list[RuleError]
) -> tuple[DimensionOptions, str | None]:
    """``options.dimensions`` and the per-item list the line dimension rules apply to."""
    raw = raw or {}
    if not isinstance(raw, Mapping):
        errors.append(RuleError("options.dimensions", "must be an object"))
        raw = {}
    try:
        order = tuple(str(x) for x in raw.get("order") or dims.DIMENSION_ORDER)
        header_target = raw.get("header_target", "DefaultDimension")
        header_path = parse_path(header_target) if header_target else None
        line_target = raw.get("line_target", "DefaultDimension")
        ledger = raw.get("ledger_fields", ["LedgerDimension"])
        if isinstance(ledger, str):
            ledger = [ledger]
        for name in [line_target, *ledger]:
            if name is not None and (not isinstance(name, str) or any(c in name for c in ".[]")):
                raise SpecError(f"{name!r} must be the name of a field of the line")
        lines = raw.get("lines") or (group_order[0] if group_order else None)
        if lines and lines not in group_order:
            raise SpecError(f"lines {lines!r} is not a per-item list of this mapping")
        return (
            DimensionOptions(
                order=order,
                header_target=compile_setter(header_path) if header_path else None,
                header_get=compile_getter(header_path) if header_path else None,
                line_target=line_target or None,
                ledger_fields=tuple(ledger),
                lines=lines,
                inherit_header=bool(raw.get("inherit_header", True)),
            ),
            lines,
        )
    except Exception as exc:  # a broken spec is reported, whatever broke
        errors.append(RuleError("options.dimensions", reason(exc)))
        return DimensionOptions(), (group_order[0] if group_order else None)
