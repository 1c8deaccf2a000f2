"""A tiny safe expression language, parsed once with Python's ``ast`` and compiled into closures.

Allowed: literals (text, numbers, True/False/None, lists/tuples), source paths as names
(``IssuedDate``, ``Currency.Code``, ``LineItems[0].Rate``, ``item.Quantity`` in per-line rules) or through
``field("Addresses[0].Line1")``, arithmetic ``+ - * / // %`` (numbers are Decimals; ``+`` also joins text),
comparisons, ``and``/``or``/``not``, ``a if cond else b``, and the functions in ``FUNCTIONS``.
Every operator and function result is bounded (``limits.check``: text length, list length, number magnitude
and digits), so no expression can exhaust the worker running it.
Nothing is ever passed to ``eval``/``exec``; attribute access never reaches Python objects (a dotted name is
a path into the record), and names starting with ``_`` are refused. Anything else is a compile error.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from mappings.engine.context import CompileContext, RecordContext, compile_source_path, resolve_source_path
from mappings.engine.errors import VALUE_NOT_MAPPED, SpecError
from mappings.engine.limits import check, check_length, check_number, check_text_input
from mappings.engine.valuemaps import NOT_FOUND
from mappings.engine.values import float_decimal

MAX_LENGTH = 1000
Fn = Callable[[RecordContext], Any]

# Counted by tests: every expression is parsed exactly once, at compile time.
PARSE_COUNT = 0


def to_decimal(value: Any) -> Any:
    if type(value) is Decimal:
        return value
    if isinstance(value, float):
        return float_decimal(value)
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        return value
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
    return Decimal(value)


def _number(value: Any) -> Any:
    if value is None:
        raise TypeError("a value is missing where a number is needed")
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, float):
        return float_decimal(value)
    if isinstance(value, int | Decimal):
        return value
    raise TypeError(f"{value!r} is not a number")


# ---------------------------------------------------------------- functions


_QUANTA = {n: Decimal(1).scaleb(-n) for n in range(13)}


def _round(value: Any, digits: Any = 0) -> Any:
    if type(value) is Decimal and type(digits) is int and 0 <= digits <= 12:
        return value.quantize(_QUANTA[digits], rounding=ROUND_HALF_UP)
    if value is None:
        return None
    if not isinstance(digits, int) or isinstance(digits, bool) or not 0 <= digits <= 12:
        raise ValueError("round() takes 0 to 12 decimals")
    return to_decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _text_fn(method: Callable[[str], str]) -> Callable[[Any], Any]:
    def fn(value: Any) -> Any:
        return None if value is None else method(_str(value))

    return fn


def _str(value: Any) -> str:
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _concat(*parts: Any) -> str:
    return "".join(_str(p) for p in parts if p is not None)


def _coalesce(*values: Any) -> Any:
    for v in values:
        if v is not None and v != "":
            return v
    return None


def _len(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, str | list | dict):
        return len(value)
    raise TypeError(f"len() of {type(value).__name__}")


def _decimal(value: Any) -> Any:
    return None if value is None or value == "" else to_decimal(value)


def _int(value: Any) -> Any:
    return None if value is None or value == "" else to_int(value)


def to_int(value: Any) -> int:
    """A whole number, refusing first what would build a huge integer (``int(Decimal("1e999999999"))``)."""
    number = to_decimal(value)
    if type(number) is Decimal:
        check_number(number)
    return int(number)


def _date(value: Any, fmt: Any = "%Y-%m-%d") -> Any:
    if value is None or value == "":
        return None
    if not isinstance(fmt, str):
        raise TypeError("date() format must be text")
    return parse_date(value).strftime(fmt)


def parse_date(value: Any) -> date:
    """ISO date or date-time text (``2026-03-31``, ``2026-03-31T10:00:00Z``) or a date -> date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date")
    text = value.strip()
    if len(text) == 10:
        return date.fromisoformat(text)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).date()


def _sum(values: Any) -> Any:
    if values is None:
        return Decimal(0)
    if not isinstance(values, list):
        raise TypeError("sum() needs a list, e.g. sum(field('LineItems[].VATAmount'))")
    total = Decimal(0)
    for v in values:
        if v is not None:
            total += _number(v)
    return total


def _substr(value: Any, start: Any, end: Any = None) -> Any:
    if value is None:
        return None
    return _str(value)[start:end]


