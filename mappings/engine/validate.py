"""Check a mapped document against the target's field catalog (an ``EntityCatalog`` of FieldSpecs).

Per field (``CustInvoiceLine[].TaxGroup`` is checked on every line): required and missing or empty ->
``missing_required``; a value of the wrong type -> ``wrong_type``; text longer than ``max_length`` ->
``too_long``; a value outside ``allowed_values`` -> ``not_allowed``. Numbers written to a text field are
turned into their text (AX stores them so) rather than reported. Fields under a list that is absent are
not checked; the list itself is, when required.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from mappings.engine.errors import MISSING_REQUIRED, NOT_ALLOWED, TOO_LONG, WRONG_TYPE, Issue
from mappings.engine.paths import EACH, INDEX, KEY, parse_path

_MISSING = object()


def _is_number_text(value: str) -> bool:
    try:
        return Decimal(value.strip()).is_finite()
    except ArithmeticError:
        return False


def _is_date_text(value: str) -> bool:
    try:
        date.fromisoformat(value.strip()[:10])
    except ValueError:
        return False
    return len(value.strip()) == 10


def _is_datetime_text(value: str) -> bool:
    try:
        datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "decimal": lambda v: (
        (isinstance(v, int | float | Decimal) and not isinstance(v, bool))
        or (isinstance(v, str) and _is_number_text(v))
    ),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, Decimal) and v == v.to_integral_value())
        or (isinstance(v, str) and v.strip().lstrip("-").isdigit())
    ),
    "boolean": lambda v: isinstance(v, bool),
    "date": lambda v: isinstance(v, date) or (isinstance(v, str) and _is_date_text(v)),
    "datetime": lambda v: isinstance(v, datetime) or (isinstance(v, str) and _is_datetime_text(v)),
    "list": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


class Validator:
    """Built once per compiled mapping; ``check(document, issues)`` appends the issues it finds."""

    def __init__(self, catalog: Any, rule_for: Mapping[str, str]) -> None:
        self._checks = []
        for spec in getattr(catalog, "fields", ()):
            try:
                segments = parse_path(spec.path.replace("[]", "[0]")).segments
            except ValueError:
                continue
            segments = tuple((EACH,) if s[0] == INDEX else s for s in segments)
            self._checks.append((spec, segments, rule_for.get(spec.path, "")))

    def check(self, document: dict[str, Any], issues: list[Issue]) -> None:
        for spec, segments, rule in self._checks:
            for where, value, parent, key in _walk(document, segments, 0, ""):
                _check_value(spec, where, value, parent, key, rule, issues)


def _walk(obj: Any, segments: tuple, i: int, prefix: str) -> Iterator[tuple[str, Any, Any, Any]]:
    seg = segments[i]
    last = i == len(segments) - 1
    if seg[0] == KEY:
        if not isinstance(obj, dict):
            return
        where = f"{prefix}.{seg[1]}" if prefix else seg[1]
        value = obj.get(seg[1], _MISSING)
        if last:
            yield where, value, obj, seg[1]
        elif value is not _MISSING:
            yield from _walk(value, segments, i + 1, where)
        return
    # [] : every item of a list; an absent list has nothing to check
    if not isinstance(obj, list):
        return
    for j, item in enumerate(obj):
        where = f"{prefix}[{j}]"
        if last:
            yield where, item, obj, j
        else:
            yield from _walk(item, segments, i + 1, where)


def _check_value(spec: Any, where: str, value: Any, parent: Any, key: Any, rule: str, issues: list[Issue]) -> None:
    if value is _MISSING or value is None or value == "":
        if spec.required:
            issues.append(Issue(MISSING_REQUIRED, where, rule, f"{where} is required", None))
        return
    kind = spec.type
    if kind == "string" and isinstance(value, int | Decimal) and not isinstance(value, bool):
        value = str(value)
        parent[key] = value
    check = TYPE_CHECKS.get(kind)
    if check is not None and not check(value):
        issues.append(Issue(WRONG_TYPE, where, rule, f"{where} must be {kind}, got {type(value).__name__}", value))
        return
    if spec.max_length and isinstance(value, str) and len(value) > spec.max_length:
        issues.append(
            Issue(TOO_LONG, where, rule, f"{where} is {len(value)} characters, at most {spec.max_length}", value)
        )
    if spec.allowed_values and str(value) not in spec.allowed_values:
        issues.append(
            Issue(NOT_ALLOWED, where, rule, f"{where}: {value!r} is not one of {', '.join(spec.allowed_values)}", value)
        )
