"""Suggestions for a value a value map lacks: the nearest valid AX main account, with the reason."""

from __future__ import annotations

import pytest

from integrations.sandbox.demo_data import MAIN_ACCOUNTS
from mappings import suggestions
from mappings.templates import install_templates

ACCOUNTS = [(account, name) for account, name, _type in MAIN_ACCOUNTS]


@pytest.fixture
def sales_mapping(db):
    (mapping,) = install_templates(keys=["sales-invoice-kf-to-ax"])
    return mapping


def test_an_unmapped_sales_nominal_gets_a_sales_account_first(sales_mapping):
    found = suggestions.suggest_value_map_fix(
        sales_mapping, "nominal_accounts", "4900", candidates=ACCOUNTS, source_name="Sundry income"
    )
    assert found[0].value.startswith("401")
    assert "nearest mapped code" in found[0].reason
    assert all(s.reason for s in found)
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)


def test_the_name_of_the_nominal_lifts_the_account_with_the_same_name(sales_mapping):
    found = suggestions.suggest_value_map_fix(
        sales_mapping, "nominal_accounts", "8200", candidates=ACCOUNTS, source_name="Sundry expenses"
    )
    assert found[0].value == "690000"
    assert "Sundry expenses" in found[0].reason


def test_a_status_value_gets_the_closest_known_target(db):
    (mapping,) = install_templates(keys=["invoice-status-kf-to-ax"])
    # KashFlow's statuses map to AX's None or Paid (part paid reads Unpaid in KashFlow, so no row targets PartlyPaid).
    found = suggestions.suggest_value_map_fix(mapping, "payment_status", "PaidInFull")
    assert found[0].value == "Paid"


def test_applying_a_fix_publishes_a_version_that_maps_the_value(sales_mapping, accountant):
    fixed = suggestions.apply_value_map_fix(sales_mapping, "nominal_accounts", "4900", "401500", actor=accountant)
    assert (fixed.status, fixed.version) == ("published", 2)
    entry = fixed.value_maps.get(name="nominal_accounts").entries.get(source_value="4900")
    assert entry.target_value == "401500"
    sales_mapping.refresh_from_db()
    assert sales_mapping.status == "archived"


def test_the_value_map_of_a_rule_is_found_from_the_issue(sales_mapping):
    assert suggestions.value_map_for_rule(sales_mapping, "CustInvoiceLine[].LedgerDimension.Account") == (
        "nominal_accounts"
    )
    assert suggestions.value_map_for_rule(sales_mapping, "OrderAccount") is None


def test_an_unknown_main_account_fault_points_at_the_value_map_row(sales_mapping):
    from mappings import services

    draft = services.get_or_create_draft(sales_mapping)
    services.save_value_map_entry(draft, value_map="nominal_accounts", source_value="4100", target_value="409999")
    services.publish(draft)
    error = "The value '409999' in field 'Main account' is not found in the relating table 'Main accounts'."
    fix = suggestions.suggest_fix(mapping_set=draft, error=error)
    assert (fix["kind"], fix["value_map"], fix["value"], fix["current"]) == (
        "change_value_map_entry",
        "nominal_accounts",
        "4100",
        "409999",
    )


def test_an_unknown_dimension_value_fault_names_the_rule_that_set_it(sales_mapping):
    error = "Dimension value OU_4 does not exist for financial dimension CostCenter."
    fix = suggestions.suggest_fix(mapping_set=sales_mapping, error=error)
    assert fix["kind"] == "edit_dimension_rule"
    assert fix["rules"] == ["Consultancy"]
    assert suggestions.suggest_fix(mapping_set=sales_mapping, error="Something else went wrong") is None
