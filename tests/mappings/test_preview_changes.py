"""The preview tells the accountant what changes (issue 15, raise 3): the record and its document side by side,
the draft against the published version per line, and a dry run over the source system's last records."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from integrations.sandbox.demo import seed_sandbox
from integrations.sandbox.loading import ensure_demo_connections
from integrations.sandbox.models import KashFlowRecord
from mappings import services
from mappings.preview import compare, tables
from mappings.services.starters import install_templates
from tests.access import assert_page_roles

HTMX = {"HTTP_HX_REQUEST": "true"}
KEY = "sales-invoice-kf-to-ax"
RECORD = {
    "Number": 9001,
    "CustomerCode": "ACME01",
    "IssuedDate": "2026-03-01T00:00:00",
    "DueDate": "2026-03-31T00:00:00",
    "Currency": {"Code": "GBP"},
    "LineItems": [
        {"Description": "Widgets", "Quantity": 2, "Rate": 10, "NominalCode": 4000, "VATRate": 20},
        {"Description": "Advice", "Quantity": 1, "Rate": 100, "NominalCode": 4100, "VATRate": 20},
    ],
}


def test_tables_flatten_a_document_and_compare_marks_each_changed_cell_per_line():
    old = {"CustomerRef": "9001", "Lines": [{"Account": {"Main": "401100"}, "Qty": 1}, {"Account": {"Main": "401500"}}]}
    new = {
        "CustomerRef": "KF-9001",
        "Lines": [{"Account": {"Main": "401100"}, "Qty": 1}, {"Account": {"Main": "401200"}}],
    }
    marked = compare(tables(new), tables(old))
    assert marked.header_changed == {"CustomerRef": "9001"}
    (lines,) = marked.lists
    assert lines.changed == [{}, {"Account.Main": "401500"}]
    assert [c["changed"] for c in lines.lines[1]["cells"]] == [True, False]
    assert marked.change_count == 2


@pytest.fixture
def draft(live_server, transactional_db, accountant):
    cache.clear()
    seed_sandbox(invoices=30)
    ensure_demo_connections(live_server.url)
    (published,) = install_templates(keys=[KEY])
    draft = services.get_or_create_draft(published, actor=accountant)
    services.save_value_map_entry(draft, value_map="nominal_accounts", source_value="4100", target_value="401100")
    return draft


def test_the_record_and_its_document_side_by_side_with_the_changed_account_marked(draft, client_for):
    client = client_for("Accountant")
    client.post(
        reverse("mappings:preview", args=[draft.pk]), {"action": "paste", "sample_json": json.dumps(RECORD)}, **HTMX
    )
    page = client.get(reverse("mappings:compare", args=[draft.pk]), **HTMX).content.decode()
    assert "LineItems" in page and "CustInvoiceLine" in page
    line2 = re.search(r'data-list="CustInvoiceLine".*?<tr data-line="2"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert re.search(r'class="changed" title="published: 401500">401100', line2)
    line1 = re.search(r'data-list="CustInvoiceLine".*?<tr data-line="1"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert "changed" not in line1
    assert_page_roles(client_for, reverse("mappings:compare", args=[draft.pk]), "Accountant")


def test_the_dry_run_counts_what_would_change_account_and_what_would_fail(draft, client_for):
    last = sorted(KashFlowRecord.objects.filter(entity="invoices"), key=lambda r: int(r.data["Number"]))[-20:]
    expected = sum(any(int(li["NominalCode"]) == 4100 for li in r.data["LineItems"]) for r in last)
    assert expected > 0
    page = client_for("Accountant").post(reverse("mappings:dry_run", args=[draft.pk]), {"count": "20"}, **HTMX)
    summary = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page.content.decode()))
    found = re.search(r"(\d+) sales invoices would change account, (\d+) would fail", summary)
    assert found, summary
    assert int(found.group(1)) == expected
    failing = re.search(r"(\d+) of the failures fail with v1 too", summary)
    assert int(found.group(2)) == (int(failing.group(1)) if failing else 0)  # the draft adds no failure
    assert "the last 20 sales invoices" in summary
