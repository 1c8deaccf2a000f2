"""Value helpers: exact decimals from JSON numbers (memoised: amounts repeat), fresh copies of constants, and
the JSON form of a mapped document."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

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


def deep_copy(value: Any) -> Any:
    """A copy of a JSON-like value (dicts and lists copied, everything else shared: it is immutable)."""
    if isinstance(value, dict):
        return {k: deep_copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [deep_copy(v) for v in value]
    return value


def constant(value: Any) -> Callable[[], Any]:
    """A function giving the value, as a fresh copy when it is a dict or list: a document must never share
    an object with the mapping spec (a later rule writing into it would change the spec)."""
    if isinstance(value, dict | list | tuple):
        return lambda: deep_copy(value)
    return lambda: value


def jsonable(value: Any) -> Any:
    """The document with Decimals as text ("12.50") and dates as ISO text, ready for json.dumps."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
