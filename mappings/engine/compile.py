"""MappingSpec -> CompiledMapping: everything is parsed once; applying it is plain function calls.

``compile_mapping(spec, rates)`` raises ``MappingCompileError`` listing every rule that cannot apply;
``validate_spec(spec)`` returns the same list without raising. ``CompiledMapping.apply(record)`` never
raises: whatever goes wrong on one record is an ``Issue`` in its ``MappingResult``.

Order of work for one record: header rules (in spec order), header dimension rules, then each list
(per item: rules, line dimension rules, split, AX dimension fields; then aggregation and numbering), then
validation against the target catalog.

Values: amounts come out as ``Decimal`` (``money``/``round``/``number`` transforms; arithmetic in
expressions) and dates as ISO text; the connector serialises them for the wire (AX stores "123.45").
A rule whose value ends up None writes nothing: the field is left out of the document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mappings.engine import dimensions as dims
from mappings.engine.context import (
    CompileContext,
    RecordContext,
    RuleRef,
    compile_source_path,
    resolve_source_path,
)
from mappings.engine.currency import RateProvider
from mappings.engine.errors import MISSING_SOURCE, RULE_ERROR, Issue, MappingCompileError, RuleError, SpecError
from mappings.engine.expressions import compile_expression
from mappings.engine.lines import (
    Aggregate,
    LineOptions,
    Split,
    compile_aggregate,
    compile_split,
    number_lines,
    parse_line_options,
)
from mappings.engine.paths import compile_getter, compile_setter, parse_path
from mappings.engine.spec import MappingSpec, RuleSpec
from mappings.engine.transforms import compile_transform
from mappings.engine.validate import Validator
from mappings.engine.valuemaps import CompiledValueMap, compile_value_map
from mappings.engine.values import constant

RuleFn = Callable[[RecordContext, dict], None]


@dataclass(frozen=True)
class MappingResult:
    document: dict[str, Any]
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues


@dataclass(frozen=True)
class LineGroup:
    source: str
    target: str
    get_items: Callable[[Any], Any]
    put_items: Callable[[dict, Any], None]
    rules: tuple[RuleFn, ...]
    dimension_rules: tuple[dims.CompiledDimensionRule, ...]
    split: Split | None
    aggregate: Aggregate | None
    number: str | None
    evaluate_dimensions: Callable[[RecordContext], dict[str, str]] | None = None


@dataclass(frozen=True)
class DimensionOptions:
    order: tuple[str, ...] = dims.DIMENSION_ORDER
    header_target: Callable[[dict, Any], None] | None = None
    header_get: Callable[[Any], Any] | None = None
    line_target: str | None = "DefaultDimension"
    ledger_fields: tuple[str, ...] = ("LedgerDimension",)
    lines: str | None = None
    inherit_header: bool = True


@dataclass(frozen=True, eq=False)
class CompiledMapping:
    """A compiled mapping set: call ``apply(record)`` (or the object itself) per source record."""

    spec: MappingSpec
    header_rules: tuple[RuleFn, ...]
    groups: tuple[LineGroup, ...]
    header_dimension_rules: tuple[dims.CompiledDimensionRule, ...]
    dimension_options: DimensionOptions
    validator: Validator | None

    def __call__(self, record: Any) -> MappingResult:
        return self.apply(record)

    def apply(self, record: Any) -> MappingResult:
        """Map one source record; never raises."""
        issues: list[Issue] = []
        doc: dict[str, Any] = {}
        ctx = RecordContext(record, issues)
        try:
            if not isinstance(record, dict):
                message = f"the source record must be an object, not {_kind(record)}"
                issues.append(Issue(MISSING_SOURCE, "", "", message))
                return MappingResult(doc, issues)
            for rule in self.header_rules:
                rule(ctx, doc)
            header_values = self._header_dimensions(ctx, doc)
            for group in self.groups:
                self._apply_group(group, ctx, doc, header_values)
            if self.validator is not None:
                self.validator.check(doc, issues)
        except Exception as exc:  # the engine's own bug must still not stop a sync run
            issues.append(Issue(RULE_ERROR, "", "", f"mapping failed: {type(exc).__name__}: {_short(exc)}"))
        return MappingResult(doc, issues)

    def _header_dimensions(self, ctx: RecordContext, doc: dict[str, Any]) -> dict[str, str]:
        if not self.header_dimension_rules:
            return {}
        opts = self.dimension_options
        values = dims.evaluate(self.header_dimension_rules, ctx)
        if opts.header_target is not None and opts.header_get is not None:
            existing = dims.dimension_values(opts.header_get(doc))
            if values or existing:
                try:
                    opts.header_target(doc, dims.default_dimension({**existing, **values}, opts.order))
                except Exception as exc:  # a rule wrote something else where the dimensions go
                    message = f"cannot write the header dimensions: {_short(exc)}"
                    ctx.issues.append(Issue(RULE_ERROR, "DefaultDimension", "dimension_rules", message))
        return values

    def _apply_group(self, group: LineGroup, ctx: RecordContext, doc: dict[str, Any], header: dict[str, str]) -> None:
        items = group.get_items(ctx.record)
        if items is None:
            return
        if not isinstance(items, list):
            ctx.issues.append(
                Issue(MISSING_SOURCE, group.target, group.target, f"{group.source} must be a list, not {_kind(items)}")
            )
            return
        opts = self.dimension_options
        dim_rules = group.dimension_rules
        ledger_fields = opts.ledger_fields
        line_target = opts.line_target if dim_rules else None
        inherited = header if opts.inherit_header else {}
        order = opts.order
        finish = dims.finish_line
        evaluate = group.evaluate_dimensions
        split = group.split
        rules = group.rules
        out: list[dict[str, Any]] = []
        ctx.lines = group.target
        for index, item in enumerate(items):
            ctx.item = item
            ctx.index = index
            line: dict[str, Any] = {}
            for rule in rules:
                rule(ctx, line)
            values = evaluate(ctx) if dim_rules else {}
            if split is not None and (split.when is None or split.when(ctx)):
                try:
                    parts = split.apply(line, values)
                except Exception as exc:
                    ctx.issues.append(
                        Issue(RULE_ERROR, f"{group.target}[{index}]", "options.lines.split", f"cannot split: {exc}")
                    )
                    parts = [(line, values)]
                for part, part_values in parts:
                    finish(part, part_values, line_target, ledger_fields, inherited, order)
                    out.append(part)
                continue
            finish(line, values, line_target, ledger_fields, inherited, order)
            out.append(line)
        ctx.item = None
        ctx.index = None
        if group.aggregate is not None:
            try:
                out = group.aggregate.apply(out)
            except Exception as exc:  # an amount that is not a number: the lines stay as they are
                message = f"cannot aggregate the lines: {type(exc).__name__}: {_short(exc)}"
                ctx.issues.append(Issue(RULE_ERROR, group.target, "options.lines.aggregate", message))
        if group.number:
            number_lines(out, group.number)
        try:
            group.put_items(doc, out)
        except Exception as exc:
            ctx.issues.append(Issue(RULE_ERROR, group.target, group.target, f"cannot write the lines: {_short(exc)}"))


# ---------------------------------------------------------------- compiling


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
            errors.append(RuleError(f"value_maps.{name}", _reason(exc)))
    catalog = spec.target_catalog
    options = spec.options if isinstance(spec.options, Mapping) else {}
    if not isinstance(spec.options, Mapping):
        errors.append(RuleError("options", "options must be an object"))

    # Which target lists are per-item, and where each reads from.
    try:
        line_options = parse_line_options(options.get("lines"))
    except SpecError as exc:
        errors.append(RuleError("options.lines", str(exc)))
        line_options = []
    parsed_rules: list[tuple[RuleSpec, Any, str | None]] = []  # (rule, target Path, group target)
    group_sources: dict[str, str] = {o.target: o.source for o in line_options if o.target}
    group_order: list[str] = [o.target for o in line_options if o.target]
    for rule in spec.rules:
        name = _rule_name(rule)
        try:
            target = parse_path(rule.target_path)
        except Exception as exc:  # a broken spec is reported, whatever broke
            errors.append(RuleError(name, f"bad target path: {_reason(exc)}"))
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
    rule_for: dict[str, str] = {}
    header_rules: list[RuleFn] = []
    group_rules: dict[str, list[RuleFn]] = {g: [] for g in group_order}
    for rule, target, group in parsed_rules:
        name = _rule_name(rule)
        template = target.template()
        rule_for.setdefault(template, name)
        target_field = catalog.field(template) if catalog is not None else None
        if catalog is not None and target_field is None and not _known_by_prefix(catalog, template):
            errors.append(RuleError(name, f"{template} is not a field of {catalog.remote_name}"))
            continue
        cctx = CompileContext(value_maps, rates, group_sources.get(group) if group else None, target_field, name)
        try:
            fn = _compile_rule(rule, target, group, cctx)
        except Exception as exc:  # a broken spec is reported, whatever broke
            errors.append(RuleError(name, _reason(exc)))
            continue
        (group_rules[group] if group else header_rules).append(fn)

    # Dimension rules and their options.
    dim_opts, dim_lines = _dimension_options(options.get("dimensions"), group_order, errors)
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
            errors.append(RuleError(f"dimension_rules.{getattr(d, 'name', '')}", _reason(exc)))
            continue
        (line_dim_rules if level_line else header_dim_rules).append(compiled)
        if level_line:
            line_int_keys.append(dims.int_equality(d, cctx))

    groups = []
    options_by_target = {o.target: o for o in line_options}
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
            errors.append(RuleError("options.lines", f"{group}: {_reason(exc)}"))
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
        skip_lists = _check_dimensions(spec, catalog, options, dim_opts, dim_lines, group_order, rule_for, errors)
    if errors:
        position = {}
        for i, rule in enumerate(spec.rules):
            position.setdefault(_rule_name(rule), i)
        errors.sort(key=lambda e: position.get(e.rule, len(position)))  # in the order of the rules
        raise MappingCompileError(errors)
    validator = None
    if catalog is not None and options.get("validate", True):
        # a missing object (LedgerDimension) is charged to the rule that writes inside it
        for template, name in list(rule_for.items()):
            parts = template.split(".")
            for i in range(len(parts) - 1, 0, -1):
                rule_for.setdefault(".".join(parts[:i]), name)
        proven = _proven_fields(spec, parsed_rules, catalog, groups, dim_opts, skip_lists)
        validator = Validator(catalog, rule_for, skip_lists, proven)
    return CompiledMapping(
        spec=spec,
        header_rules=tuple(header_rules),
        groups=tuple(groups),
        header_dimension_rules=tuple(header_dim_rules),
        dimension_options=dim_opts,
        validator=validator,
    )


def _proven_fields(
    spec: MappingSpec,
    parsed_rules: list[tuple[RuleSpec, Any, str | None]],
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


def _check_dimensions(
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


def _rule_name(rule: Any) -> str:
    return str(getattr(rule, "target_path", "") or "?")


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


def _known_by_prefix(catalog: Any, template: str) -> bool:
    """A rule may write inside a field the catalog declares as an object (LedgerDimension.Account)."""
    parts = template.split(".")
    for i in range(len(parts) - 1, 0, -1):
        spec = catalog.field(".".join(parts[:i]))
        if spec is not None:
            return spec.type == "object"
    return False


def _dimension_options(raw: Any, group_order: list[str], errors: list[RuleError]) -> tuple[DimensionOptions, Any]:
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
        errors.append(RuleError("options.dimensions", _reason(exc)))
        return DimensionOptions(), (group_order[0] if group_order else None)


def _compile_rule(rule: RuleSpec, target: Any, group: str | None, cctx: CompileContext) -> RuleFn:
    if group is not None:
        _, rest = target.split_each()
        if not rest.segments:
            raise SpecError("a per-item target needs a field after []: CustInvoiceLine[].Quantity")
        ref = RuleRef(rule.target_path, group, "." + rest.text if not rest.text.startswith("[") else rest.text)
        setter_path = rest
    else:
        ref = RuleRef(rule.target_path, "", rule.target_path)
        setter_path = target
    setter = compile_setter(setter_path)
    single_key = setter_path.segments[0][1] if len(setter_path.segments) == 1 else None

    kind = rule.source_kind
    source_key = None
    if kind == "path":
        source_fn = compile_source_path(rule.source, cctx)
        on_item, _, key = resolve_source_path(rule.source, cctx)
        if key is not None:
            source_key = (on_item, key)
    elif kind == "constant":
        make = constant(rule.source)
        source_fn = lambda ctx: make()  # noqa: E731
    elif kind == "expression":
        source_fn = compile_expression(rule.source, cctx)
    else:
        raise SpecError(f"source kind must be path, constant or expression, not {kind!r}")
    transforms = []
    names = []
    for t in tuple(rule.transforms or ()):
        name = getattr(t, "name", None)
        if not isinstance(name, str):
            raise SpecError("a transform needs a name")
        transforms.append(compile_transform(name, getattr(t, "params", None), cctx))
        names.append(name)
    if (
        group is not None
        and kind == "path"
        and single_key is not None
        and not resolve_source_path(rule.source, cctx)[0]
        and (rule.default is None or _is_scalar(rule.default))
        and all(_header_pure(t) for t in tuple(rule.transforms or ()))
    ):
        return _per_record_rule(ref, source_fn, tuple(transforms), tuple(names), rule.default, single_key)
    if source_key is not None and single_key is not None and rule.default is None and len(transforms) <= 2:
        return _field_rule(ref, source_key[0], source_key[1], tuple(transforms), tuple(names), single_key)
    if source_key is not None and single_key is not None and _is_scalar(rule.default) and 1 <= len(transforms) <= 2:
        return _field_rule_with_default(
            ref, source_key[0], source_key[1], tuple(transforms), tuple(names), single_key, rule.default
        )
    if source_key is not None and rule.default is None and len(transforms) == 1:
        return _nested_field_rule(ref, source_key[0], source_key[1], transforms[0], names[0], setter)
    return _rule_fn(ref, kind, source_fn, tuple(transforms), tuple(names), rule.default, setter, single_key)


def _nested_field_rule(
    ref: RuleRef, on_item: bool, src_key: str, t0: Callable, name: str, setter: Callable[[dict, Any], None]
) -> RuleFn:
    """One field -> one transform -> a nested target (LedgerDimension.Account)."""

    def nested(ctx: RecordContext, out: dict) -> None:
        ctx.rule = ref
        obj = ctx.item if on_item else ctx.record
        value = obj.get(src_key) if type(obj) is dict else None
        try:
            value = t0(value, ctx)
        except Exception as exc:
            ctx.issue(RULE_ERROR, f"transform {name} failed: {type(exc).__name__}: {_short(exc)}")
            return
        if value is not None:
            try:
                setter(out, value)
            except Exception as exc:
                ctx.issue(RULE_ERROR, f"writing {ref.name} failed: {_short(exc)}")

    return nested


def _field_rule(
    ref: RuleRef, on_item: bool, src_key: str, transforms: tuple, names: tuple[str, ...], key: str
) -> RuleFn:
    """The most common rule, fully inlined: one field of the item (or record) -> 0-2 transforms -> one field."""

    def fail(ctx: RecordContext, step: int, exc: Exception) -> None:
        ctx.issue(RULE_ERROR, f"transform {names[step]} failed: {type(exc).__name__}: {_short(exc)}")

    if not transforms:
        if on_item:

            def copy_item(ctx: RecordContext, out: dict) -> None:
                item = ctx.item
                if type(item) is dict:
                    value = item.get(src_key)
                    if value is not None:
                        out[key] = value

            return copy_item

        def copy_record(ctx: RecordContext, out: dict) -> None:
            value = ctx.record.get(src_key)
            if value is not None:
                out[key] = value

        return copy_record
    t0 = transforms[0]
    if len(transforms) == 1 and on_item:

        def one_of_item(ctx: RecordContext, out: dict) -> None:
            ctx.rule = ref
            item = ctx.item
            value = item.get(src_key) if type(item) is dict else None
            try:
                value = t0(value, ctx)
            except Exception as exc:
                fail(ctx, 0, exc)
                return
            if value is not None:
                out[key] = value

        return one_of_item
    if len(transforms) == 1:

        def one(ctx: RecordContext, out: dict) -> None:
            ctx.rule = ref
            obj = ctx.item if on_item else ctx.record
            value = obj.get(src_key) if type(obj) is dict else None
            try:
                value = t0(value, ctx)
            except Exception as exc:
                fail(ctx, 0, exc)
                return
            if value is not None:
                out[key] = value

        return one
    t1 = transforms[1]

    def two(ctx: RecordContext, out: dict) -> None:
        ctx.rule = ref
        obj = ctx.item if on_item else ctx.record
        value = obj.get(src_key) if type(obj) is dict else None
        try:
            value = t0(value, ctx)
        except Exception as exc:
            fail(ctx, 0, exc)
            return
        try:
            value = t1(value, ctx)
        except Exception as exc:
            fail(ctx, 1, exc)
            return
        if value is not None:
            out[key] = value

    return two


# Transforms whose result depends on their input value alone (no issue naming a line, no other field read).
_PURE_TRANSFORMS = frozenset(
    {"trim", "upper", "lower", "title", "truncate", "pad", "template", "string", "money", "round", "number",
     "integer", "negate", "abs", "date_format", "datetime_format", "default", "split", "regex_replace"}
)  # fmt: skip
_IMMUTABLE = (str, int, float, bool, Decimal, type(None))


def _header_pure(t: Any) -> bool:
    name = getattr(t, "name", None)
    if name in _PURE_TRANSFORMS:
        return True
    params = getattr(t, "params", None) or {}
    return name == "conditional" and isinstance(params, Mapping) and params.get("field") in (None, "")


def _per_record_rule(
    ref: RuleRef, src: Callable, transforms: tuple, names: tuple[str, ...], default: Any, key: str
) -> RuleFn:
    """A per-item rule that reads only the header (TaxGroup from Currency.Code): its value is the same on
    every line, so it is computed on the first line of each record and reused (immutable values only, so
    no two lines share an object). A failure is not remembered: each line reports it, as before."""
    slot = object()

    def fail(ctx: RecordContext, step: int, exc: Exception) -> None:
        where = "source path" if step < 0 else f"transform {names[step]}"
        ctx.issue(RULE_ERROR, f"{where} failed: {type(exc).__name__}: {_short(exc)}")

    def per_record(ctx: RecordContext, out: dict) -> None:
        memo = ctx.memo
        value = memo.get(slot, slot)
        if value is slot:
            ctx.rule = ref
            try:
                value = src(ctx)
            except Exception as exc:
                fail(ctx, -1, exc)
                return
            for step, t in enumerate(transforms):
                try:
                    value = t(value, ctx)
                except Exception as exc:
                    fail(ctx, step, exc)
                    return
            if default is not None and (value is None or value == ""):
                value = default
            if isinstance(value, _IMMUTABLE):
                memo[slot] = value
        if value is not None:
            out[key] = value

    return per_record


def _is_scalar(value: Any) -> bool:
    return value is not None and isinstance(value, str | int | float | bool)


def _field_rule_with_default(
    ref: RuleRef, on_item: bool, src_key: str, transforms: tuple, names: tuple[str, ...], key: str, default: Any
) -> RuleFn:
    """One field -> 1-2 transforms -> one field, with a text or number default (immutable: no copy needed)."""

    def fail(ctx: RecordContext, step: int, exc: Exception) -> None:
        ctx.issue(RULE_ERROR, f"transform {names[step]} failed: {type(exc).__name__}: {_short(exc)}")

    t0 = transforms[0]
    t1 = transforms[1] if len(transforms) == 2 else None

    def with_default(ctx: RecordContext, out: dict) -> None:
        ctx.rule = ref
        obj = ctx.item if on_item else ctx.record
        value = obj.get(src_key) if type(obj) is dict else None
        try:
            value = t0(value, ctx)
        except Exception as exc:
            fail(ctx, 0, exc)
            return
        if t1 is not None:
            try:
                value = t1(value, ctx)
            except Exception as exc:
                fail(ctx, 1, exc)
                return
        if value is None or value == "":
            value = default
        out[key] = value

    return with_default


def _rule_fn(
    ref: RuleRef,
    kind: str,
    src: Callable[[RecordContext], Any],
    transforms: tuple,
    names: tuple[str, ...],
    default: Any,
    setter: Callable[[dict, Any], None],
    single_key: str | None,
) -> RuleFn:
    """The rule as one closure; the common shapes (0-2 transforms, one target key) are unrolled because
    this runs for every field of every line."""

    fresh_default = constant(default)

    def fail(ctx: RecordContext, step: int, exc: Exception) -> None:
        if step < 0:
            where = f"source {kind}"
        elif step < len(names):
            where = f"transform {names[step]}"
        else:
            where = f"writing {ref.name}"
        ctx.issue(RULE_ERROR, f"{where} failed: {type(exc).__name__}: {_short(exc)}")

    if single_key is not None and default is None and len(transforms) <= 2:
        key = single_key
        if not transforms:

            def copy_field(ctx: RecordContext, out: dict) -> None:
                ctx.rule = ref
                try:
                    value = src(ctx)
                except Exception as exc:
                    fail(ctx, -1, exc)
                    return
                if value is not None:
                    out[key] = value

            return copy_field
        if len(transforms) == 1:
            (t0,) = transforms

            def one_transform(ctx: RecordContext, out: dict) -> None:
                ctx.rule = ref
                try:
                    value = src(ctx)
                except Exception as exc:
                    fail(ctx, -1, exc)
                    return
                try:
                    value = t0(value, ctx)
                except Exception as exc:
                    fail(ctx, 0, exc)
                    return
                if value is not None:
                    out[key] = value

            return one_transform
        t0, t1 = transforms

        def two_transforms(ctx: RecordContext, out: dict) -> None:
            ctx.rule = ref
            try:
                value = src(ctx)
            except Exception as exc:
                fail(ctx, -1, exc)
                return
            try:
                value = t0(value, ctx)
            except Exception as exc:
                fail(ctx, 0, exc)
                return
            try:
                value = t1(value, ctx)
            except Exception as exc:
                fail(ctx, 1, exc)
                return
            if value is not None:
                out[key] = value

        return two_transforms

    def run(ctx: RecordContext, out: dict) -> None:
        ctx.rule = ref
        step = -1
        try:
            value = src(ctx)
            step = 0
            for t in transforms:
                value = t(value, ctx)
                step += 1
            if default is not None and (value is None or value == ""):
                value = fresh_default()
            if value is not None:
                setter(out, value)
        except Exception as exc:
            fail(ctx, step, exc)

    return run


def _reason(exc: Exception) -> str:
    """The message of a SpecError (written for people); for anything else, its type too."""
    if isinstance(exc, SpecError | ValueError):
        return _short(exc)
    return f"{type(exc).__name__}: {_short(exc)}"


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 200 else text[:197] + "..."
