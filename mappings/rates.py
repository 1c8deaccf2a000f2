"""The exchange rates a run or a preview converts with: AX's rates, read through the connector and cached.

The date rule is the engine's (``mappings.engine.currency``): the newest rate whose ValidFrom is on or
before the document date; the inverse of the reverse pair when only that exists.
"""

from __future__ import annotations

from mappings import reference
from mappings.engine.currency import ExchangeRateTable


def rate_provider() -> ExchangeRateTable:
    """An engine ``RateProvider`` over AX's exchange rates (empty when AX cannot be reached)."""
    return ExchangeRateTable(reference.exchange_rates())
