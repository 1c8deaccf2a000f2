"""The engine's exchange rates come from the demo AX over a real socket, through LedgerExchangeRatesService's
``read`` by currency pair (the service has no find): the rate of a date is the pair's latest ValidFrom on or
before it, per 1 unit, as the sandbox's per-100 rows say."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from integrations.sandbox.models import AxMessage, AxRecord
from mappings.rates import rate_provider


def test_the_mapping_engine_converts_with_ax_rates_read_pair_by_pair(demo):
    rates = rate_provider()

    pair = AxRecord.objects.get(entity="CurrencyPair", key="EUR/GBP/Default").data
    rows = sorted(pair["ExchangeRate"], key=lambda r: r["ValidFrom"])
    latest, previous = rows[-1], rows[-2]
    day_before = date.fromisoformat(latest["ValidFrom"]) - timedelta(days=1)
    assert rates.rate("EUR", "GBP", date.fromisoformat(latest["ValidFrom"])) == Decimal(latest["ExchangeRate"]) / 100
    assert rates.rate("EUR", "GBP", day_before) == Decimal(previous["ExchangeRate"]) / 100
    assert rates.rate("EUR", "GBP", date.fromisoformat(rows[0]["ValidFrom"]) - timedelta(days=1)) is None
    assert rates.rate("USD", "GBP", date.today()) is not None
    assert rates.rate("EUR", "USD", date.today()) is None  # AX holds no EUR/USD pair: no guess
    sent = AxMessage.objects.filter(service="ExchangeRateService")
    assert set(sent.values_list("operation", flat=True)) == {"read"}


def test_a_rate_past_its_valid_to_converts_nothing_after_it(demo):
    """AX does not apply an expired rate: after a ValidTo and before the next ValidFrom there is no rate, so the
    record is refused as "no rate" rather than converted at the stale one (the reverse pair ends too)."""
    from mappings import reference

    ends = {}
    for key in ("EUR/GBP/Default", "GBP/EUR/Default"):
        record = AxRecord.objects.get(entity="CurrencyPair", key=key)
        latest = max(record.data["ExchangeRate"], key=lambda r: r["ValidFrom"])
        end = date.fromisoformat(latest["ValidFrom"]) + timedelta(days=2)
        latest["ValidTo"] = end.isoformat()
        record.save(update_fields=["data"])
        ends[key] = (end, Decimal(latest["ExchangeRate"]) / 100)

    rates = rate_provider()

    end, rate = ends["EUR/GBP/Default"]
    assert rates.rate("EUR", "GBP", end) == rate  # the last day it is in force
    assert rates.rate("EUR", "GBP", end + timedelta(days=1)) is None  # expired, and its inverse too: no rate
    assert rates.rate("GBP", "EUR", end + timedelta(days=1)) is None
    kept = [r for r in reference.exchange_rates() if (r["FromCurrency"], r["ToCurrency"]) == ("EUR", "GBP")]
    assert end.isoformat() in {r["ValidTo"] for r in kept}
