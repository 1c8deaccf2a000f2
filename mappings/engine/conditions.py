"""Conditions over a record, shared by dimension rules, the ``conditional`` transform and line splitting.

``{"field": path, "op": ..., "value": ..., "value_to": ...}`` with op one of ``eq``, ``ne``, ``in``,
``not_in``, ``range`` (inclusive, numeric when both ends are numbers), ``gt``, ``gte``, ``lt``, ``lte``,
``startswith``, ``contains``, ``exists`` (``value`` false for "is missing"). Values compare by their
canonical text (``4000`` equals ``"4000"``, ``20.0`` equals ``"20"``), case-sensitively.
With ``"map": "<value map>"`` the field's value is first looked up in that value map (e.g. a product
code -> its category), and the condition tests the mapped value (None when unmapped and no default).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from math import isfinite
from typing import Any

from mappings.engine.context import CompileContext, RecordContext, compile_source_path, resolve_source_path
from mappings.engine.errors import SpecError
from mappings.engine.valuemaps import as_number, canonical

OPS = ("eq", "ne", "in", "not_in", "range", "gt", "gte", "lt", "lte", "startswith", "contains", "exists")
Test = Callable[[RecordContext], bool]


def compile_condition(cond: Mapping[str, Any], cctx: CompileContext, *, field_optional: bool = False) -> Callable:
    """Compile one condition. With ``field_optional`` and no ``field``, the condition tests the value passed
    as second argument (the ``conditional`` transform); the result is then ``test(ctx, value)``."""
    if not isinstance(cond, Mapping):
        raise SpecError("a condition must be an object with field, op and value")
    op = cond.get("op", "eq")
    if op not in OPS:
        raise SpecError(f"unknown condition op {op!r}; allowed: {', '.join(OPS)}")
    check = _compile_check(op, cond.get("value"), cond.get("value_to"))
    map_name = cond.get("map")
    if map_name not in (None, ""):
        value_map = cctx.value_maps.get(map_name) if isinstance(map_name, str) else None
        if value_map is None:
            raise SpecError(f"condition map: no value map named {map_name!r}")
        plain_check = check

        def check(value: Any) -> bool:
            return plain_check(value_map.lookup(value))

    path = cond.get("field")
    if path in (None, ""):
        if not field_optional:
            raise SpecError("a condition needs a field")
        return lambda ctx, value: check(value)
    get = compile_source_path(str(path), cctx)
    if field_optional:
        return lambda ctx, value: check(get(ctx))
    on_item, _, key = resolve_source_path(str(path), cctx)
    if key is not None and on_item:

        def item_test(ctx: RecordContext) -> bool:
            item = ctx.item
            return check(item.get(key) if type(item) is dict else None)

        return item_test
    return lambda ctx: check(get(ctx))


def _compile_check(op: str, expected: Any, expected_to: Any) -> Callable[[Any], bool]:
    if op == "exists":
        want = expected is None or (bool(expected) and str(expected).lower() not in ("false", "0", "no"))
        return lambda v: (v is not None and v != "") == want
    if op in ("in", "not_in"):
        if isinstance(expected, str):
            options = [x.strip() for x in expected.split(",")]
        elif isinstance(expected, list | tuple):
            options = [canonical(x) for x in expected]
        else:
            raise SpecError(f"op {op} needs a list of values")
        allowed = frozenset(options)
        if op == "in":
            return lambda v: v is not None and canonical(v) in allowed
        return lambda v: v is None or canonical(v) not in allowed
    if expected is None and op != "eq" and op != "ne":
        raise SpecError(f"op {op} needs a value")
    if op in ("eq", "ne"):
        want_text = None if expected is None else canonical(expected)
        want_num = as_number(expected)
        # A whole number compares as an int: no Decimal is built for the common int field (a nominal code).
        want_int = int(want_num) if want_num is not None and want_num == want_num.to_integral_value() else None

        def equal(v: Any) -> bool:
            tv = type(v)
            if tv is str and want_text is not None:
                return v.strip() == want_text  # canonical() of text is the text stripped
            if tv is int and want_num is not None:
                return v == want_int if want_int is not None else False
            if v is None or want_text is None:
                return v is None and want_text is None
            if want_num is not None and not isinstance(v, str):
                return as_number(v) == want_num
            return canonical(v) == want_text

        return equal if op == "eq" else (lambda v: not equal(v))
    if op == "startswith":
        prefix = canonical(expected)
        return lambda v: v is not None and canonical(v).startswith(prefix)
    if op == "contains":
        part = canonical(expected)

        def contains(v: Any) -> bool:
            if isinstance(v, list):
                return any(canonical(x) == part for x in v if x is not None)
            return v is not None and part in canonical(v)

        return contains
    if op == "range":
        if expected_to is None:
            raise SpecError("op range needs value and value_to")
        return _between(expected, expected_to)
    return _compare_one(op, expected)


def _between(lo: Any, hi: Any) -> Callable[[Any], bool]:
    lo_n, hi_n = as_number(lo), as_number(hi)
    if lo_n is not None and hi_n is not None:

        def in_range(v: Any) -> bool:
            tv = type(v)
            if tv is int or (tv is float and isfinite(v)):
                return lo_n <= v <= hi_n
            n = as_number(v)
            return n is not None and lo_n <= n <= hi_n

        return in_range
    lo_t, hi_t = canonical(lo), canonical(hi)
    return lambda v: v is not None and lo_t <= canonical(v) <= hi_t


def _compare_one(op: str, expected: Any) -> Callable[[Any], bool]:
    want_n = as_number(expected)
    want_t = canonical(expected)
    cmp = {
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }[op]

    def check(v: Any) -> bool:
        if v is None:
            return False
        if want_n is not None:
            n = as_number(v)
            return n is not None and cmp(n, want_n)
        return cmp(canonical(v), want_t)

    return check


def compile_all(conditions: Any, cctx: CompileContext) -> Test:
    """All of the conditions must hold (an empty list always holds)."""
    if conditions is None:
        conditions = ()
    if not isinstance(conditions, list | tuple):
        raise SpecError("conditions must be a list")
    tests = tuple(compile_condition(c, cctx) for c in conditions)
    if not tests:
        return lambda ctx: True
    if len(tests) == 1:
        return tests[0]
    return lambda ctx: all(t(ctx) for t in tests)
