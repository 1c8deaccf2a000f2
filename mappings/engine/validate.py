"""Check a mapped document against the target's field catalog (an ``EntityCatalog`` of FieldSpecs).

Per field (``CustInvoiceLine[].TaxGroup`` is checked on every line): required and missing or empty ->
``missing_required``; a value of the wrong type -> ``wrong_type``; text longer than ``max_length`` ->
``too_long``; a value outside ``allowed_values`` -> ``not_allowed``. Numbers written to a text field are
turned into their text (AX stores them so) rather than reported. Fields under a list that is absent are
not checked; the list itself is, when required.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from mappings.engine.errors import MISSING_REQUIRED, NOT_ALLOWED, TOO_LONG, WRONG_TYPE, Issue
from mappings.engine.paths import KEY, parse_path

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


class _Node:
    """One object level of the catalog: per key, its check and what lies below it."""

    __slots__ = ("entries",)

    def __init__(self) -> None:
        self.entries: dict[str, list[Any]] = {}  # key -> [check, object node, item node, item check]

    def entry(self, key: str) -> list[Any]:
        found = self.entries.get(key)
        if found is None:
            found = self.entries[key] = [None, None, None, None]
        return found

    def plan(self) -> tuple[tuple, tuple, tuple]:
        """(field checks, objects to descend into, lists whose items to check), as flat tuples."""
        fields, objects, lists = [], [], []
        for key, (check, obj, items, item_check) in self.entries.items():
            if check is not None:
                spec = check.spec
                # Text that passed a parsing type check (a date, a number as text) is remembered per
                # field: documents repeat the same few dates, so each is parsed once, not per record.
                texts = set() if spec.type in _PARSED_TEXT_TYPES else None
                fields.append(
                    (
                        key,
                        bool(spec.required),
                        _FAST_TYPES.get(spec.type, ()),
                        spec.max_length or None,
                        frozenset(spec.allowed_values) if spec.allowed_values else None,
                        check,
                        texts,
                        TYPE_CHECKS.get(spec.type),
                    )
                )
            if obj is not None:
                objects.append((key, obj.plan()))
            if items is not None or item_check is not None:
                lists.append((key, items.plan() if items else None, item_check))
        groups = [(None, tuple(fields))]
        if all(len(sub[0]) == 1 and not sub[1] and not sub[2] for _, sub in objects):
            # Objects holding only fields (LedgerDimension, DefaultDimension) are checked in the same loop
            # as this level's fields, in the same order, rather than by a call per object per line.
            groups += [(key, sub[0][0][1]) for key, sub in objects if sub[0][0][1]]
            objects = []
        return tuple(groups), tuple(objects), tuple(lists)


class Validator:
    """Built once per compiled mapping from the catalog; ``check(document, issues)`` walks the document once
    (every list item once), checking the fields the catalog declares there."""

    def __init__(
        self, catalog: Any, rule_for: Mapping[str, str], skip_lists: Iterable[str] = (), proven: Iterable[str] = ()
    ) -> None:
        root = _Node()
        skipped = tuple(f"{path}[]" for path in skip_lists)  # items checked once when the mapping compiled
        proven = frozenset(proven)  # fields whose only writer can give nothing the field would refuse
        for spec in getattr(catalog, "fields", ()):
            if (skipped and spec.path.startswith(skipped)) or spec.path in proven:
                continue
            try:
                segments = parse_path(spec.path.replace("[]", "[0]")).segments
            except ValueError:
                continue
            rule = rule_for.get(spec.path, "")
            check = _make_check(spec, rule)
            node, entry, i = root, None, 0
            while i < len(segments):
                seg = segments[i]
                last = i == len(segments) - 1
                if seg[0] == KEY:
                    if entry is not None:  # an object below the previous key
                        if entry[1] is None:
                            entry[1] = _Node()
                        node = entry[1]
                    entry = node.entry(seg[1])
                    if last:
                        entry[0] = check
                    i += 1
                    continue
                # [] (parsed as [0]): the items of the list at the previous key
                if entry is None:
                    break
                if last:
                    entry[3] = check
                    break
                nxt = segments[i + 1]
                if nxt[0] != KEY:
                    break  # lists of lists are in no catalog
                if entry[2] is None:
                    entry[2] = _Node()
                node = entry[2]
                entry = node.entry(nxt[1])
                if i + 1 == len(segments) - 1:
                    entry[0] = check
                i += 2
        self._plan = root.plan()

    def check(self, document: dict[str, Any], issues: list[Issue]) -> None:
        _walk(self._plan, document, None, issues)


def _walk(plan: tuple[tuple, tuple, tuple], obj: dict[str, Any], where: Any, issues: list[Issue]) -> None:
    # The checks that pass (nearly all of them) are inlined; a field that may fail goes through its check,
    # which reports the issue.
    groups, objects, lists = plan
    get = obj.get
    for group_key, fields in groups:
        if group_key is None:
            at, here = obj, where
        else:
            at = get(group_key)
            if type(at) is not dict:
                continue
            here = (where, group_key)
        at_get = at.get
        for key, required, fast, max_length, allowed, check, texts, type_ok in fields:
            value = at_get(key)
            if value is None:
                if required:
                    check(_MISSING, at, key, here, issues)
                continue
            tv = type(value)
            if tv is str:
                if (
                    not value
                    or (max_length is not None and len(value) > max_length)
                    or (allowed is not None and value not in allowed)
                ):
                    check(value, at, key, here, issues)
                elif tv not in fast:
                    if texts is not None and value in texts:
                        continue
                    if texts is not None and type_ok(value):
                        if len(texts) < _TEXTS_LIMIT:
                            texts.add(value)
                        continue
                    check(value, at, key, here, issues)
            elif tv not in fast or allowed is not None:
                check(value, at, key, here, issues)
    for key, sub_plan in objects:
        value = get(key)
        if type(value) is dict:
            _walk(sub_plan, value, (where, key), issues)
    for key, item_plan, item_check in lists:
        value = get(key)
        if type(value) is not list:
            continue
        for j, item in enumerate(value):
            at = (where, key, j)
            if item_check is not None:
                item_check(item, value, j, at, issues)
            if item_plan is not None and type(item) is dict:
                _walk(item_plan, item, at, issues)


def render_where(where: Any, key: Any = None) -> str:
    """The concrete path of a checked value: ``CustInvoiceLine[2].LedgerDimension.Account``."""
    parts: list[str] = []
    while where is not None:
        if len(where) == 3:
            where, name, index = where
            parts.append(f"{name}[{index}]")
        else:
            where, name = where
            parts.append(name)
    text = ".".join(reversed(parts))
    if key is None:
        return text
    if isinstance(key, int):
        return text  # a list item: its index is already in ``where``
    return f"{text}.{key}" if text else key


_PARSED_TEXT_TYPES = frozenset({"decimal", "integer", "date", "datetime"})
_TEXTS_LIMIT = 4096

_FAST_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "decimal": (Decimal, int, float),
    "integer": (int,),
    "boolean": (bool,),
    "list": (list,),
    "object": (dict,),
}


def _make_check(spec: Any, rule: str) -> Callable[..., None]:
    required = bool(spec.required)
    kind = spec.type
    max_length = spec.max_length or None
    allowed = frozenset(str(v) for v in spec.allowed_values) if spec.allowed_values else None
    allowed_text = ", ".join(spec.allowed_values or ())
    fast = _FAST_TYPES.get(kind, ())
    type_ok = TYPE_CHECKS.get(kind)

    def check(value: Any, parent: Any, key: Any, where: Any, issues: list[Issue]) -> None:
        if value is _MISSING or value is None or value == "":
            if required:
                at = render_where(where, key)
                issues.append(Issue(MISSING_REQUIRED, at, rule, f"{at} is required", None))
            return
        tv = type(value)
        if tv not in fast:
            if kind == "string" and (tv is int or tv is Decimal):
                value = str(value)  # AX stores numbers in text fields as their text
                parent[key] = value
                tv = str
            elif type_ok is not None and not type_ok(value):
                at = render_where(where, key)
                issues.append(Issue(WRONG_TYPE, at, rule, f"{at} must be {kind}, got {tv.__name__}", value))
                return
        if max_length is not None and tv is str and len(value) > max_length:
            at = render_where(where, key)
            issues.append(Issue(TOO_LONG, at, rule, f"{at} is {len(value)} characters, at most {max_length}", value))
        if allowed is not None and str(value) not in allowed:
            at = render_where(where, key)
            issues.append(Issue(NOT_ALLOWED, at, rule, f"{at}: {value!r} is not one of {allowed_text}", value))

    check.spec = spec  # type: ignore[attr-defined]
    return check
