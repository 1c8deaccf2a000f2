"""The named transforms of a field rule: a registry name -> factory(params, context) -> fn(value, ctx).

Parameters are checked when the mapping compiles (unknown names, wrong types, bad patterns); at run time
a transform that fails, or whose output is past a bound of ``limits.py``, becomes a ``rule_error`` issue
on the record (only the transforms in ``CAN_GROW`` can outgrow their input; they alone are checked).
Every transform passes ``None`` through unchanged unless it exists to replace it (``default``,
``conditional``). ``describe_transforms()`` lists them for the designer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Any

import re2

from mappings.engine.address import PARTS, harmonise
from mappings.engine.conditions import compile_condition
from mappings.engine.context import CompileContext, RecordContext, compile_source_path
from mappings.engine.errors import RULE_ERROR, VALUE_NOT_MAPPED, SpecError
from mappings.engine.expressions import _str, parse_date, to_decimal, to_int
from mappings.engine.limits import check, check_text_input
from mappings.engine.valuemaps import NOT_FOUND
from mappings.engine.values import constant

TransformFn = Callable[[Any, RecordContext], Any]
_MISSING = object()


@dataclass(frozen=True)
class Param:
    type: str  # int | str | bool | any | list | path | number
    required: bool = False
    default: Any = None
    help: str = ""


@dataclass(frozen=True)
class TransformDef:
    name: str
    factory: Callable[[dict[str, Any], CompileContext], TransformFn]
    params: Mapping[str, Param]
    help: str


TRANSFORMS: dict[str, TransformDef] = {}


def transform(name: str, help: str, **params: Param) -> Callable:
    def register(factory: Callable[[dict[str, Any], CompileContext], TransformFn]) -> Callable:
        TRANSFORMS[name] = TransformDef(name, factory, params, help)
        return factory

    return register


def describe_transforms() -> list[dict[str, Any]]:
    """For the designer: every transform with its parameters (type, required, default, help)."""
    return [
        {
            "name": t.name,
            "help": t.help,
            "params": {
                k: {
                    "type": p.type,
                    "required": p.required,
                    "default": _shown_default(p.default),
                    "help": p.help,
                }
                for k, p in t.params.items()
            },
        }
        for t in TRANSFORMS.values()
    ]


def _shown_default(value: Any) -> Any:
    if value is _MISSING:
        return None
    return list(value) if isinstance(value, tuple) else value


def compile_transform(name: str, params: Any, cctx: CompileContext) -> TransformFn:
    tdef = TRANSFORMS.get(name)
    if tdef is None:
        raise SpecError(f"unknown transform {name!r}")
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise SpecError(f"transform {name}: params must be an object")
    unknown = set(params) - set(tdef.params)
    if unknown:
        raise SpecError(f"transform {name}: unknown parameter(s) {', '.join(sorted(map(str, unknown)))}")
    checked: dict[str, Any] = {}
    for key, p in tdef.params.items():
        value = params.get(key, _MISSING)
        if value is _MISSING or value is None:
            if p.required:
                raise SpecError(f"transform {name}: parameter {key!r} is required")
            checked[key] = p.default
            continue
        checked[key] = _check_param(name, key, p, value)
    try:
        fn = tdef.factory(checked, cctx)
    except SpecError as exc:
        raise SpecError(f"transform {name}: {exc}") from None
    if name not in CAN_GROW:
        return fn  # on the hot path: no wrapper where the output cannot outgrow the input

    def bounded(value: Any, ctx: RecordContext) -> Any:
        return check(fn(value, ctx))  # within limits.py's bounds

    return bounded


# The transforms whose output can outgrow their input: a chain of them could amplify a value without end, so
# their results are checked against limits.py. The others keep a value's size (trim, case, truncate, dates),
# cap it (pad to at most 1000), round it (numbers stay within the decimal context's 28 digits), check it
# themselves (integer) or replace it with a constant of the mapping (default, conditional, lookup).
CAN_GROW = frozenset({"template", "concat", "split", "regex_replace", "currency_convert"})


def _check_param(name: str, key: str, p: Param, value: Any) -> Any:
    ok = {
        "int": isinstance(value, int) and not isinstance(value, bool),
        "str": isinstance(value, str),
        "path": isinstance(value, str) and bool(value.strip()),
        "bool": isinstance(value, bool),
        "list": isinstance(value, list | tuple),
        "number": isinstance(value, int | float | str) and not isinstance(value, bool),
        "any": True,
    }[p.type]
    if not ok:
        raise SpecError(f"transform {name}: parameter {key!r} must be {p.type}")
    return value


# ---------------------------------------------------------------- text


@transform("trim", "Strip spaces at both ends; collapse=true also squeezes inner runs of spaces to one.",
           collapse=Param("bool", default=False))  # fmt: skip
def _trim(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    if params["collapse"]:
        return lambda v, ctx: None if v is None else " ".join(_str(v).split())
    return lambda v, ctx: None if v is None else _str(v).strip()


def _case(method: Callable[[str], str]) -> Callable[[dict[str, Any], CompileContext], TransformFn]:
    def factory(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
        return lambda v, ctx: None if v is None else method(_str(v))

    return factory


transform("upper", "UPPER CASE.")(_case(str.upper))
transform("lower", "lower case.")(_case(str.lower))
transform("title", "Title Case.")(_case(str.title))


@transform("truncate", "Cut to `length` characters; without it, to the target field's max length.",
           length=Param("int", help="defaults to the target field's max_length"))  # fmt: skip
def _truncate(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    length = params["length"]
    if length is None:
        length = getattr(cctx.target_field, "max_length", None)
        if not length:
            raise SpecError("needs a length: the target field has no max length in its catalog")
    if length < 0:
        raise SpecError("length must not be negative")
    return lambda v, ctx: None if v is None else _str(v)[:length]


@transform("pad", "Pad to `width` with `char` (left pads 42 -> 00042).",
           width=Param("int", required=True), char=Param("str", default="0"),
           side=Param("str", default="left", help="left | right"))  # fmt: skip
def _pad(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    width, char, side = params["width"], params["char"], params["side"]
    if len(char) != 1 or side not in ("left", "right") or not 0 <= width <= 1000:
        raise SpecError("needs a one-character char, side left|right and width 0..1000")
    if side == "left":
        return lambda v, ctx: None if v is None else _str(v).rjust(width, char)
    return lambda v, ctx: None if v is None else _str(v).ljust(width, char)


@transform("template", "Put the value into text: 'KF-{value}'.", text=Param("str", required=True))
def _template(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    head, sep, tail = params["text"].partition("{value}")
    if not sep:
        raise SpecError("text must contain {value}")
    tail = tail.replace("{value}", "")  # one placeholder only: no str.format, so no attribute access
    return lambda v, ctx: None if v is None else head + _str(v) + tail


@transform("concat", "Join the value with the values at `paths`, separated by `separator`.",
           paths=Param("list", required=True, help="source paths to append"),
           separator=Param("str", default=" "),
           skip_empty=Param("bool", default=True, help="leave out missing and empty parts"))  # fmt: skip
def _concat(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    getters = tuple(compile_source_path(p, cctx) for p in params["paths"])
    sep, skip = params["separator"], params["skip_empty"]

    def concat(v: Any, ctx: RecordContext) -> Any:
        parts = [v, *(g(ctx) for g in getters)]
        texts = [_str(p) for p in parts if not (skip and (p is None or _str(p).strip() == ""))]
        return sep.join(texts) if texts else None

    return concat


@transform("split", "Split text on `separator`; `index` picks one part (0 = first, -1 = last), none = the list.",
           separator=Param("str", default=","), index=Param("int", default=None),
           trim=Param("bool", default=True))  # fmt: skip
def _split(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    sep, index, trim = params["separator"], params["index"], params["trim"]
    if sep == "":
        raise SpecError("separator must not be empty")

    def split(v: Any, ctx: RecordContext) -> Any:
        if v is None:
            return None
        parts = _str(v).split(sep)
        if trim:
            parts = [p.strip() for p in parts]
        if index is None:
            return parts
        try:
            return parts[index]
        except IndexError:
            return None

    return split


@transform("regex_replace", "Replace matches of `pattern` (RE2 syntax: no look-around or back-references) with "
           "`replacement` (\\1 or \\g<name> for groups).",
           pattern=Param("str", required=True), replacement=Param("str", default=""),
           ignore_case=Param("bool", default=False), count=Param("int", default=0))  # fmt: skip
def _regex_replace(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    # RE2 matches in time linear in the text whatever the pattern, so ^(.+)+# cannot stall a worker
    # the way it does Python's backtracking re (https://github.com/google/re2/wiki/WhyRE2).
    if len(params["pattern"]) > 300 or len(params["replacement"]) > 300:
        raise SpecError("pattern and replacement must be at most 300 characters")
    options = re2.Options()
    options.case_sensitive = not params["ignore_case"]
    options.log_errors = False
    try:
        pattern = re2.compile(params["pattern"], options)
    except re2.error as exc:
        raise SpecError(f"bad pattern (RE2 syntax, no look-around or back-references): {_re2_message(exc)}") from None
    repl, count = params["replacement"], params["count"]
    for number, name in _GROUP_REFERENCE.findall(repl):
        if (number and int(number) > pattern.groups) or (name and name not in pattern.groupindex):
            raise SpecError(f"bad pattern: replacement refers to group {number or name!r}, which the pattern lacks")

    def regex_replace(v: Any, ctx: RecordContext) -> Any:
        if v is None:
            return None
        return pattern.sub(repl, check_text_input(_str(v)), count=count)

    return regex_replace


_GROUP_REFERENCE = re.compile(r"\\(\d+)|\\g<([^>]*)>")


def _re2_message(exc: Exception) -> str:
    message = exc.args[0] if exc.args else exc
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


# ---------------------------------------------------------------- dates and numbers


def _date_parser(fmt: str) -> Callable[[Any], datetime]:
    if fmt == "iso":

        def parse_iso(v: Any) -> datetime:
            if isinstance(v, datetime):
                return v
            text = _str(v).strip()
            if len(text) == 10:
                d = parse_date(text)
                return datetime(d.year, d.month, d.day)
            return datetime.fromisoformat(text.replace("Z", "+00:00"))

        return parse_iso
    return lambda v: datetime.strptime(_str(v).strip(), fmt)


def _check_format(fmt: str) -> None:
    try:
        datetime(2001, 2, 3, 4, 5, 6).strftime(fmt)
    except ValueError as exc:
        raise SpecError(f"bad date format {fmt!r}: {exc}") from None


@transform("date_format", "Read a date (`input`: 'iso' or a strptime format like %d/%m/%Y) and write it as `output`.",
           input=Param("str", default="iso"), output=Param("str", default="%Y-%m-%d"))  # fmt: skip
def _date_format(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    _check_format(params["output"])
    parse, out = _date_parser(params["input"]), params["output"]
    if out == "%Y-%m-%d" and params["input"] == "iso":

        def iso_date(v: Any, ctx: RecordContext) -> Any:
            if v is None or v == "":
                return None
            if type(v) is str and len(v) == 10 and v[4] == "-" and v[7] == "-":
                return parse_date(v).isoformat()  # validates and normalises in one step
            return parse(v).date().isoformat()

        return iso_date
    return lambda v, ctx: None if v is None or v == "" else parse(v).strftime(out)


@transform("datetime_format", "Like date_format, keeping the time; `output` 'iso' writes ISO 8601.",
           input=Param("str", default="iso"), output=Param("str", default="iso"))  # fmt: skip
def _datetime_format(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    parse, out = _date_parser(params["input"]), params["output"]
    if out == "iso":
        return lambda v, ctx: None if v is None or v == "" else parse(v).isoformat()
    _check_format(out)
    return lambda v, ctx: None if v is None or v == "" else parse(v).strftime(out)


ROUNDING = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN, "up": ROUND_UP}


def _rounder(decimals: int | None, mode: str) -> Callable[[Any], Any]:
    if mode not in ROUNDING:
        raise SpecError(f"mode must be one of {', '.join(ROUNDING)}")
    if decimals is None:
        return lambda v: None if v is None or v == "" else to_decimal(v)
    if not 0 <= decimals <= 12:
        raise SpecError("decimals must be 0..12")
    quantum, rounding = Decimal(1).scaleb(-decimals), ROUNDING[mode]
    memo: dict[Any, Decimal] = {}  # JSON amounts repeat; equal ints/floats round alike

    def rnd(v: Any) -> Any:
        tv = type(v)
        if tv is Decimal:  # already a Decimal (arithmetic): no conversion, no comparison with ""
            return v.quantize(quantum, rounding=rounding)
        if tv is float or tv is int:
            found = memo.get(v)
            if found is not None:
                return found
            found = to_decimal(v).quantize(quantum, rounding=rounding)
            if v and found.is_finite() and len(memo) < 65_536:
                memo[v] = found
            return found
        if v is None or v == "":
            return None
        if tv is not Decimal:
            v = to_decimal(v)
        return v.quantize(quantum, rounding=rounding)

    return rnd


_MODE = Param("str", default="half_up", help="half_up | half_even | down | up")


@transform("number", "Convert to a decimal number; with `decimals`, round.",
           decimals=Param("int", default=None), mode=_MODE)  # fmt: skip
def _number(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    rnd = _rounder(params["decimals"], params["mode"])
    return lambda v, ctx: rnd(v)


@transform("round", "Round a number to `decimals` (default 0).", decimals=Param("int", default=0), mode=_MODE)
def _round(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    rnd = _rounder(params["decimals"], params["mode"])
    return lambda v, ctx: rnd(v)


@transform("money", "A money amount: a Decimal rounded to `decimals` (default 2), half up.",
           decimals=Param("int", default=2), mode=_MODE)  # fmt: skip
def _money(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    rnd = _rounder(params["decimals"], params["mode"])
    return lambda v, ctx: rnd(v)


@transform("integer", "Convert to a whole number (truncates).")
def _integer(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    return lambda v, ctx: None if v is None or v == "" else to_int(v)


@transform("string", "Convert to text (numbers keep their digits; true/false for booleans).")
def _string(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    return lambda v, ctx: None if v is None else _str(v)


@transform("negate", "Change the sign of a number.")
def _negate(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    return lambda v, ctx: None if v is None or v == "" else -to_decimal(v)


@transform("abs", "The absolute value of a number.")
def _abs(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    return lambda v, ctx: None if v is None or v == "" else abs(to_decimal(v))


# ---------------------------------------------------------------- choices


@transform("default", "Use `value` when the value is missing or empty.", value=Param("any", required=True))
def _default(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    fallback = constant(params["value"])
    return lambda v, ctx: fallback() if v is None or v == "" else v


@transform("conditional", "If the condition holds use `then`, else `else` (an absent branch keeps the value). "
           "The condition tests `field` (a source path) or, without it, the value itself.",
           field=Param("path", default=None), op=Param("str", default="eq"), value=Param("any"),
           value_to=Param("any"), map=Param("str", help="look the tested value up in this value map first"),
           then=Param("any", default=_MISSING),
           **{"else": Param("any", default=_MISSING)})  # fmt: skip
def _conditional(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    cond = {k: params[k] for k in ("field", "op", "value", "value_to", "map")}
    test = compile_condition(cond, cctx, field_optional=True)
    then = None if params["then"] is _MISSING else constant(params["then"])
    orelse = None if params["else"] is _MISSING else constant(params["else"])

    def conditional(v: Any, ctx: RecordContext) -> Any:
        if test(ctx, v):
            return v if then is None else then()
        return v if orelse is None else orelse()

    return conditional


@transform("lookup", "Look the value up in the value map `map` (exact, range, then the map's default); "
           "`reverse` looks a target value back to its source value. Not found -> value_not_mapped issue.",
           map=Param("str", required=True), reverse=Param("bool", default=False),
           default=Param("any", help="overrides the map's default"))  # fmt: skip
def _lookup(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    name = params["map"]
    value_map = cctx.value_maps.get(name)
    if value_map is None:
        raise SpecError(f"no value map named {name!r}")
    fallback = params["default"] if params["default"] is not None else value_map.default
    if params["reverse"]:

        def reverse(v: Any, ctx: RecordContext) -> Any:
            if v is None or v == "":
                return None
            found = value_map.reverse(v)
            if found is None:
                if fallback is not None:
                    return fallback
                ctx.issue(VALUE_NOT_MAPPED, f"{v!r} is not a target value of value map {name!r}", v)
            return found

        return reverse
    find = value_map.find
    fast = value_map.fast

    def lookup(v: Any, ctx: RecordContext) -> Any:
        tv = type(v)
        if tv is str or tv is int or tv is float:
            hit = fast.get(v)
            if hit is not None:
                return hit
        found = find(v)
        if found is NOT_FOUND:
            if fallback is not None:
                return fallback
            if v is not None and v != "":
                ctx.issue(VALUE_NOT_MAPPED, f"{v!r} is not in value map {name!r}", v)
            return None
        return found

    return lookup


# ---------------------------------------------------------------- addresses and money


@transform("address", "Harmonise a KashFlow address object (Line1..Line4, PostCode, CountryName, CountryCode) "
           "into AX fields; `part` picks one (Street, City, County, State, ZipCode, CountryRegionId), "
           "none gives all of them as an object. CountryRegionId is ISO alpha-3 (GBR) unless "
           "country_format is alpha2.",
           part=Param("str", default=None), default_country=Param("str", default="GB"),
           country_format=Param("str", default="alpha3", help="alpha3 | alpha2"),
           lines=Param("list", default=("Line1", "Line2", "Line3", "Line4")),
           postcode=Param("str", default="PostCode"), country_name=Param("str", default="CountryName"),
           country_code=Param("str", default="CountryCode"))  # fmt: skip
def _address(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    part = params["part"]
    if part is not None and part not in PARTS:
        raise SpecError(f"part must be one of {', '.join(PARTS)}")
    if params["country_format"] not in ("alpha3", "alpha2"):
        raise SpecError("country_format must be alpha3 or alpha2")
    line_keys = tuple(str(k) for k in params["lines"])
    pc, cn, cc = params["postcode"], params["country_name"], params["country_code"]
    default_country, fmt = params["default_country"].upper(), params["country_format"]

    def address(v: Any, ctx: RecordContext) -> Any:
        if v is None:
            return None
        if not isinstance(v, dict):
            raise ValueError("the source of an address rule must be an address object, e.g. Addresses[0]")
        result = harmonise(
            [v.get(k) for k in line_keys],
            v.get(pc),
            v.get(cn),
            v.get(cc),
            default_country=default_country,
            country_format=fmt,
        )
        if not result.country_known:
            ctx.issue(
                VALUE_NOT_MAPPED,
                f"country {v.get(cc) or v.get(cn)!r} is not known; used {default_country}",
                v.get(cc) or v.get(cn),
            )
        if part is None:
            return result.as_dict()
        return getattr(result, part) or None

    return address


@transform("currency_convert", "Convert an amount with AX's exchange rates: the latest rate whose ValidFrom is "
           "on or before the document date (inverse of the reverse pair when only that exists).",
           to=Param("str", help="target currency code"), to_path=Param("path", help="or a path holding it"),
           from_path=Param("path", default="Currency.Code", help="or a path holding it"),
           date_path=Param("path", required=True, help="the document date, e.g. IssuedDate"),
           decimals=Param("int", default=2), **{"from": Param("str", help="source currency code")})  # fmt: skip
def _currency_convert(params: dict[str, Any], cctx: CompileContext) -> TransformFn:
    if (params["to"] is None) == (params["to_path"] is None):
        raise SpecError("give exactly one of to / to_path")
    to_const, from_const = params["to"], params["from"]
    to_get = compile_source_path(params["to_path"], cctx) if params["to_path"] else None
    from_get = compile_source_path(params["from_path"], cctx) if from_const is None else None
    date_get = compile_source_path(params["date_path"], cctx)
    rnd = _rounder(params["decimals"], "half_up")
    rates = cctx.rates

    def convert(v: Any, ctx: RecordContext) -> Any:
        if v is None or v == "":
            return None
        src = from_const or (from_get(ctx) if from_get else None)
        dst = to_const or (to_get(ctx) if to_get else None)
        if not src or not dst:
            ctx.issue(RULE_ERROR, "currency conversion needs both currency codes", v)
            return None
        src, dst = _str(src).strip().upper(), _str(dst).strip().upper()
        if src == dst:
            return rnd(v)
        on = date_get(ctx)
        try:
            on_date = parse_date(on)
        except (ValueError, TypeError):
            ctx.issue(RULE_ERROR, f"currency conversion needs a document date, got {on!r}", on)
            return None
        rate = rates.rate(src, dst, on_date) if rates is not None else None
        if rate is None:
            ctx.issue(RULE_ERROR, f"no exchange rate {src}->{dst} valid on {on_date.isoformat()}", v)
            return None
        return rnd(to_decimal(v) * rate)

    return convert
