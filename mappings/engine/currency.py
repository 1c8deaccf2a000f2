"""Exchange rates for currency conversion, read from AX's ExchangeRate records and kept in memory.

Date rule: the rate used for a document is the latest rate whose ``ValidFrom`` is on or before the
document date, unless its ``ValidTo`` is before that date (AX's ExchangeRate::findByDate does not apply an expired
rate: the gap after a ValidTo has no rate; an earlier row never fills it, AX's rows of a pair do not overlap). An
empty ValidTo, or AX's empty date 1900-01-01, is open-ended. ``Rate`` is units of ``ToCurrency`` per 1
``FromCurrency``; when only the reverse pair is known its inverse is used; the same currency converts at 1. No
such rate -> None (the engine reports an issue on the record, it never guesses).
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class RateProvider(Protocol):
    def rate(self, from_ccy: str, to_ccy: str, on_date: date) -> Decimal | None:
        """Units of ``to_ccy`` per 1 ``from_ccy`` valid on ``on_date``, or None when unknown."""
        ...


class ExchangeRateTable:
    """An in-memory RateProvider built once from AX ``ExchangeRate`` records
    (``{"FromCurrency", "ToCurrency", "ValidFrom": "YYYY-MM-DD", "ValidTo" (optional), "Rate"}``); malformed
    records are skipped and counted in ``skipped``."""

    def __init__(self, records: Iterable[Mapping[str, Any]] = ()) -> None:
        pairs: dict[tuple[str, str], dict[date, tuple[Decimal, date | None]]] = {}
        self.skipped = 0
        for rec in records:
            try:
                src = str(rec["FromCurrency"]).strip().upper()
                dst = str(rec["ToCurrency"]).strip().upper()
                valid_from = date.fromisoformat(str(rec["ValidFrom"])[:10])
                rate = Decimal(str(rec["Rate"]))
                valid_to = _valid_to(rec.get("ValidTo"))
            except (KeyError, TypeError, ValueError, InvalidOperation):
                self.skipped += 1
                continue
            if not rate.is_finite() or rate <= 0 or not src or not dst:
                self.skipped += 1
                continue
            pairs.setdefault((src, dst), {})[valid_from] = (rate, valid_to)
        self._dates: dict[tuple[str, str], list[date]] = {}
        self._rates: dict[tuple[str, str], list[Decimal]] = {}
        self._ends: dict[tuple[str, str], list[date | None]] = {}
        for pair, by_date in pairs.items():
            ordered = sorted(by_date)
            self._dates[pair] = ordered
            self._rates[pair] = [by_date[d][0] for d in ordered]
            self._ends[pair] = [by_date[d][1] for d in ordered]
        self._memo: dict[tuple[str, str, date], Decimal | None] = {}

    def rate(self, from_ccy: str, to_ccy: str, on_date: date) -> Decimal | None:
        key = (from_ccy, to_ccy, on_date)
        if key in self._memo:
            return self._memo[key]
        found = self._find(str(from_ccy).upper(), str(to_ccy).upper(), on_date)
        if len(self._memo) < 100_000:
            self._memo[key] = found
        return found

    def _find(self, src: str, dst: str, on_date: date) -> Decimal | None:
        if src == dst:
            return Decimal(1)
        direct = self._latest((src, dst), on_date)
        if direct is not None:
            return direct
        reverse = self._latest((dst, src), on_date)
        if reverse is not None:
            return Decimal(1) / reverse
        return None

    def _latest(self, pair: tuple[str, str], on_date: date) -> Decimal | None:
        dates = self._dates.get(pair)
        if not dates:
            return None
        i = bisect_right(dates, on_date)
        if not i:
            return None
        end = self._ends[pair][i - 1]
        return None if end is not None and end < on_date else self._rates[pair][i - 1]


def _valid_to(value: Any) -> date | None:
    """A rate's ValidTo as a date; None when open-ended (empty, or AX's empty date 1900-01-01)."""
    text = str(value or "")[:10]
    if not text or text == "1900-01-01":
        return None
    return date.fromisoformat(text)


class CachedRateProvider:
    """A RateProvider that loads ExchangeRate records through ``load()`` (e.g. the AX connector's list of
    exchange rates) on first use and again after ``ttl_seconds``; thread-safe."""

    def __init__(self, load: Callable[[], Iterable[Mapping[str, Any]]], ttl_seconds: float = 300.0) -> None:
        self._load = load
        self._ttl = ttl_seconds
        self._table: ExchangeRateTable | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def table(self) -> ExchangeRateTable:
        now = time.monotonic()
        table = self._table
        if table is None or now - self._loaded_at > self._ttl:
            with self._lock:
                if self._table is None or now - self._loaded_at > self._ttl:
                    self._table = ExchangeRateTable(self._load())
                    self._loaded_at = now
                table = self._table
        return table

    def rate(self, from_ccy: str, to_ccy: str, on_date: date) -> Decimal | None:
        return self.table().rate(from_ccy, to_ccy, on_date)
