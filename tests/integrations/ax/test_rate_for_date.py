"""Which AX exchange rate converts a document: the latest ValidFrom on or before its date (one function, no AX)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from integrations.connectors.dynamics_ax.connector import flatten_rates, rate_on

PAIR = {
    "FromCurrencyCode": "EUR",
    "ToCurrencyCode": "GBP",
    "ExchangeRateType": "Default",
    # out of order on purpose: AX's document order is not a date order
    "ExchangeRate": [
        {"ValidFrom": "2024-06-01", "ExchangeRate": "85.0000"},
        {"ValidFrom": "2024-01-01", "ExchangeRate": "86.0000", "ValidTo": "2024-05-31"},
        {"ValidFrom": "2024-03-15", "ExchangeRate": "85.5000"},
    ],
}


def test_the_rate_of_a_date_is_the_latest_valid_from_on_or_before_it():
    rates = flatten_rates([PAIR])

    assert rate_on(rates, date(2023, 12, 31)) is None
    assert rate_on(rates, date(2024, 1, 1)) == Decimal("0.86")
    assert rate_on(rates, date(2024, 3, 14)) == Decimal("0.86")
    assert rate_on(rates, date(2024, 3, 15)) == Decimal("0.855")
    assert rate_on(rates, date(2024, 5, 31)) == Decimal("0.855")
    assert rate_on(rates, date(2024, 6, 1)) == Decimal("0.85")
    assert rate_on(rates, date(2030, 1, 1)) == Decimal("0.85")


def test_flattened_rates_are_per_one_unit_oldest_first_and_skip_unreadable_rows():
    broken = [{"ValidFrom": "", "ExchangeRate": "1"}, {"ValidFrom": "2024-07-01"}]
    pair = {**PAIR, "ExchangeRate": [*PAIR["ExchangeRate"], *broken]}

    rates = flatten_rates([pair])

    assert [(r["ValidFrom"], r["Rate"]) for r in rates] == [
        ("2024-01-01", "0.86"),
        ("2024-03-15", "0.855"),
        ("2024-06-01", "0.85"),
    ]
    assert rates[0]["ValidTo"] == "2024-05-31"
    assert {(r["FromCurrency"], r["ToCurrency"]) for r in rates} == {("EUR", "GBP")}


def test_a_rate_is_not_applied_after_its_valid_to():
    """ExchangeRate::findByDate applies a rate only while it is in force: a gap after a ValidTo has no rate, and an
    empty ValidTo (or AX's empty date 1900-01-01) is open-ended."""
    from mappings.engine.currency import ExchangeRateTable

    pair = {
        **PAIR,
        "ExchangeRate": [
            {"ValidFrom": "2024-01-01", "ExchangeRate": "86.0000", "ValidTo": "2024-02-29"},
            {"ValidFrom": "2024-04-01", "ExchangeRate": "85.0000", "ValidTo": "1900-01-01"},
        ],
    }
    rates = flatten_rates([pair])
    table = ExchangeRateTable(rates)

    for look_up in (lambda d: rate_on(rates, d), lambda d: table.rate("EUR", "GBP", d)):
        assert look_up(date(2024, 2, 29)) == Decimal("0.86")
        assert look_up(date(2024, 3, 1)) is None  # expired: not the stale 0.86
        assert look_up(date(2024, 3, 31)) is None
        assert look_up(date(2024, 4, 1)) == Decimal("0.85")
        assert look_up(date(2030, 1, 1)) == Decimal("0.85")  # 1900-01-01: no end
