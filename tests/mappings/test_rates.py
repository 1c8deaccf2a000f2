"""Currency conversion in a mapping uses AX's exchange rates, valid on the document date."""

from __future__ import annotations

import copy
from decimal import Decimal

from mappings import reference, services
from mappings.services.transfer import import_mapping
from tests.mappings.conftest import CUSTOMER_DOC

RATES = [
    {"FromCurrency": "EUR", "ToCurrency": "GBP", "ValidFrom": "2026-01-01", "Rate": "0.8500"},
    {"FromCurrency": "EUR", "ToCurrency": "GBP", "ValidFrom": "2026-06-01", "Rate": "0.8600"},
]


def _converting_mapping():
    doc = copy.deepcopy(CUSTOMER_DOC)
    doc["key"] = "credit-in-gbp"
    doc["rules"].append(
        {
            "target_path": "CreditMax",
            "source": "CreditLimit",
            "transforms": [{"name": "currency_convert", "params": {"to": "GBP", "date_path": "Since"}}],
        }
    )
    return import_mapping(doc, publish=True)


def test_the_rate_valid_on_the_document_date_is_used(db, monkeypatch):
    monkeypatch.setattr(reference, "exchange_rates", lambda: RATES)
    mapping = _converting_mapping()
    record = {"Code": "X", "CreditLimit": "1000", "Currency": {"Code": "EUR"}, "Since": "2026-03-15"}
    assert services.compiled_mapping(mapping).apply(record).document["CreditMax"] == Decimal("850.00")
    record["Since"] = "2026-07-01"
    assert services.compiled_mapping(mapping).apply(record).document["CreditMax"] == Decimal("860.00")


def test_a_missing_rate_is_an_issue_on_the_record_not_a_guess(db, monkeypatch):
    monkeypatch.setattr(reference, "exchange_rates", lambda: RATES)
    mapping = _converting_mapping()
    record = {"Code": "X", "CreditLimit": "1000", "Currency": {"Code": "USD"}, "Since": "2026-03-15"}
    result = services.compiled_mapping(mapping).apply(record)
    assert "CreditMax" not in result.document
    assert any("no exchange rate USD->GBP" in i.message for i in result.issues)


def test_a_mapping_without_conversion_never_asks_ax_for_rates(db, monkeypatch):
    def refuse():
        raise AssertionError("rates were fetched")

    monkeypatch.setattr(reference, "exchange_rates", refuse)
    mapping = import_mapping(CUSTOMER_DOC, publish=True)
    assert services.compiled_mapping(mapping).apply({"Code": "x"}).document["AccountNum"] == "X"
