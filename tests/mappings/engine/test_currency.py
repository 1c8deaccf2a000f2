"""Exchange rates from AX's ExchangeRate records: the date rule, inverse pairs, caching."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from mappings.engine import CachedRateProvider, ExchangeRateTable, RateProvider

RECORDS = [
    {"FromCurrency": "EUR", "ToCurrency": "GBP", "ValidFrom": "2026-01-01", "Rate": "0.85"},
    {"FromCurrency": "EUR", "ToCurrency": "GBP", "ValidFrom": "2026-02-01", "Rate": "0.86"},
    {"FromCurrency": "EUR", "ToCurrency": "GBP", "ValidFrom": "2026-03-01", "Rate": "0.84"},
    {"FromCurrency": "GBP", "ToCurrency": "USD", "ValidFrom": "2026-01-01", "Rate": "1.25"},
]


def test_the_latest_rate_valid_on_or_before_the_date_is_used():
    table = ExchangeRateTable(RECORDS)
    assert table.rate("EUR", "GBP", date(2026, 1, 31)) == Decimal("0.85")
    assert table.rate("EUR", "GBP", date(2026, 2, 1)) == Decimal("0.86")
    assert table.rate("EUR", "GBP", date(2027, 1, 1)) == Decimal("0.84")
    assert table.rate("EUR", "GBP", date(2025, 12, 31)) is None


def test_the_reverse_pair_is_inverted_and_the_same_currency_is_one():
    table = ExchangeRateTable(RECORDS)
    assert table.rate("USD", "GBP", date(2026, 5, 1)) == Decimal(1) / Decimal("1.25")
    assert table.rate("gbp", "GBP", date(2026, 5, 1)) == Decimal(1)
    assert table.rate("JPY", "GBP", date(2026, 5, 1)) is None


def test_malformed_records_are_skipped_and_counted():
    table = ExchangeRateTable(
        [
            *RECORDS,
            {"FromCurrency": "EUR"},
            {"FromCurrency": "EUR", "ToCurrency": "GBP", "ValidFrom": "soon", "Rate": "1"},
            {"FromCurrency": "EUR", "ToCurrency": "GBP", "ValidFrom": "2026-04-01", "Rate": "-1"},
            {"FromCurrency": "EUR", "ToCurrency": "GBP", "ValidFrom": "2026-04-01", "Rate": "NaN"},
        ]
    )
    assert table.skipped == 4
    assert table.rate("EUR", "GBP", date(2026, 4, 2)) == Decimal("0.84")


def test_cached_provider_loads_once_until_the_ttl_expires():
    loads = []

    def load():
        loads.append(1)
        return RECORDS

    cached = CachedRateProvider(load, ttl_seconds=3600)
    assert isinstance(cached, RateProvider)
    for _ in range(5):
        assert cached.rate("EUR", "GBP", date(2026, 2, 2)) == Decimal("0.86")
    assert len(loads) == 1
    expired = CachedRateProvider(load, ttl_seconds=-1)
    expired.rate("EUR", "GBP", date(2026, 2, 2))
    expired.rate("EUR", "GBP", date(2026, 2, 2))
    assert len(loads) == 3
