"""Suggestions for a value a value map lacks: the nearest valid AX main account, with the reason."""

from __future__ import annotations

import pytest

from integrations.sandbox.demo_data import MAIN_ACCOUNTS
from mappings import suggestions
from mappings.services.starters import install_templates

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
