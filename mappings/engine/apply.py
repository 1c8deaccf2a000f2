"""Applying a compiled mapping to one record: the ``CompiledMapping`` and the pieces it is built from.

Order of work for one record: header rules (in spec order), header dimension rules, then each list
(per item: rules, line dimension rules, split, AX dimension fields; then aggregation and numbering), then
validation against the target catalog. ``apply`` never raises: whatever goes wrong is an ``Issue``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mappings.engine import dimensions as dims
from mappings.engine.context import RecordContext
from mappings.engine.errors import MISSING_SOURCE, RULE_ERROR, Issue, kind_of, short
from mappings.engine.lines import Aggregate, Split, number_lines
from mappings.engine.spec import MappingSpec
from mappings.engine.validate import Validator

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
                message = f"the source record must be an object, not {kind_of(record)}"
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
            issues.append(Issue(RULE_ERROR, "", "", f"mapping failed: {type(exc).__name__}: {short(exc)}"))
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
                    message = f"cannot write the header dimensions: {short(exc)}"
                    ctx.issues.append(Issue(RULE_ERROR, "DefaultDimension", "dimension_rules", message))
        return values

    def _apply_group(self, group: LineGroup, ctx: RecordContext, doc: dict[str, Any], header: dict[str, str]) -> None:
        items = group.get_items(ctx.record)
        if items is None:
            return
        if not isinstance(items, list):
            message = f"{group.source} must be a list, not {kind_of(items)}"
            ctx.issues.append(Issue(MISSING_SOURCE, group.target, group.target, message))
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
                message = f"cannot aggregate the lines: {type(exc).__name__}: {short(exc)}"
                ctx.issues.append(Issue(RULE_ERROR, group.target, "options.lines.aggregate", message))
        if group.number:
            number_lines(out, group.number)
        try:
            group.put_items(doc, out)
        except Exception as exc:
            ctx.issues.append(Issue(RULE_ERROR, group.target, group.target, f"cannot write the lines: {short(exc)}"))
