"""Value maps: exact code, then a case-insensitive match, then a code range, then the default.

Numbers and numeric text compare as numbers (``20``, ``20.0`` and ``"20.00"`` are one VAT rate, range
``4000``..``4999`` holds ``4100``); a range whose ends are not both numbers compares as text. A value that
nothing matches, with no default, is a ``value_not_mapped`` issue naming the map and the value.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from mappings.engine.errors import SpecError
from mappings.engine.spec import ValueMapSpec

_NOT_FOUND = object()
_MEMO_LIMIT = 10_000


def as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 40:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def canonical(value: Any) -> str:
    """The text a value is compared by: numbers without trailing zeros, text stripped."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        number = as_number(value)
        return str(value) if number is None else _number_text(number)
    return str(value).strip()


def _number_text(number: Decimal) -> str:
    return format(number.normalize(), "f")  # 20.00 -> "20", 17.50 -> "17.5", 1E+28 -> all its digits


class CompiledValueMap:
    __slots__ = (
        "_by_number",
        "_exact",
        "_folded",
        "_misses",
        "_num_ranges",
        "_reverse",
        "_text_ranges",
        "default",
        "fast",
        "name",
    )

    def __init__(self, spec: ValueMapSpec) -> None:
        self.name = spec.name
        self.default = spec.default or None
        self._exact: dict[str, str] = {}
        self._folded: dict[str, str] = {}
        self._by_number: dict[Decimal, str] = {}
        self._num_ranges: list[tuple[Decimal, Decimal, str]] = []
        self._text_ranges: list[tuple[str, str, str]] = []
        self._reverse: dict[str, str] = {}
        # Raw text and numbers, for a first dict hit without any conversion (see ``find``).
        self.fast: dict[Any, str] = {}
        self._misses: set[Any] = set()
        for entry in spec.entries:
            source, source_to, target = str(entry.source).strip(), str(entry.source_to or "").strip(), entry.target
            if not source:
                raise SpecError("an entry has an empty source value")
            if source_to:
                lo, hi = as_number(source), as_number(source_to)
                if lo is not None and hi is not None:
                    if lo > hi:
                        raise SpecError(f"range {source}..{source_to} is empty")
                    self._num_ranges.append((lo, hi, target))
                else:
                    if source > source_to:
                        raise SpecError(f"range {source}..{source_to} is empty")
                    self._text_ranges.append((source, source_to, target))
                continue
            self._exact.setdefault(source, target)
            self.fast.setdefault(source, target)
            self._folded.setdefault(source.casefold(), target)
            number = as_number(source)
            if number is not None:
                self._by_number.setdefault(number, target)
                self.fast.setdefault(_native(number), target)
            self._reverse.setdefault(str(target).strip(), source)
            self._reverse.setdefault(str(target).strip().casefold(), source)

    def lookup(self, value: Any) -> Any:
        """The target value, else the default; None when nothing matches and there is no default."""
        found = self.find(value)
        return self.default if found is _NOT_FOUND else found

    def find(self, value: Any) -> Any:
        """Exact, case-insensitive, numeric, then range; ``NOT_FOUND`` when none matches (default not applied).

        Answers for plain text and numbers are remembered (a map is immutable once compiled)."""
        if value is None:
            return _NOT_FOUND
        tv = type(value)
        if tv is str or tv is int or tv is float:  # never bool: True would find entry "1"
            hit = self.fast.get(value)
            if hit is not None:
                return hit
            if value in self._misses:
                return _NOT_FOUND
            found = self._find(value)
            if len(self.fast) + len(self._misses) < _MEMO_LIMIT:
                if found is _NOT_FOUND:
                    self._misses.add(value)
                else:
                    self.fast[value] = found
            return found
        return self._find(value)

    def _find(self, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            hit = self._exact.get(text)
            if hit is not None:
                return hit
            hit = self._folded.get(text.casefold())
            if hit is not None:
                return hit
        elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            # equal numbers hash alike across int, float and Decimal: 20, 20.0 and Decimal("20") find one entry
            hit = self._by_number.get(value)
            if hit is not None:
                return hit
        else:
            return _NOT_FOUND
        number = as_number(value)
        if number is not None:
            hit = self._by_number.get(number)
            if hit is not None:
                return hit
            for lo, hi, target in self._num_ranges:
                if lo <= number <= hi:
                    return target
        if self._text_ranges:
            text = canonical(value)
            for lo_t, hi_t, target in self._text_ranges:
                if lo_t <= text <= hi_t:
                    return target
        return _NOT_FOUND

    def reverse(self, value: Any) -> Any:
        """Target -> source (exact entries only): ``Paid`` <- ``PaymentStatus Paid``; None when unknown."""
        if value is None:
            return None
        text = canonical(value)
        hit = self._reverse.get(text)
        if hit is None:
            hit = self._reverse.get(text.casefold())
        return hit


NOT_FOUND = _NOT_FOUND


def _native(number: Decimal) -> int | float | Decimal:
    """The cheapest equal key: JSON gives ints and floats, and equal numbers share a dict slot."""
    if number == number.to_integral_value():
        return int(number)
    as_float = float(number)
    return as_float if Decimal(as_float) == number else number


def compile_value_map(spec: ValueMapSpec) -> CompiledValueMap:
    return CompiledValueMap(spec)
