"""Names beside codes and pickers over AX's lists (issue 15, raise 1), and dimension rules as rows (raise 2).

The names come from the KashFlow and AX sandboxes over their real wire, as the product reads them."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from integrations.sandbox.demo import seed_sandbox
from integrations.sandbox.loading import ensure_demo_connections
from mappings import services
from mappings.models import MappingSet
from mappings.services.starters import install_templates
from tests.access import assert_page_roles

HTMX = {"HTTP_HX_REQUEST": "true"}
KEY = "sales-invoice-kf-to-ax"


@pytest.fixture
def draft(live_server, transactional_db, accountant) -> MappingSet:
    cache.clear()
    seed_sandbox(invoices=1)
    ensure_demo_connections(live_server.url)
    (published,) = install_templates(keys=[KEY])
    return services.get_or_create_draft(published, actor=accountant)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_value_map_rows_and_dimension_rules_show_codes_with_names(draft, client_for):
    page = _text(client_for("Viewer").get(reverse("mappings:detail", args=[draft.pk])).content.decode())
    assert "4100 Consultancy fees → 401500 Sales - consultancy" in page
    assert "OU_4 Bristol branch" in page


def test_the_account_picker_lists_ax_accounts_matching_a_code_or_a_name(draft, client_for):
    url = reverse("mappings:reference_search", args=[draft.pk])
    client = client_for("Accountant")
    by_name = client.get(url, {"kind": "main_account", "field": "target_value", "target_value": "consult"}, **HTMX)
    options = re.findall(r'role="option"[^>]*data-value="(\d+)"', by_name.content.decode())
    assert options == ["401500"]
    by_code = client.get(url, {"kind": "main_account", "field": "target_value", "target_value": "4015"}, **HTMX)
    assert re.findall(r'data-value="(\d+)"', by_code.content.decode())[0] == "401500"
    dims = client.get(url, {"kind": "dimension:CostCenter", "field": "dim_value", "dim_value": "bristol"}, **HTMX)
    assert re.findall(r'data-value="([^"]+)"', dims.content.decode()) == ["OU_4"]
    nominals = client.get(url, {"kind": "nominal", "field": "source_value", "source_value": "sundry"}, **HTMX)
    assert "4900" in re.findall(r'data-value="(\d+)"', nominals.content.decode())
    nothing = client.get(url, {"kind": "main_account", "field": "target_value", "target_value": "zzz"}, **HTMX)
    assert 'aria-disabled="true"' in nothing.content.decode()
    assert_page_roles(client_for, f"{url}?kind=main_account", "Viewer")


def test_the_designer_offers_the_picker_for_account_targets(draft, client_for):
    page = client_for("Accountant").get(reverse("mappings:detail", args=[draft.pk])).content.decode()
    value_map = page.split('data-name="nominal_accounts"', 1)[1].split('class="value-map"', 1)[0]
    assert 'role="combobox"' in value_map and 'name="target_value"' in value_map
    assert 'role="listbox"' in value_map