def _replace(value: Any, old: Any, new: Any) -> Any:
    if value is None:
        return None
    text, old, new = check_text_input(_str(value)), _str(old), _str(new)
    if len(new) > len(old):  # refuse before building it: replace(x, "", long) multiplies the text
        count = len(text) + 1 if old == "" else text.count(old)
        check_length(len(text) + count * (len(new) - len(old)))
    return text.replace(old, new)


def _min(*values: Any) -> Any:
    return min(_number(v) for v in values)


def _max(*values: Any) -> Any:
    return max(_number(v) for v in values)


def _abs(value: Any) -> Any:
    return None if value is None else abs(_number(value))


# name -> (function, min args, max args or None for any number)
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    "round": (_round, 1, 2),
    "upper": (_text_fn(str.upper), 1, 1),
    "lower": (_text_fn(str.lower), 1, 1),
    "title": (_text_fn(str.title), 1, 1),
    "trim": (_text_fn(str.strip), 1, 1),
    "concat": (_concat, 1, None),
    "coalesce": (_coalesce, 1, None),
    "len": (_len, 1, 1),
    "str": (lambda v: _str(v), 1, 1),
    "decimal": (_decimal, 1, 1),
    "int": (_int, 1, 1),
    "date": (_date, 1, 2),
    "sum": (_sum, 1, 1),
    "substr": (_substr, 2, 3),
    "replace": (_replace, 3, 3),
    "min": (_min, 1, None),
    "max": (_max, 1, None),
    "abs": (_abs, 1, 1),
}
# Special forms, compiled differently: field("path") and lookup("value_map", value).
SPECIAL = ("field", "lookup")


def expression_functions() -> list[str]:
    """The names an expression may call, for the designer's help text."""
    return sorted([*FUNCTIONS, *SPECIAL])


# ---------------------------------------------------------------- operators


def _add(a: Any, b: Any) -> Any:
    if type(a) is Decimal and type(b) is Decimal:
        return a + b
    if isinstance(a, str) and isinstance(b, str):
        return a + b
    return _number(a) + _number(b)


def _sub(a: Any, b: Any) -> Any:
    return _number(a) - _number(b)


def _mul(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if (ta is Decimal or ta is int) and (tb is Decimal or tb is int):
        return a * b
    return _number(a) * _number(b)  # never text * n: no way to build huge strings


def _div(a: Any, b: Any) -> Any:
    return Decimal(_number(a)) / Decimal(_number(b))


def _floordiv(a: Any, b: Any) -> Any:
    return _number(a) // _number(b)


def _mod(a: Any, b: Any) -> Any:
    return _number(a) % _number(b)  # never text % ...: that would be string formatting


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: _add,
    ast.Sub: _sub,
    ast.Mult: _mul,
    ast.Div: _div,
    ast.FloorDiv: _floordiv,
    ast.Mod: _mod,
}


def _in(a: Any, b: Any) -> bool:
    if isinstance(b, str):
        return isinstance(a, str) and a in b
    if isinstance(b, list | tuple | dict):
        return a in b
    if b is None:
        return False
    raise TypeError(f"'in' needs text or a list, not {type(b).__name__}")


def _eq(a: Any, b: Any) -> bool:
    if a == b:
        return True
    if isinstance(a, float) or isinstance(b, float):
        try:
            return _number(a) == _number(b)
        except TypeError:
            return False
    return False


_CMPOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: _eq,
    ast.NotEq: lambda a, b: not _eq(a, b),
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: _in,
    ast.NotIn: lambda a, b: not _in(a, b),
}


