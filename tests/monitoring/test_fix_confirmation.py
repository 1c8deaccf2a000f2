"""Issue 15, defect 3: "Apply fix and retry" makes no GL decision on a guess. The accounts offered are of the
nominal's own type (revenue for a sales nominal, expense for an expense one), nothing is pre-filled unless the
match is strong, and applying first shows the records, the money and the mapping version it will publish."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from integrations.sandbox.demo_data import MAIN_ACCOUNTS
from mappings.models import MappingSet
from mappings.services.starters import install_templates
from monitoring.models import ExceptionItem
from monitoring.services import fixes, record_exception

TYPES = {account: kind for account, _name, kind in MAIN_ACCOUNTS}


@pytest.fixture
def sales_flow(flow, reference_data):
    (mapping,) = install_templates(keys=["sales-invoice-kf-to-ax"])
    flow.mapping_set = mapping
    flow.save(update_fields=["mapping_set"])
    return flow


@pytest.fixture
def purchase_flow(reference_data):
    from tests.monitoring.conftest import make_flow

    flow = make_flow("Purchase invoices", "purchase_invoice")
    (mapping,) = install_templates(keys=["purchase-invoice-kf-to-ax"])
    flow.mapping_set = mapping
    flow.save(update_fields=["mapping_set"])
    return flow


def _gap(flow, run, key: str, nominal: int, lines: list[tuple[int, float, float]], party="Acme Ltd") -> ExceptionItem:
    payload = {
        "Number": int(key),
        "CustomerName" if flow.entity == "sales_invoice" else "SupplierName": party,
        "IssuedDate": "2026-11-02",
        "Currency": {"Code": "GBP"},
        "GrossAmount": sum(q * r for _n, q, r in lines),
        "LineItems": [{"NominalCode": n, "Quantity": q, "Rate": r, "Description": f"line {n}"} for n, q, r in lines],
    }
    return record_exception(
        flow=flow,
        run=run,
        source_key=key,
        stage="map",
        error_class="value_not_mapped",
        error_code="value_not_mapped",
        message=f"Line 1 Account: {nominal} is not in value map nominal_accounts",
        source_payload=payload,
        mapped_document=None,
        suggested_fix={"kind": "value_map", "value_map": "nominal_accounts", "value": str(nominal)},
    )


@pytest.mark.django_db
def test_a_sundry_income_line_is_offered_revenue_accounts_only_and_nothing_is_chosen_for_it(sales_flow, run):
    item = _gap(sales_flow, run, "1040", 4900, [(4000, 1, 100.0), (4900, 1, 210.0)])
    fix = fixes.value_map_fix_for(item)
    assert fix.candidates and fix.choices
    assert {TYPES[c.value] for c in fix.candidates} <= {"Revenue"}
    assert {TYPES[v] for v, _n in fix.choices} == {"Revenue"}
    assert "290100" not in dict(fix.choices) and "230100" not in dict(fix.choices)  # share capital, PAYE
    assert fix.best == "", "the nearest mapped code is a guess, not a decision"


@pytest.mark.django_db
def test_charitable_donations_get_expense_accounts_and_no_software_prefill(purchase_flow, run):
    item = _gap(purchase_flow, run, "77", 8200, [(8200, 1, 500.0)], party="Golf club")
    fix = fixes.value_map_fix_for(item)
    assert {TYPES[v] for v, _n in fix.choices} == {"Expense"}
    assert fix.best != "670100"
    assert fix.best == ""


@pytest.mark.django_db
def test_a_strong_name_match_is_pre_filled(sales_flow, run, reference_data):
    from django.core.cache import cache

    pair = sales_flow.pair
    cache.set(f"mappings:ref:{pair.kashflow_id}:nominals", {"4900": "Sales - consultancy"}, 600)
    item = _gap(sales_flow, run, "1041", 4900, [(4900, 1, 210.0)])
    assert fixes.value_map_fix_for(item).best == "401500"


@pytest.mark.django_db
def test_the_detail_page_offers_a_select_with_nothing_selected(client_for, sales_flow, run):
    item = _gap(sales_flow, run, "1040", 4900, [(4900, 1, 210.0)])
    page = client_for("accountant").get(reverse("monitoring:exception-detail", args=[item.pk])).content.decode()
    form = page[page.index('id="fix-form"') :]
    form = form[: form.index("</form>")]
    assert "<select" in form and " selected" not in form
    assert "290100" not in form and "401500" in form


@pytest.mark.django_db
def test_applying_asks_for_confirmation_with_records_money_and_version(client_for, sales_flow, run):
    items = [
        _gap(sales_flow, run, "1040", 4900, [(4000, 1, 100.0), (4900, 1, 210.0)]),
        _gap(sales_flow, run, "1041", 4900, [(4900, 2, 500.0), (4900, 1, 24.0)], party="Bolt plc"),
    ]
    assert len({i.fingerprint for i in items}) == 1
    client = client_for("accountant")
    versions = MappingSet.objects.filter(key=sales_flow.mapping_set.key).count()
    url = reverse("monitoring:exception-fix", args=[items[0].pk])
    page = client.post(url, {"target_value": "401500"})
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.content.decode())
    assert "2 invoices, £1,234.00 to 401500 Sales - consultancy" in text
    assert "version 2" in text and "mappings/" in text and "/diff/" in text
    assert "Bolt plc" in text
    # Nothing happened yet.
    assert MappingSet.objects.filter(key=sales_flow.mapping_set.key).count() == versions
    assert set(ExceptionItem.objects.values_list("status", flat=True)) == {"open"}

    response = client.post(url, {"target_value": "401500", "confirm": "yes"})
    assert response.status_code == 302
    published = MappingSet.objects.get(key=sales_flow.mapping_set.key, status="published")
    assert published.version == 2
    assert published.value_maps.get(name="nominal_accounts").entries.get(source_value="4900").target_value == "401500"
    assert set(ExceptionItem.objects.values_list("status", flat=True)) == {"retrying"}


@pytest.mark.django_db
def test_an_account_of_the_wrong_type_is_flagged_and_an_unknown_one_refused(client_for, sales_flow, run):
    item = _gap(sales_flow, run, "1040", 4900, [(4900, 1, 210.0)])
    client = client_for("accountant")
    url = reverse("monitoring:exception-fix", args=[item.pk])
    wrong = client.post(url, {"target_value": "290100"}).content.decode()
    assert "290100 Share capital is an Equity account; 4900 Sundry income needs a revenue account." in wrong
    unknown = client.post(url, {"target_value": "999999", "confirm": "yes"})
    assert unknown.status_code == 400 and "AX has no main account" in unknown.content.decode()
    assert not MappingSet.objects.filter(key=sales_flow.mapping_set.key, version=2).exists()


@pytest.mark.django_db
def test_the_service_refuses_an_account_ax_does_not_have(sales_flow, run, accountant):
    from monitoring.services import actions

    item = _gap(sales_flow, run, "1040", 4900, [(4900, 1, 210.0)])
    with pytest.raises(actions.ActionRefused, match="AX has no main account 999999"):
        actions.apply_value_map_fix(item, user=accountant, target_value="999999")
    assert not MappingSet.objects.filter(key=sales_flow.mapping_set.key, version=2).exists()
