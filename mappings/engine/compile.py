"""MappingSpec -> CompiledMapping: everything is parsed once; applying it is plain function calls.

``compile_mapping(spec, rates)`` raises ``MappingCompileError`` listing every rule that cannot apply;
``validate_spec(spec)`` returns the same list without raising. The work is split by job:
``parse`` reads the spec's shape (per-item lists, options), ``rules`` compiles each field rule into a closure,
``proofs`` checks against the target catalog once, and ``apply`` is the ``CompiledMapping`` that runs per record.

Values: amounts come out as ``Decimal`` (``money``/``round``/``number`` transforms; arithmetic in
expressions) and dates as ISO text; the connector serialises them for the wire (AX stores "123.45").
A rule whose value ends up None writes nothing: the field is left out of the document.
"""

from __future__ import annotations

from collections.abc import Mapping

from mappings.engine import dimensions as dims
from mappings.engine.apply import CompiledMapping, LineGroup, MappingResult, RuleFn
from mappings.engine.context import CompileContext
from mappings.engine.currency import RateProvider
from mappings.engine.errors import MappingCompileError, RuleError, reason
from mappings.engine.lines import compile_aggregate, compile_split
from mappings.engine.parse import known_by_prefix, parse_dimension_options, parse_layout, rule_name
from mappings.engine.paths import compile_getter, compile_setter, parse_path
from mappings.engine.proofs import check_dimensions, proven_fields
from mappings.engine.rules import compile_rule
from mappings.engine.spec import MappingSpec
from mappings.engine.validate import Validator
from mappings.engine.valuemaps import CompiledValueMap, compile_value_map

__all__ = ["CompiledMapping", "MappingResult", "compile_mapping", "validate_spec"]


def validate_spec(spec: MappingSpec, rates: RateProvider | None = None) -> list[RuleError]:
    """Every rule that cannot apply, as RuleError(rule, message); empty when the spec compiles."""
    try:
        compile_mapping(spec, rates)
    except MappingCompileError as exc:
        return exc.errors
    return []


def compile_mapping(spec: MappingSpec, rates: RateProvider | None = None) -> CompiledMapping:
    """Compile once; raises MappingCompileError listing every broken rule (and value map, dimension rule,
    option). ``rates`` serves the ``currency_convert`` transform (without it, conversions become issues)."""
    errors: list[RuleError] = []
    value_maps: dict[str, CompiledValueMap] = {}
    for name, vm_spec in (spec.value_maps or {}).items():
        try:
            value_maps[name] = compile_value_map(vm_spec)
        except Exception as exc:  # a broken spec is reported, whatever broke
            errors.append(RuleError(f"value_maps.{name}", reason(exc)))
    catalog = spec.target_catalog
    options = spec.options if isinstance(spec.options, Mapping) else {}
    if not isinstance(spec.options, Mapping):
        errors.append(RuleError("options", "options must be an object"))

    # Which target lists are per-item, and where each reads from.
    layout = parse_layout(spec, options, errors)
    parsed_rules, group_sources, group_order = layout.rules, layout.sources, layout.order
    rule_for: dict[str, str] = {}
    header_rules: list[RuleFn] = []
    group_rules: dict[str, list[RuleFn]] = {g: [] for g in group_order}
    for rule, target, group in parsed_rules:
        name = rule_name(rule)
        template = target.template()
        rule_for.setdefault(template, name)
        target_field = catalog.field(template) if catalog is not None else None
        if catalog is not None and target_field is None and not known_by_prefix(catalog, template):
            errors.append(RuleError(name, f"{template} is not a field of {catalog.remote_name}"))
            continue
        cctx = CompileContext(value_maps, rates, group_sources.get(group) if group else None, target_field, name)
        try:
            fn = compile_rule(rule, target, group, cctx)
        except Exception as exc:  # a broken spec is reported, whatever broke
            errors.append(RuleError(name, reason(exc)))
            continue
        (group_rules[group] if group else header_rules).append(fn)

    # Dimension rules and their options.
    dim_opts, dim_lines = parse_dimension_options(options.get("dimensions"), group_order, errors)
    header_dim_rules = []
    line_dim_rules = []
    line_int_keys: list[tuple[str, int] | None] = []
    for d in spec.dimension_rules:
        level_line = getattr(d, "level", None) == "line"
        line_source = group_sources.get(dim_lines) if (level_line and dim_lines) else None
        if level_line and not dim_lines:
            errors.append(RuleError(f"dimension_rules.{d.name}", "a line rule needs a per-item list in the mapping"))
            continue
        cctx = CompileContext(value_maps, rates, line_source, None, f"dimension_rules.{d.name}")
        try:
            compiled = dims.compile_dimension_rule(d, cctx)
        except Exception as exc:  # a broken spec is reported, whatever broke
            errors.append(RuleError(f"dimension_rules.{getattr(d, 'name', '')}", reason(exc)))
            continue
        (line_dim_rules if level_line else header_dim_rules).append(compiled)
        if level_line:
            line_int_keys.append(dims.int_equality(d, cctx))

    groups = []
    options_by_target = {o.target: o for o in layout.line_options}
    for group in group_order:
        source = group_sources.get(group) or ""
        o = options_by_target.get(group)
        cctx = CompileContext(value_maps, rates, source, None, "options.lines")
        split = aggregate = None
        number = None
        try:
            if o is not None and o.split:
                split = compile_split(o.split, cctx)
            if o is not None and o.aggregate:
                aggregate = compile_aggregate(o.aggregate)
            if o is not None and o.number:
                number = parse_path(o.number).text
            get_items = compile_getter(parse_path(source)) if source else (lambda r: None)
            put_items = compile_setter(parse_path(group))
        except Exception as exc:  # a broken spec is reported, whatever broke
            errors.append(RuleError("options.lines", f"{group}: {reason(exc)}"))
            continue
        groups.append(
            LineGroup(
                source=source,
                target=group,
                get_items=get_items,
                put_items=put_items,
                rules=tuple(group_rules.get(group, ())),
                dimension_rules=tuple(line_dim_rules) if group == dim_lines else (),
                evaluate_dimensions=(
                    dims.compile_evaluator(tuple(line_dim_rules), tuple(line_int_keys)) if group == dim_lines else None
                ),
                split=split,
                aggregate=aggregate,
                number=number,
            )
        )
    skip_lists: set[str] = set()
    if catalog is not None:
        skip_lists = check_dimensions(spec, catalog, options, dim_opts, dim_lines, group_order, rule_for, errors)
    if errors:
        position = {}
        for i, rule in enumerate(spec.rules):
            position.setdefault(rule_name(rule), i)
        errors.sort(key=lambda e: position.get(e.rule, len(position)))  # in the order of the rules
        raise MappingCompileError(errors)
    validator = None
    if catalog is not None and options.get("validate", True):
        # a missing object (LedgerDimension) is charged to the rule that writes inside it
        for template, name in list(rule_for.items()):
            parts = template.split(".")
            for i in range(len(parts) - 1, 0, -1):
                rule_for.setdefault(".".join(parts[:i]), name)
        proven = proven_fields(spec, parsed_rules, catalog, groups, dim_opts, skip_lists)
        validator = Validator(catalog, rule_for, skip_lists, proven)
    return CompiledMapping(
        spec=spec,
        header_rules=tuple(header_rules),
        groups=tuple(groups),
        header_dimension_rules=tuple(header_dim_rules),
        dimension_options=dim_opts,
        validator=validator,
    )
