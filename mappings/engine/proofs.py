"""Compile-time proofs against the target catalog.

``check_dimensions`` checks every dimension name and value the engine may write once, when compiling, and
names the dimension lists that then need no check per record; ``proven_fields`` names the catalog fields
whose check can never fail given the rules that write them. The validator skips both on every record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mappings.engine.apply import DimensionOptions, LineGroup
from mappings.engine.errors import RuleError
from mappings.engine.paths import Path
from mappings.engine.spec import MappingSpec, RuleSpec


def proven_fields(
    spec: MappingSpec,
    parsed_rules: list[tuple[RuleSpec, Path, str | None]],
    catalog: Any,
    groups: list[LineGroup],
    dim_opts: DimensionOptions,
    engine_lists: set[str],
) -> set[str]:
    """The catalog fields whose check can never fail, so validation need not visit them per record: written
    by one rule alone, whose last transform can only give values the field accepts (a rounded Decimal in a
    decimal field, an ISO date, text cut to the field's length, one of a few known texts), or None; not
    required; nothing else writes there. Also the line numbers and the dimension value lists, which only
    the engine writes (ints, lists)."""
    if any(g.split is not None or g.aggregate is not None for g in groups):
        return set()
    templates = [target.template() for _, target, _ in parsed_rules]

    def untouched(path: str) -> bool:  # no rule writes at, inside or above it
        return not any(t.startswith(path) or path.startswith(t) for t in templates)

    proven: set[str] = set()
    for g in groups:
        path = f"{g.target}[].{g.number}" if g.number else ""
        number_field = catalog.field(path) if path else None
        if (
            number_field is not None
            and untouched(path)
            and not number_field.required
            and number_field.type in ("decimal", "integer")
            and not number_field.allowed_values
        ):
            proven.add(path)
    for path in engine_lists:
        list_field = catalog.field(path)
        if list_field is not None and list_field.type == "list" and not list_field.required:
            proven.add(path)
    engine_written = {f"{g.target}[].{g.number}" for g in groups if g.number}
    for g in groups:
        engine_written |= {f"{g.target}[].{name}" for name in (dim_opts.line_target, *dim_opts.ledger_fields) if name}
    dimension_options = spec.options.get("dimensions")
    if not isinstance(dimension_options, Mapping):
        dimension_options = {}
    engine_written.add(str(dimension_options.get("header_target", "DefaultDimension")))
    for rule, target, _ in parsed_rules:
        path = target.template()
        spec_field = catalog.field(path)
        if spec_field is None or spec_field.required or (spec_field.allowed_values and spec_field.type != "string"):
            continue
        if any(path.startswith(e) or e.startswith(path) for e in engine_written):
            continue
        others = [t for t in templates if t != path and (t.startswith(path) or path.startswith(t))]
        if others or templates.count(path) != 1:
            continue
        if rule.default is not None and not (type(rule.default) is str and _fits(spec_field, rule.default)):
            continue
        if _output_always_valid(rule, spec_field, spec.value_maps or {}):
            proven.add(path)
    return proven


def _output_always_valid(rule: RuleSpec, field: Any, value_maps: Mapping[str, Any]) -> bool:
    transforms = tuple(rule.transforms or ())
    if not transforms:
        return False
    last = transforms[-1]
    name, params = last.name, dict(last.params or {})
    if rule.default is not None and name != "truncate":
        return False  # a text default is only proven beside text output
    if name in ("money", "round") or (name == "number" and params.get("decimals") is not None):
        return field.type == "decimal" and not field.allowed_values  # a Decimal, or nothing written
    if name == "truncate":  # always text, at most `length` (else the field's max length) characters
        length = params.get("length")
        fits = not field.max_length or (length is not None and length <= field.max_length) or length is None
        return field.type == "string" and not field.allowed_values and fits
    if name == "date_format":
        iso = params.get("input") in (None, "iso") and params.get("output") in (None, "%Y-%m-%d")
        return iso and field.type in ("date", "string") and not field.allowed_values and _fits(field, "2000-01-01")
    texts: list[Any] = []
    if name == "lookup" and not params.get("reverse"):
        vm = value_maps.get(params.get("map"))
        if vm is None:
            return False
        texts = [e.target for e in vm.entries]
        fallback = params.get("default") if params.get("default") is not None else (vm.default or None)
        if fallback is not None:
            texts.append(fallback)
    elif name == "conditional" and "then" in params and "else" in params:
        texts = [params["then"], params["else"]]
    else:
        return False
    return field.type == "string" and all(type(t) is str and _fits(field, t) for t in texts)


def _fits(field: Any, text: str) -> bool:
    if field.max_length and len(text) > field.max_length:
        return False
    return not field.allowed_values or text == "" or text in field.allowed_values


def check_dimensions(
    spec: MappingSpec,
    catalog: Any,
    options: Mapping[str, Any],
    dim_opts: DimensionOptions,
    dim_lines: str | None,
    groups: list[str],
    rule_for: Mapping[str, str],
    errors: list[RuleError],
) -> set[str]:
    """Check every dimension name and value the engine may write (rules, split allocations) against the
    catalog once, here; returns the dimension value lists that need no checking per record (the engine
    builds them from these constants alone, no field rule writes into them)."""
    raw = options.get("dimensions") if isinstance(options.get("dimensions"), Mapping) else {}
    header_target = raw.get("header_target", "DefaultDimension") if raw else "DefaultDimension"
    pairs: list[tuple[str, str, str]] = []  # (where it comes from, name, value)
    for d in spec.dimension_rules:
        if isinstance(getattr(d, "dimensions", None), Mapping):
            pairs += [(f"dimension_rules.{d.name}", str(k), str(v)) for k, v in d.dimensions.items()]
    lines_opt = options.get("lines")
    for o in lines_opt if isinstance(lines_opt, list | tuple) else [lines_opt]:
        split = o.get("split") if isinstance(o, Mapping) else None
        allocations = split.get("allocations") if isinstance(split, Mapping) else None
        for a in allocations if isinstance(allocations, list | tuple) else ():
            dims_ = a.get("dimensions") if isinstance(a, Mapping) else None
            if isinstance(dims_, Mapping):
                pairs += [("options.lines.split", str(k), str(v)) for k, v in dims_.items()]
    built = []
    if header_target and isinstance(header_target, str):
        built.append(header_target)
    for group in groups:
        if group == dim_lines and dim_opts.line_target:
            built.append(f"{group}[].{dim_opts.line_target}")
        built += [f"{group}[].{name}" for name in dim_opts.ledger_fields]
    skip: set[str] = set()
    reported: set[tuple[str, str]] = set()
    for obj in built:
        name_spec, value_spec = catalog.field(f"{obj}.Values[].Name"), catalog.field(f"{obj}.Values[].Value")
        for source, name, value in pairs:
            problem = None
            if name_spec is not None and name_spec.allowed_values and name not in name_spec.allowed_values:
                problem = f"dimension {name!r} is not one of {', '.join(name_spec.allowed_values)}"
            elif name_spec is not None and name_spec.max_length and len(name) > name_spec.max_length:
                problem = f"dimension name {name!r} is longer than {name_spec.max_length} characters"
            elif value_spec is not None and value_spec.max_length and len(value) > value_spec.max_length:
                problem = f"{name} value {value!r} is longer than {value_spec.max_length} characters"
            if problem and (source, problem) not in reported:
                reported.add((source, problem))
                errors.append(RuleError(source, problem))
        if not any(t == obj or t.startswith(obj + ".Values") for t in rule_for):
            skip.add(f"{obj}.Values")
    return skip
