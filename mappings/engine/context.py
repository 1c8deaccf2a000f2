"""The two contexts: what a rule knows while compiling, and what it sees while applying to one record."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mappings.engine.errors import Issue, SpecError
from mappings.engine.paths import KEY, Path, compile_getter, parse_path
from mappings.engine.values import float_decimal

if TYPE_CHECKING:
    from mappings.engine.currency import RateProvider
    from mappings.engine.valuemaps import CompiledValueMap

ITEM = "item"


class RuleRef:
    """What an issue names: the rule (its target path) and, for per-item rules, the concrete field."""

    __slots__ = ("field_prefix", "field_suffix", "name")

    def __init__(self, name: str, field_prefix: str = "", field_suffix: str = "") -> None:
        self.name = name
        self.field_prefix = field_prefix  # "CustInvoiceLine" for per-item rules, else ""
        self.field_suffix = field_suffix  # ".Quantity" for per-item rules, else the target path

    def field_at(self, index: int | None) -> str:
        if not self.field_prefix:
            return self.field_suffix
        return f"{self.field_prefix}[{'' if index is None else index}]{self.field_suffix}"


class RecordContext:
    """Per record: the source record, the current line item (and its index), the issues so far."""

    __slots__ = ("index", "issues", "item", "lines", "memo", "record", "rule")

    def __init__(self, record: Any, issues: list[Issue]) -> None:
        self.record = record
        self.item: Any = None
        self.index: int | None = None
        self.lines = ""  # the target list being mapped (CustInvoiceLine), while mapping its items
        self.issues = issues
        self.rule: RuleRef = _NO_RULE
        self.memo: dict[Any, Any] = {}  # per-item rules' values that depend on the header alone

    def issue(self, code: str, message: str, value: Any = None) -> None:
        rule = self.rule
        self.issues.append(Issue(code, rule.field_at(self.index), rule.name, message, value))


_NO_RULE = RuleRef("", "", "")


@dataclass
class CompileContext:
    """What compiling one rule needs; ``line_source`` is the source list of the per-item rules (``LineItems``)."""

    value_maps: Mapping[str, CompiledValueMap] = field(default_factory=dict)
    rates: RateProvider | None = None
    line_source: str | None = None
    target_field: Any = None  # the catalog FieldSpec of the rule's target, if known
    rule_name: str = ""


def resolve_source_path(text: Any, cctx: CompileContext) -> tuple[bool, Callable[[Any], Any], str | None]:
    """Resolve a source path in scope: ``LineItems[].Rate`` (the line source) and ``item.Rate`` read the
    current item; every other path reads the whole record (the header).

    Returns (reads the item, getter, the key when the path is one plain field name — for inlining)."""
    if not isinstance(text, str):
        raise SpecError("a source path must be text")
    text = text.strip()
    line = cctx.line_source
    rest: str | None = None
    if text == ITEM or text.startswith(ITEM + ".") or text.startswith(ITEM + "["):
        if line is None:
            raise SpecError(f"{text!r}: 'item' is only available in per-line rules")
        rest = text[len(ITEM) :]
    elif line is not None and (text == line + "[]" or text.startswith(line + "[].") or text.startswith(line + "[][")):
        rest = text[len(line) + 2 :]
    if rest is not None:
        rest = rest.lstrip(".")
        if not rest:
            return True, _identity, None
        if rest.startswith("["):
            raise SpecError(f"{text!r}: a line item is an object, not a list")
        path = parse_path(rest)
        return True, compile_getter(path), _single_key(path)
    path = parse_path(text)
    return False, compile_getter(path), _single_key(path)


def _single_key(path: Path) -> str | None:
    return path.segments[0][1] if len(path.segments) == 1 and path.segments[0][0] == KEY else None


def compile_source_path(text: Any, cctx: CompileContext, *, floats_as_decimal: bool = False) -> Callable:
    """Like ``resolve_source_path``, as a function of the record context. With ``floats_as_decimal``, JSON
    floats read as exact Decimals (``0.1`` -> ``Decimal("0.1")``), as expressions need."""
    on_item, get, key = resolve_source_path(text, cctx)
    if key is not None:
        # the common case, inlined: one field of the item or of the record
        if on_item and floats_as_decimal:

            def item_number(ctx: RecordContext) -> Any:
                obj = ctx.item
                value = obj.get(key) if type(obj) is dict else None
                return float_decimal(value) if type(value) is float else value

            return item_number
        if on_item:

            def item_key(ctx: RecordContext) -> Any:
                obj = ctx.item
                return obj.get(key) if type(obj) is dict else None

            return item_key
        if floats_as_decimal:

            def record_number(ctx: RecordContext) -> Any:
                value = ctx.record.get(key)
                return float_decimal(value) if type(value) is float else value

            return record_number

        def record_key(ctx: RecordContext) -> Any:
            return ctx.record.get(key)

        return record_key
    if floats_as_decimal:
        plain = compile_source_path(text, cctx)

        def as_decimal(ctx: RecordContext) -> Any:
            value = plain(ctx)
            return float_decimal(value) if type(value) is float else value

        return as_decimal
    if on_item:

        def from_item(ctx: RecordContext) -> Any:
            return get(ctx.item)

        return from_item
    get_h = get

    def from_record(ctx: RecordContext) -> Any:
        return get_h(ctx.record)

    return from_record


def _identity(obj: Any) -> Any:
    return obj
