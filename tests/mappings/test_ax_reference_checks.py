"""Values a mapping writes into AX are checked against AX's main accounts and dimension values, read from the
AX sandbox over its SOAP port (issue 15, defect 2): an unknown one is an issue in the preview and refuses the
publish, with the nearest valid values."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from integrations.sandbox.demo import seed_sandbox
from integrations.sandbox.loading import ensure_demo_connections
from mappings import services
from mappings.models import MappingSet
from mappings.preview import preview
from mappings.services.ax_checks import Choice, check_against_ax, check_values, nearest
from mappings.services.starters import install_templates

KEY = "sales-invoice-kf-to-ax"
RECORD = {
    "Number": 9001,
    "CustomerCode": "ACME01",
    "IssuedDate": "2026-03-01T00:00:00",
    "Currency": {"Code": "GBP"},
    "LineItems": [{"Description": "Advice", "Quantity": 1, "Rate": 100, "NominalCode": 4100, "VATRate": 20}],
}


@pytest.fixture
def ax(live_server, transactional_db):
    cache.clear()
    seed_sandbox(invoices=1)
    ensure_demo_connections(live_server.url)


@pytest.fixture
def draft(ax, accountant) -> MappingSet:
    (published,) = install_templates(keys=[KEY])
    return services.get_or_create_draft(published, actor=accountant)


def _set_target(draft: MappingSet, source: str, target: str) -> None:
    services.save_value_map_entry(draft, value_map="nominal_accounts", source_value=source, target_value=target)


def test_the_shipped_mapping_uses_only_values_ax_has(draft):
    check = check_against_ax(draft)
    assert check.available
    assert check.unknown == []


def test_an_unknown_account_and_cost_centre_are_preview_issues_with_the_nearest_values(draft):
    _set_target(draft, "4100", "999999")
    rule = draft.dimension_rules.get(name="Consultancy")
    rule.dimensions = {"Department": "020", "CostCenter": "OU_99"}
    rule.save()

    result = preview(draft, RECORD)
    unknown = [i for i in result.issues if i["code"] == "unknown_in_ax"]
    assert {i["value"] for i in unknown} == {"999999", "OU_99"}
    account = next(i for i in unknown if i["value"] == "999999")
    assert account["field"] == "Value map nominal_accounts, row 4100"
    assert len(account["nearest"]) == 3 and "nearest:" in account["message"]
    cost_centre = next(i for i in unknown if i["value"] == "OU_99")
    assert cost_centre["nearest"] and all(n["value"].startswith("OU_") for n in cost_centre["nearest"])
    assert "AX has no CostCenter value OU_99" in cost_centre["message"]


def test_publishing_a_value_ax_does_not_have_is_refused(draft, accountant):
    _set_target(draft, "4100", "999999")
    with pytest.raises(services.PublishRefused) as refused:
        services.publish(draft, actor=accountant)
    assert any("AX has no main account 999999" in e for e in refused.value.errors)
    draft.refresh_from_db()
    assert draft.status == "draft"
    _set_target(draft, "4100", "401500")
    assert services.publish(draft, actor=accountant).status == "published"


def test_an_unknown_value_map_default_is_refused_too(draft, accountant):
    services.save_value_map(draft, name="nominal_accounts", kind="nominal_to_main_account", default_value="123")
    with pytest.raises(services.PublishRefused) as refused:
        services.publish(draft, actor=accountant)
    assert any("default" in e and "123" in e for e in refused.value.errors)


def test_nearest_prefers_the_same_leading_digits_then_the_nearest_number():
    accounts = [Choice("401100", "Sales - products"), Choice("401500", "Sales - consultancy"), Choice("610000", "")]
    assert [c.value for c in nearest("401499", accounts, limit=2)] == ["401500", "401100"]
    assert nearest("OU_99", [Choice("BU_1"), Choice("OU_6"), Choice("OU_1")])[0].value in ("OU_1", "OU_6")


def test_the_preview_offers_the_nearest_accounts_as_one_click_replacements(draft, client_for):
    _set_target(draft, "4100", "401599")
    client = client_for("Accountant")
    page = client.post(
        reverse("mappings:preview", args=[draft.pk]),
        {"action": "paste", "sample_json": json.dumps(RECORD)},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    offers = re.findall(r'class="link use-nearest"[^>]*hx-vals=\'([^\']+)\'', page)
    assert offers
    choice = json.loads(offers[0])
    assert (choice["value_map"], choice["source_value"], choice["target_value"]) == (
        "nominal_accounts",
        "4100",
        "401500",
    )
    client.post(reverse("mappings:save_value_map_entry", args=[draft.pk]), choice, HTTP_HX_REQUEST="true")
    assert check_against_ax(draft).unknown == []


def test_a_fixed_main_account_in_a_rule_is_checked_but_a_customer_account_is_not(db):
    (payment,) = install_templates(keys=["payment-kf-to-ax"])
    draft = services.get_or_create_draft(payment)
    services.save_rule(
        draft,
        target_path="LedgerJournalTrans[0].OffsetLedgerDimension.Account",
        source_kind="constant",
        source="999000",
        transforms=[],
        default=None,
    )
    # The payment's LedgerDimension.Account is the customer (AccountType Cust): a code AX's chart does not hold.
    accounts = [("110110", "Bank - current account"), ("130100", "Customers")]
    unknown = check_values(draft, accounts, [])
    assert [(u.place, u.value) for u in unknown] == [
        ("Rule LedgerJournalTrans[0].OffsetLedgerDimension.Account, constant", "999000")
    ]
