"""One field rule compiled into one closure ``rule(ctx, out)``, run for every field of every line.

``compile_rule`` picks the closure for the rule's shape. The general one (``_rule_fn``'s ``run``) handles
every rule; the others are hand-unrolled for the shapes the shipped templates are made of, and each is kept
only because the mapping benchmark (tests/bench/test_mapping_bench.py) is measurably slower without it:
a single-key source and target with one or two transforms (``_field_rule``), the same with a text or
number default (``_field_rule_with_default``), one transform into a nested target (``_nested_field_rule``),
a per-line rule that reads only the header (``_per_record_rule``, computed once per record), and a copy or
one transform from any source into one key (``_rule_fn``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from mappings.engine.apply import RuleFn
from mappings.engine.context import CompileContext, RecordContext, RuleRef, compile_source_path, resolve_source_path
from mappings.engine.errors import RULE_ERROR, SpecError, short
from mappings.engine.expressions import compile_expression
from mappings.engine.paths import compile_setter
from mappings.engine.spec import RuleSpec
from mappings.engine.transforms import compile_transform
from mappings.engine.values import constant


def compile_rule(rule: RuleSpec, target: Any, group: str | None, cctx: CompileContext) -> RuleFn:
    """The closure of one rule whose target ``target`` (a parsed Path) lies in the per-item list ``group``
    (None for a header rule); raises for a rule that cannot apply."""
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
    if source_key is not None and single_key is not None and rule.default is None and 1 <= len(transforms) <= 2:
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
            ctx.issue(RULE_ERROR, f"transform {name} failed: {type(exc).__name__}: {short(exc)}")
            return
        if value is not None:
            try:
                setter(out, value)
            except Exception as exc:
                ctx.issue(RULE_ERROR, f"writing {ref.name} failed: {short(exc)}")

    return nested


def _field_rule(
    ref: RuleRef, on_item: bool, src_key: str, transforms: tuple, names: tuple[str, ...], key: str
) -> RuleFn:
    """The most common rule, fully inlined: one field of the item (or record) -> 1-2 transforms -> one field."""

    def fail(ctx: RecordContext, step: int, exc: Exception) -> None:
        ctx.issue(RULE_ERROR, f"transform {names[step]} failed: {type(exc).__name__}: {short(exc)}")

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
        ctx.issue(RULE_ERROR, f"{where} failed: {type(exc).__name__}: {short(exc)}")

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
        ctx.issue(RULE_ERROR, f"transform {names[step]} failed: {type(exc).__name__}: {short(exc)}")

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
    """The rule as one closure: the general ``run``, or unrolled for a copy or one transform into one key."""

    fresh_default = constant(default)

    def fail(ctx: RecordContext, step: int, exc: Exception) -> None:
        if step < 0:
            where = f"source {kind}"
        elif step < len(names):
            where = f"transform {names[step]}"
        else:
            where = f"writing {ref.name}"
        ctx.issue(RULE_ERROR, f"{where} failed: {type(exc).__name__}: {short(exc)}")

    if single_key is not None and default is None and len(transforms) <= 1:
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
