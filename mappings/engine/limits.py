"""Bounds on every value a mapping can produce, so no rule can exhaust a worker's CPU or memory.

A mapping is written by an Accountant, not by a developer, and runs inside the sync worker and the
designer's preview. Without bounds one rule could stall either: ``int()`` of ``1e999999999`` builds a
billion-digit integer, ``replace()`` nested five deep grows a text tenfold per level, and a list can be split
into millions of parts. Every function, operator and transform result passes through ``check()``; a
value past a bound raises ``LimitExceeded``, which the engine reports as a ``rule_error`` issue on the
record naming the rule and the bound (the record goes to the exception queue; nothing hangs).

Regular expressions run on RE2 (``google-re2``): linear time in the input, whatever the pattern.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# Target fields are short (AX's longest strings are a few thousand characters); a generous margin.
MAX_TEXT_LENGTH = 10_000
MAX_LIST_LENGTH = 10_000
# Money and quantities: AX stores numeric(32, 16); 10^21 is far above any ledger amount.
MAX_NUMBER_DIGITS = 40
MAX_NUMBER_MAGNITUDE = 21  # largest power of ten allowed for a number's leading digit
MIN_NUMBER_MAGNITUDE = -40  # and the smallest (1e-41 is not a ledger amount either)
_INT_LIMIT = 10**MAX_NUMBER_MAGNITUDE


class LimitExceeded(ValueError):
    """A value past one of the bounds above; the message names the bound."""


def check(value: Any) -> Any:
    """``value`` unchanged when within every bound, else LimitExceeded."""
    t = type(value)
    if t is str:
        if len(value) > MAX_TEXT_LENGTH:
            check_length(len(value))
    elif t is Decimal:
        check_number(value)
    elif t is int:
        if not -_INT_LIMIT < value < _INT_LIMIT:
            raise LimitExceeded(f"number limit: magnitude above 10^{MAX_NUMBER_MAGNITUDE}")
    elif (t is list or t is tuple) and len(value) > MAX_LIST_LENGTH:
        raise LimitExceeded(f"list limit: {len(value):,} items is over {MAX_LIST_LENGTH:,}")
    return value


def check_number(value: Decimal) -> Decimal:
    """A finite Decimal within the magnitude and digit bounds (zero always is)."""
    if not value.is_finite():
        raise LimitExceeded(f"number limit: {value} is not a finite number")
    if not value:
        return value
    adjusted = value.adjusted()
    if adjusted > MAX_NUMBER_MAGNITUDE:
        raise LimitExceeded(f"number limit: magnitude 10^{adjusted} is above 10^{MAX_NUMBER_MAGNITUDE}")
    if adjusted < MIN_NUMBER_MAGNITUDE:
        raise LimitExceeded(f"number limit: magnitude 10^{adjusted} is below 10^{MIN_NUMBER_MAGNITUDE}")
    digits = adjusted - value.as_tuple().exponent + 1  # type: ignore[operator]
    if digits > MAX_NUMBER_DIGITS:
        raise LimitExceeded(f"number limit: {digits} digits is over {MAX_NUMBER_DIGITS}")
    return value


def check_length(length: int) -> None:
    """Refuse a text of ``length`` characters before it is built."""
    if length > MAX_TEXT_LENGTH:
        raise LimitExceeded(f"text limit: {length:,} characters is over {MAX_TEXT_LENGTH:,}")


def check_text_input(text: str) -> str:
    """Refuse to start work on a text already past the bound (before a replace multiplies it)."""
    check_length(len(text))
    return text
