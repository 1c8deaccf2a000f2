"""Checks on an edited document or payload before it is sent: refused with reasons, never a 500."""

from __future__ import annotations

import pytest

from monitoring.services.editing import EditRefused, catalog_problems, parse_json_object, validated_edit


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "empty"), ("{", "not valid JSON"), ("[1]", "JSON object"), ('"x"', "JSON object"), ("null", "JSON object")],
)
def test_text_that_is_not_a_json_object_is_refused_with_the_reason(text, reason):
    with pytest.raises(EditRefused) as refused:
        parse_json_object(text)
    assert reason in str(refused.value)


def test_the_ax_invoice_catalog_refuses_wrong_types_and_missing_required_fields():
    problems = catalog_problems(
        {"InvoiceDate": "25/11/2026", "CustInvoiceLine": [{"Quantity": "many"}]}, "dynamics_ax", "sales_invoice"
    )
    text = " ".join(problems)
    assert "InvoiceDate" in text and "date" in text
    assert "Quantity" in text
    assert "OrderAccount is required" in text


@pytest.mark.django_db
def test_an_invoice_without_lines_is_refused_by_the_engine_check(flow):
    with pytest.raises(EditRefused) as refused:
        validated_edit(flow, source_key="1", document_text='{"OrderAccount": "ACME01", "CustInvoiceLine": []}')
    assert any("no lines" in r for r in refused.value.reasons)


@pytest.mark.django_db
def test_editing_both_at_once_is_refused(flow):
    with pytest.raises(EditRefused):
        validated_edit(flow, source_key="1", document_text="{}", payload_text="{}")


@pytest.mark.django_db
def test_a_payload_edit_may_not_change_which_record_it_is(flow):
    with pytest.raises(EditRefused) as refused:
        validated_edit(flow, source_key="1042", payload_text='{"Number": 9999}')
    assert any("must stay" in r for r in refused.value.reasons)