def _ordering(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def cmp(a: Any, b: Any) -> Any:
        if isinstance(a, float):
            a = Decimal(repr(a))
        if isinstance(b, float):
            b = Decimal(repr(b))
        return op(a, b)

    return cmp


for _op in (ast.Lt, ast.LtE, ast.Gt, ast.GtE):
    _CMPOPS[_op] = _ordering(_CMPOPS[_op])


# ---------------------------------------------------------------- compiler


def compile_expression(source: str, cctx: CompileContext) -> Fn:
    """Parse and compile once; raises SpecError on anything outside the language."""
    global PARSE_COUNT
    if not isinstance(source, str) or not source.strip():
        raise SpecError("empty expression")
    if len(source) > MAX_LENGTH:
        raise SpecError(f"expression is longer than {MAX_LENGTH} characters")
    PARSE_COUNT += 1
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise SpecError(f"syntax error in expression: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise SpecError(f"expression cannot be parsed: {type(exc).__name__}") from None
    try:
        return _Compiler(cctx).node(tree.body)
    except RecursionError:
        raise SpecError("expression is nested too deeply") from None


class _Compiler:
    def __init__(self, cctx: CompileContext) -> None:
        self.cctx = cctx
        self.item_reads: dict[int, str] = {}  # id(compiled node) -> key, for single fields of the line item

    def node(self, node: ast.AST) -> Fn:
        method = getattr(self, "c_" + type(node).__name__, None)
        if method is None:
            raise SpecError(f"{_describe(node)} is not allowed in an expression")
        return method(node)

    def c_Constant(self, node: ast.Constant) -> Fn:
        value = node.value
        if isinstance(value, float):
            value = Decimal(repr(value))
        elif value is not None and not isinstance(value, str | int | bool):
            raise SpecError(f"literal {value!r} is not allowed")
        return lambda ctx: value

    def c_List(self, node: ast.List | ast.Tuple) -> Fn:
        parts = tuple(self.node(e) for e in node.elts)
        if all(isinstance(e, ast.Constant) for e in node.elts):
            constant = tuple(p(None) for p in parts)  # type: ignore[arg-type]
            return lambda ctx: constant
        return lambda ctx: tuple(p(ctx) for p in parts)

    c_Tuple = c_List

    def c_Name(self, node: ast.Name) -> Fn:
        return self._path(node)

    def c_Attribute(self, node: ast.Attribute) -> Fn:
        return self._path(node)

    def c_Subscript(self, node: ast.Subscript) -> Fn:
        return self._path(node)

    def _path(self, node: ast.AST) -> Fn:
        text = _path_text(node)
        fn = compile_source_path(text, self.cctx, floats_as_decimal=True)
        on_item, _, key = resolve_source_path(text, self.cctx)
        if on_item and key is not None:
            self.item_reads[id(fn)] = key
        return fn

    def c_BinOp(self, node: ast.BinOp) -> Fn:
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise SpecError(f"operator {type(node.op).__name__} is not allowed")
        left, right = self.node(node.left), self.node(node.right)
        k1, k2 = self.item_reads.get(id(left)), self.item_reads.get(id(right))
        if k1 is not None and k2 is not None:
            # two fields of the line item (item.Quantity * item.Rate): read both inline
            def item_op(ctx: RecordContext) -> Any:
                item = ctx.item
                if type(item) is not dict:
                    return op(None, None)
                a, b = item.get(k1), item.get(k2)
                return check(
                    op(float_decimal(a) if type(a) is float else a, float_decimal(b) if type(b) is float else b)
                )

            return item_op
        return lambda ctx: check(op(left(ctx), right(ctx)))

    def c_UnaryOp(self, node: ast.UnaryOp) -> Fn:
        operand = self.node(node.operand)
        if isinstance(node.op, ast.Not):
            return lambda ctx: not operand(ctx)
        if isinstance(node.op, ast.USub):
            return lambda ctx: -_number(operand(ctx))
        if isinstance(node.op, ast.UAdd):
            return lambda ctx: _number(operand(ctx))
        raise SpecError(f"operator {type(node.op).__name__} is not allowed")

    def c_BoolOp(self, node: ast.BoolOp) -> Fn:
        parts = tuple(self.node(v) for v in node.values)
        if isinstance(node.op, ast.And):

            def all_of(ctx: RecordContext) -> Any:
                value: Any = True
                for p in parts:
                    value = p(ctx)
                    if not value:
                        return value
                return value

            return all_of

        def any_of(ctx: RecordContext) -> Any:
            value: Any = False
            for p in parts:
                value = p(ctx)
                if value:
                    return value
            return value

        return any_of

    def c_Compare(self, node: ast.Compare) -> Fn:
        first = self.node(node.left)
        pairs = []
        for op_node, comparator in zip(node.ops, node.comparators, strict=True):
            op = _CMPOPS.get(type(op_node))
            if op is None:
                raise SpecError(f"comparison {type(op_node).__name__} is not allowed")
            pairs.append((op, self.node(comparator)))
        chain = tuple(pairs)

        def compare(ctx: RecordContext) -> bool:
            left = first(ctx)
            for op, right_fn in chain:
                right = right_fn(ctx)
                if not op(left, right):
                    return False
                left = right
            return True

        return compare

    def c_IfExp(self, node: ast.IfExp) -> Fn:
        test, body, orelse = self.node(node.test), self.node(node.body), self.node(node.orelse)
        return lambda ctx: body(ctx) if test(ctx) else orelse(ctx)

    def c_Call(self, node: ast.Call) -> Fn:
        if not isinstance(node.func, ast.Name):
            raise SpecError("only the built-in functions can be called")
        name = node.func.id
        if node.keywords:
            raise SpecError(f"{name}() takes no keyword arguments")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise SpecError(f"{name}(*...) is not allowed")
        if name == "field":
            if len(node.args) != 1 or not _is_text(node.args[0]):
                raise SpecError('field() takes one path in quotes: field("Addresses[0].Line1")')
            return compile_source_path(node.args[0].value, self.cctx, floats_as_decimal=True)  # type: ignore[attr-defined]
        if name == "lookup":
            return self._lookup(node)
        if name not in FUNCTIONS:
            raise SpecError(f"unknown function {name}(); allowed: {', '.join(sorted([*FUNCTIONS, *SPECIAL]))}")
        fn, lo, hi = FUNCTIONS[name]
        if len(node.args) < lo or (hi is not None and len(node.args) > hi):
            count = str(lo) if lo == hi else f"{lo} to {hi}" if hi is not None else f"at least {lo}"
            raise SpecError(f"{name}() takes {count} argument(s)")
        args = tuple(self.node(a) for a in node.args)
        if len(args) == 2 and isinstance(node.args[1], ast.Constant):
            a0, c1 = args[0], args[1](None)  # type: ignore[arg-type]
            return lambda ctx: check(fn(a0(ctx), c1))
        if len(args) == 1:
            (a0,) = args
            return lambda ctx: check(fn(a0(ctx)))
        if len(args) == 2:
            a0, a1 = args
            return lambda ctx: check(fn(a0(ctx), a1(ctx)))
        return lambda ctx: check(fn(*[a(ctx) for a in args]))

    def _lookup(self, node: ast.Call) -> Fn:
        if len(node.args) != 2 or not _is_text(node.args[0]):
            raise SpecError('lookup() takes a value map name in quotes and a value: lookup("vat", item.VATRate)')
        map_name = node.args[0].value  # type: ignore[attr-defined]
        value_map = self.cctx.value_maps.get(map_name)
        if value_map is None:
            raise SpecError(f"lookup(): no value map named {map_name!r}")
        arg = self.node(node.args[1])

        def lookup(ctx: RecordContext) -> Any:
            value = arg(ctx)
            found = value_map.find(value)
            if found is NOT_FOUND:
                if value_map.default is not None:
                    return value_map.default
                if value is not None:
                    ctx.issue(VALUE_NOT_MAPPED, f"{value!r} is not in value map {map_name!r}", value)
                return None
            return found

        return lookup


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _path_text(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        _check_name(node.id)
        return node.id
    if isinstance(node, ast.Attribute):
        _check_name(node.attr)
        return f"{_path_text(node.value)}.{node.attr}"
    if isinstance(node, ast.Subscript):
        base = _path_text(node.value)
        index = node.slice
        if isinstance(index, ast.Constant) and isinstance(index.value, int) and not isinstance(index.value, bool):
            return f"{base}[{index.value}]"
        if (
            isinstance(index, ast.UnaryOp)
            and isinstance(index.op, ast.USub)
            and isinstance(index.operand, ast.Constant)
            and isinstance(index.operand.value, int)
            and not isinstance(index.operand.value, bool)
        ):
            return f"{base}[-{index.operand.value}]"
        if _is_text(index):
            _check_name(index.value)  # type: ignore[attr-defined]
            return f"{base}.{index.value}"  # type: ignore[attr-defined]
        raise SpecError("a list index must be a whole number, e.g. LineItems[0]")
    raise SpecError(f"{_describe(node)} cannot be used as a path")


def _check_name(name: str) -> None:
    if name.startswith("_"):
        raise SpecError(f"name {name!r} is not allowed (names cannot start with _)")
    if name in FUNCTIONS or name in SPECIAL:
        raise SpecError(f"{name} is a function: call it, e.g. {name}(...)")
    if any(c in name for c in ".[]="):
        raise SpecError(f"name {name!r} is not allowed")


def _describe(node: ast.AST) -> str:
    names = {
        "Lambda": "lambda",
        "ListComp": "a comprehension",
        "GeneratorExp": "a generator",
        "DictComp": "a comprehension",
        "SetComp": "a comprehension",
        "NamedExpr": "assignment (:=)",
        "Await": "await",
        "Yield": "yield",
        "JoinedStr": "an f-string",
        "Starred": "*unpacking",
        "Dict": "a dict literal",
        "Set": "a set literal",
        "Slice": "a slice",
    }
    return names.get(type(node).__name__, type(node).__name__)
