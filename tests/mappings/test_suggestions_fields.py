"""Source-field suggestions on the real connector catalogs: concept, name and sample value, with reasons."""

from __future__ import annotations

import pytest

from mappings import services, suggestions
from mappings.catalogs import catalog_for
from mappings.models import MappingSet
from mappings.services.starters import install_templates


@pytest.fixture
def empty_customer_mapping(db) -> MappingSet:
    return MappingSet.objects.create(
        key="customer-new",
        name="Customers (new)",
        source_system="kashflow",
        source_entity="customer",
        target_system="dynamics_ax",
        target_entity="customer",
    )


@pytest.fixture
def empty_invoice_mapping(db) -> MappingSet:
    return MappingSet.objects.create(
        key="invoice-new",
        name="Invoices (new)",
        source_system="kashflow",
        source_entity="sales_invoice",
        target_system="dynamics_ax",
        target_entity="sales_invoice",
    )


def _best(found: dict, target: str) -> suggestions.Suggestion:
    return found[target][0]


def test_kashflow_account_reference_is_the_first_suggestion_for_ax_accountnum(empty_customer_mapping):
    found = suggestions.suggest_unmapped(empty_customer_mapping)
    best = _best(found, "AccountNum")
    assert best.value == "Code"
    assert "same concept customer.code" in best.reason
    assert _best(found, "VATNum").value == "VATNumber"
    assert _best(found, "DirParty[0].Name").value == "Name"


def test_an_ax_address_part_is_suggested_from_the_harmonised_kashflow_address(empty_customer_mapping):
    found = suggestions.suggest_unmapped(empty_customer_mapping)
    best = _best(found, "DirParty[0].DirPartyPostalAddressView[0].City")
    assert (best.value, best.transforms) == ("Addresses[0]", ({"name": "address", "params": {"part": "City"}},))
    assert "harmonise" in best.reason


def test_line_fields_are_suggested_from_line_fields(empty_invoice_mapping):
    found = suggestions.suggest_unmapped(empty_invoice_mapping)
    assert _best(found, "CustInvoiceLine[].Quantity").value == "LineItems[].Quantity"
    assert _best(found, "CustInvoiceLine[].LedgerDimension.Account").value == "LineItems[].NominalCode"
    assert _best(found, "InvoiceDate").value == "IssuedDate"
    assert _best(found, "OrderAccount").value == "CustomerCode"


def test_a_sample_value_that_does_not_fit_lowers_a_suggestion(empty_invoice_mapping):
    target = catalog_for("dynamics_ax", "sales_invoice").field("InvoiceDate")
    source = catalog_for("kashflow", "sales_invoice")
    good = suggestions.suggest_sources(target, source, {"IssuedDate": "2026-11-02"})[0]
    bad = suggestions.suggest_sources(target, source, {"IssuedDate": "next week"})[0]
    assert good.value == bad.value == "IssuedDate"
    assert good.score > bad.score
    assert "is a date" in good.reason and "not a date" in bad.reason


def test_map_all_fills_only_unmapped_fields_and_keeps_what_a_person_set(empty_customer_mapping, accountant):
    services.save_rule(empty_customer_mapping, target_path="AccountNum", source="Name", actor=accountant)
    created = suggestions.map_all_suggested(empty_customer_mapping, actor=accountant)
    assert "AccountNum" not in created
    assert empty_customer_mapping.rules.get(target_path="AccountNum").source == "Name"
    assert empty_customer_mapping.rules.get(target_path="VATNum").source == "VATNumber"
    city = empty_customer_mapping.rules.get(target_path="DirParty[0].DirPartyPostalAddressView[0].City")
    assert city.transforms == [{"name": "address", "params": {"part": "City"}}]
    assert suggestions.map_all_suggested(empty_customer_mapping, actor=accountant) == []  # nothing left to fill
    assert services.rule_errors(empty_customer_mapping) == {}  # every suggested rule can apply


def test_map_all_is_refused_on_a_published_version(db):
    (published,) = install_templates(keys=["customer-kf-to-ax"])
    with pytest.raises(services.VersionLocked):
        suggestions.map_all_suggested(published)


def test_fields_the_dimension_rules_or_ax_fill_are_not_offered_for_mapping(empty_invoice_mapping):
    found = suggestions.suggest_unmapped(empty_invoice_mapping)
    assert "InvoiceId" not in found  # assigned by AX
    assert "PaymentStatus" not in found  # computed by AX
    assert not [path for path in found if "Dimension.Values" in path]
