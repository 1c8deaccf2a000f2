"""Exact decimals from JSON numbers, cheaply: amounts and quantities repeat, so conversions are memoised."""

from __future__ import annotations

from decimal import Decimal

_LIMIT = 65_536
_FROM_FLOAT: dict[float, Decimal] = {}


def float_decimal(value: float) -> Decimal:
    """``0.1`` -> ``Decimal("0.1")`` (the shortest text of the float, not its binary expansion)."""
    found = _FROM_FLOAT.get(value)
    if found is None:
        found = Decimal(repr(value))
        # zeros keep their sign, so -0.0 is never cached as 0.0; NaN and infinities are not cached
        if value and found.is_finite() and len(_FROM_FLOAT) < _LIMIT:
            _FROM_FLOAT[value] = found
    return found
