"""Issue 15, raise 4 and 5: errors in accountants' words and a queue with business context -- customer or
supplier, document date, amount and currency on each row, searchable; the failing line highlighted; "edit and
retry" on the failing fields; the record's lineage one click away."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from mappings.services.starters import install_templates
from monitoring.models import ExceptionItem
from monitoring.services import record_exception

LINES = [(4000, 2, 50.0, "Widgets")] * 5 + [(4900, 1, 210.0, "Misc recharge")]


@pytest.fixture
def sales_flow(flow, reference_data):
    (mapping,) = install_templates(keys=["sales-invoice-kf-to-ax"])
    flow.mapping_set = mapping
    flow.save(update_fields=["mapping_set"])
    return flow


def _fail(flow, run, key="1040", party="Acme Trading Ltd", currency="GBP", when="2026-11-02", lines=LINES):
    payload = {
        "Number": int(key),
        "CustomerCode": "ACME01",
        "CustomerName": party,
        "IssuedDate": f"{when}T00:00:00",
        "Currency": {"Code": currency, "ExchangeRate": 1.0},
        "GrossAmount": 1234.0,
        "LineItems": [
            {"NominalCode": n, "Quantity": q, "Rate": r, "Description": d, "VATAmount": 0, "VATRate": 0}
            for n, q, r, d in lines
        ],
    }
    return record_exception(
        flow=flow,
        run=run,
        source_key=key,
        stage="map",
        error_class="value_not_mapped",
        error_code="value_not_mapped",
        message="Line 6 Account: 4900 is not in value map nominal_accounts; Line 7 Account: 4900 is not in value map",
        source_payload=payload,
        mapped_document=None,
        suggested_fix={"kind": "value_map", "value_map": "nominal_accounts", "value": "4900"},
    )


@pytest.mark.django_db
def test_the_error_reads_in_an_accountants_words(sales_flow, run):
    item = _fail(sales_flow, run)
    assert item.summary == "Line 6, Sundry income, £210.00: nominal 4900 has no AX main account yet"
    assert (item.party, str(item.document_date), item.amount, item.currency) == (
        "Acme Trading Ltd",
        "2026-11-02",
        1234,
        "GBP",
    )


@pytest.mark.django_db
def test_the_queue_shows_and_searches_the_business_context(client_for, sales_flow, run):
    _fail(sales_flow, run)
    _fail(sales_flow, run, key="1041", party="Bolt GmbH", currency="EUR", when="2026-10-15")
    client = client_for("viewer")
    page = client.get(reverse("monitoring:exception-list")).content.decode()
    row = page[page.index('id="exception-') :]
    row = row[: row.index("</tr>")]
    assert "Acme Trading Ltd" in page and "Bolt GmbH" in page
    assert "£1,234.00" in page and "€1,234.00" in page and "2 Nov 2026" in page
    assert "nominal 4900 has no AX main account yet" in page

    def keys(q: str) -> set[str]:
        html = client.get(reverse("monitoring:exception-list"), {"q": q}).content.decode()
        return set(re.findall(r"<code>(10\d\d)</code></a>", html))

    assert keys("bolt") == {"1041"}
    assert keys("1040") == {"1040"}
    assert keys("1,234.00") == {"1040", "1041"}
    assert keys("EUR") == {"1041"}
    assert keys("2026-11-02") == {"1040"}
    (row,) = client.get("/api/v1/exceptions/", {"q": "Bolt"}).json()["results"]
    assert (row["party"], row["document_date"], row["amount"], row["currency"]) == (
        "Bolt GmbH",
        "2026-10-15",
        "1234.00",
        "EUR",
    )
    assert row["summary"].endswith("nominal 4900 has no AX main account yet")


@pytest.mark.django_db
def test_the_detail_highlights_the_failing_line_and_keeps_the_technical_message_a_click_away(
    client_for, sales_flow, run
):
    item = _fail(sales_flow, run)
    page = client_for("accountant").get(reverse("monitoring:exception-detail", args=[item.pk])).content.decode()
    assert "Line 6, Sundry income, £210.00: nominal 4900 has no AX main account yet" in page
    technical = page[page.index('<details class="technical"') :]
    assert "is not in value map nominal_accounts" in technical[: technical.index("</details>")]
    failing = re.findall(r'<tr class="failing-line" data-failing="true"><td>(\d+)</td>', page)
    assert failing == ["6"]
    assert f'href="/runs/find/?q=1040&amp;flow={sales_flow.slug}"' in page
    assert 'name="line-6-nominal"' in page and 'name="line-1-nominal"' not in page


@pytest.mark.django_db
def test_edit_and_retry_on_the_failing_fields(client_for, sales_flow, run):
    item = _fail(sales_flow, run)
    client = client_for("accountant")
    url = reverse("monitoring:exception-edit-fields", args=[item.pk])
    unchanged = client.post(url, {"line-6-nominal": "4900"})
    assert unchanged.status_code == 400 and "Nothing changed" in unchanged.content.decode()
    response = client.post(url, {"line-6-nominal": "4100"})
    assert response.status_code == 302, response.content.decode()[:1500]
    item.refresh_from_db()
    assert item.status == ExceptionItem.Status.RETRYING
    edit = item.actions.get(action="edit_and_retry")
    assert edit.details["edited"] == "edited_payload"
