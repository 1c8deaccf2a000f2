"""Reference data the designer and suggestions read from the remote systems, cached.

AX main accounts and dimension values come from ``mappings.refdata`` (a CSV upload or the AX connection's custom
reference service: AX 2012 ships no standard service for them).

Everything goes through the connectors of the first integration pair (``build_connector``), is
cached in the Django cache for ``CACHE_SECONDS`` and degrades to nothing when a system cannot be
reached: suggestions then fall back to what the mapping itself knows.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from itertools import islice
from typing import Any

from django.core.cache import cache

from integrations.models import Connection, IntegrationPair
from integrations.services.connections import build_connector as build
from mappings.refdata import services as refdata

logger = logging.getLogger(__name__)

CACHE_SECONDS = 600
FAILURE_CACHE_SECONDS = 60


def first_pair() -> IntegrationPair | None:
    return IntegrationPair.objects.select_related("kashflow", "dynamics_ax").first()


def connection_for(system: str) -> Connection | None:
    pair = first_pair()
    if pair is None:
        return None
    return pair.kashflow if system == "kashflow" else pair.dynamics_ax


def build_connector(connection: Connection) -> Any:  # a Connector; the layering keeps its base class out
    return build(connection)


def _cached(name: str, system: str, load: Callable[[Any], Any], default: Any, *, fetch: bool = True) -> Any:
    """The cached ``name`` list of ``system``, read through its connector when not cached (unless ``fetch`` is
    false: then a cold cache answers ``default``)."""
    connection = connection_for(system)
    if connection is None:
        return default
    cache_key = f"mappings:ref:{connection.pk}:{name}"
    found = cache.get(cache_key)
    if found is not None:
        return found
    if not fetch:
        return default
    try:
        connector = build_connector(connection)
        try:
            found = load(connector)
        finally:
            connector.close()
    except Exception:  # the remote system is down or its connector is not ready: suggest from what we have
        logger.warning("Reference data %s from %s unavailable", name, system, exc_info=True)
        cache.set(cache_key, default, FAILURE_CACHE_SECONDS)  # do not ask a system that is down on every record
        return default
    cache.set(cache_key, found, CACHE_SECONDS)
    return found


def _ax_reference(kind: str, *, fetch: bool = True) -> list[list[str]]:
    """AX reference data: what was last loaded (an accountant's CSV upload or the custom service); when nothing was
    ever loaded and the AX connection names a custom reference service, read it now and keep it."""
    rows = refdata.snapshot_rows(kind)
    if rows is not None:
        return rows
    connection = connection_for("dynamics_ax")
    if not fetch or connection is None or not (connection.settings or {}).get("reference_service"):
        return []

    def load(connector: Any) -> bool:
        refdata.refresh_from_service(connector, actor=None)
        return True

    _cached("reference_service", "dynamics_ax", load, False)
    return refdata.snapshot_rows(kind) or []


def main_accounts(*, fetch: bool = True) -> list[tuple[str, str]]:
    """(MainAccountId, Name) of every AX main account (``fetch=False``: never ask AX, only what is kept)."""
    return sorted((str(r[0]), str(r[1])) for r in _ax_reference(refdata.Kind.MAIN_ACCOUNTS, fetch=fetch))


def nominals() -> dict[str, str]:
    """{code: name} of the KashFlow chart of accounts."""
    return _cached(
        "nominals",
        "kashflow",
        lambda c: {str(r.get("Code")): str(r.get("Name", "")) for r in c.list_changed("nominal")},
        {},
    )


def dimension_values(*, fetch: bool = True) -> list[tuple[str, str, str]]:
    """(DimensionName, Value, Description) of every AX financial dimension value."""
    return sorted((str(r[0]), str(r[1]), str(r[2])) for r in _ax_reference(refdata.Kind.DIMENSION_VALUES, fetch=fetch))


def exchange_rates() -> list[dict]:
    """The AX exchange rates between the AX connection's currencies: {FromCurrency, ToCurrency, ValidFrom,
    ValidTo, Rate} as strings (Rate: units of ToCurrency per 1 FromCurrency; ValidTo empty when open-ended).
    AX's rate service (CR) is read pair by pair by the pair's key: it cannot list its pairs."""
    return _cached(
        "exchange_rates",
        "dynamics_ax",
        lambda c: [
            {k: str(r.get(k, "")) for k in ("FromCurrency", "ToCurrency", "ValidFrom", "ValidTo", "Rate")}
            for r in c.all_exchange_rates()
        ],
        [],
    )


def warm(system: str = "dynamics_ax") -> None:
    """Read (and cache) the lists the AX checks need. Call it before opening a transaction: a remote call inside
    one would hold its locks (on SQLite the whole database, which the sandbox answering must write to)."""
    if system == "dynamics_ax":
        main_accounts()
        dimension_values()


RATE_DATE_RULE = (
    "Amounts are converted with the AX exchange rate valid on the document date: the newest rate "
    "whose ValidFrom is on or before that date, unless its ValidTo has passed (a gap after an expired rate has "
    "no rate: the record is refused, never converted at the stale rate; rates are read from AX and cached for "
    "10 minutes)."
)


def sample_records(system: str, entity: str, limit: int = 20) -> list[dict]:
    """A few live records of ``entity`` from the source system, for the preview (not cached)."""
    connection = connection_for(system)
    if connection is None:
        return []
    connector = build_connector(connection)
    try:
        return list(islice(connector.list_changed(entity), limit))
    finally:
        connector.close()


def recent_records(system: str, entity: str, count: int, scan_limit: int = 2000) -> list[dict]:
    """The last ``count`` records the source system lists for ``entity`` (its listing runs oldest key first, so
    up to ``scan_limit`` records are read to reach the newest; not cached). For the draft's dry run."""
    connection = connection_for(system)
    if connection is None:
        return []
    connector = build_connector(connection)
    try:
        return list(deque(islice(connector.list_changed(entity), scan_limit), maxlen=count))
    finally:
        connector.close()


def main_account_types() -> dict[str, str]:
    """{MainAccountId: Type} of the AX chart of accounts. Type is AX 2012's DimensionLedgerAccountType (Revenue,
    Expense, Asset, Liability, Equity, ProfitAndLoss, BalanceSheet, Total, Reporting): learn.microsoft.com,
    previous-versions/dynamics/ax-2012/reference/gg864230(v=ax.60)."""
    return {str(r[0]): str(r[2] or "") for r in _ax_reference(refdata.Kind.MAIN_ACCOUNTS)}


def nominal_types() -> dict[str, str]:
    """{code: type} of the KashFlow chart of accounts (Sales, Expense, Asset, Liability, Equity)."""
    return _cached(
        "nominal_types",
        "kashflow",
        lambda c: {str(r.get("Code")): str(r.get("Type") or "") for r in c.list_changed("nominal")},
        {},
    )


def peek(name: str, system: str, default: Any = None) -> Any:
    """What ``name`` (``nominals``, ``main_accounts``...) holds in the cache now, without asking the system."""
    connection = connection_for(system)
    if connection is None:
        return default
    found = cache.get(f"mappings:ref:{connection.pk}:{name}")
    return default if found is None else found
