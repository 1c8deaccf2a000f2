"""The exception queue's CSV export never hands a spreadsheet a formula: = + - @ TAB CR cells become text."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from config.spreadsheet import safe_cell
from monitoring.services import record_exception


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=cmd|' /C calc'!A0", "\r=1+1"])
def test_every_formula_start_is_made_text(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["", "Acme Ltd", "1001", 12, -5, None, "a=b"])
def test_other_cells_are_unchanged(value):
    assert safe_cell(value) == value


@pytest.mark.django_db
def test_the_export_escapes_tab_and_carriage_return_cells(client_for, flow, run):
    for key, message in (("k1", "\t=HYPERLINK(evil)"), ("-k2", "\r@SUM(1)"), ("k3", "")):
        record_exception(
            flow=flow,
            run=run,
            source_key=key,
            stage="load",
            error_class="connection",
            error_code="timeout",
            message=message,
            source_payload={},
            mapped_document={},
        )
    response = client_for("viewer").get(reverse("monitoring:exception-export"), {"stage": "load"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_key = {r["source_key"]: r for r in rows}
    assert by_key["k1"]["message"] == "'\t=HYPERLINK(evil)"
    assert by_key["'-k2"]["message"] == "'\r@SUM(1)"
    assert by_key["k3"]["message"] == ""  # an empty cell stays empty
