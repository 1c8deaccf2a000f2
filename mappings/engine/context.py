"""The two contexts: what a rule knows while compiling, and what it sees while applying to one record."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mappings.engine.errors import Issue, SpecError
from mappings.engine.paths import compile_getter, parse_path

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

    __slots__ = ("index", "issues", "item", "record", "rule")

    def __init__(self, record: Any, issues: list[Issue]) -> None:
        self.record = record
        self.item: Any = None
        self.index: int | None = None
        self.issues = issues
        self.rule: RuleRef = _NO_RULE

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


def resolve_source_path(text: Any, cctx: CompileContext) -> tuple[bool, Callable[[Any], Any]]:
    """Resolve a source path in scope: ``LineItems[].Rate`` (the line source) and ``item.Rate`` read the
    current item; every other path reads the whole record (the header). Returns (reads the item, getter)."""
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
            return True, _identity
        if rest.startswith("["):
            raise SpecError(f"{text!r}: a line item is an object, not a list")
        return True, compile_getter(parse_path(rest))
    return False, compile_getter(parse_path(text))


def compile_source_path(text: Any, cctx: CompileContext) -> Callable[[RecordContext], Any]:
    """Like ``resolve_source_path``, as a function of the record context."""
    on_item, get = resolve_source_path(text, cctx)
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
