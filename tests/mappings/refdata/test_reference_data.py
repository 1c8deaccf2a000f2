"""Reference data without non-standard AX services: CSV uploads an accountant checks in, kept when a file is bad,
with the date of the last refresh; the designer's reader uses them."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mappings import reference
from mappings.refdata import csvimport
from mappings.refdata.models import ReferenceSnapshot
from monitoring.models import AuditEvent
from tests.access import assert_page_roles

CHART = "Main account,Name,Main account type\n110110,Bank - current account,Asset\n401100,Sales - products,Revenue\n"
BAD_CHART = "Main account,Name\n110110,Bank\n,No number\n110110,Again\n" + "600100," + "x" * 70 + "\n"


def _csv(text: str, name: str = "chart.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


def test_an_excel_export_is_read_with_its_column_labels_bom_and_semicolons():
    parsed = csvimport.parse_main_accounts("\ufeffMain account;Name\n110110;Bank\n".encode())
    assert parsed.ok and parsed.rows == [["110110", "Bank", ""]]
    parsed = csvimport.parse_dimension_values(b"Dimension value,Description\nSALES,Sales\n", "Department")
    assert parsed.ok and parsed.rows == [["Department", "SALES", "Sales"]]


def test_every_problem_is_reported_by_line():
    parsed = csvimport.parse_main_accounts(BAD_CHART.encode())
    assert not parsed.ok
    assert [line for line, _ in parsed.problems] == [3, 4, 5]
    assert "also on line 2" in parsed.problems[1][1] and "longer than 60" in parsed.problems[2][1]
    assert csvimport.parse_main_accounts(b"Account name\nBank\n").problems[0][0] == 1
    assert "name the financial dimension" in csvimport.parse_dimension_values(b"Value\nSALES\n").problems[0][1]


def test_viewer_reads_accountant_uploads(client_for):
    assert_page_roles(client_for, reverse("refdata:detail"), "Viewer")
    assert_page_roles(
        client_for, reverse("refdata:upload"), "Accountant", "post", data={"kind": "main_accounts"}, ok_status=400
    )


def test_a_good_upload_is_used_by_the_designer_and_a_bad_one_keeps_it(client_for):
    client = client_for("Accountant")
    response = client.post(reverse("refdata:upload"), {"kind": "main_accounts", "file": _csv(CHART)})
    assert response.status_code == 302
    assert reference.main_accounts() == [("110110", "Bank - current account"), ("401100", "Sales - products")]
    snapshot = ReferenceSnapshot.objects.get(kind="main_accounts")
    assert snapshot.source == "upload" and snapshot.source_name == "chart.csv" and snapshot.refreshed_by

    response = client.post(reverse("refdata:upload"), {"kind": "main_accounts", "file": _csv(BAD_CHART, "bad.csv")})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Line 3:" in page and "Line 4:" in page and "previous data is still in use" in page
    assert reference.main_accounts()[1] == ("401100", "Sales - products")  # unchanged
    assert ReferenceSnapshot.objects.get(kind="main_accounts").source_name == "chart.csv"

    page = client_for("Viewer").get(reverse("refdata:detail")).content.decode()
    assert "2 rows, last refreshed" in page and snapshot.refreshed_at.strftime("%Y") in page
    assert AuditEvent.objects.filter(action="reference_data_refreshed").count() == 1


def test_dimension_values_of_one_dimension_replace_only_that_dimension(client_for):
    client = client_for("Accountant")
    both = "Financial dimension,Dimension value,Description\nDepartment,SALES,Sales\nCostCenter,CC10,Head office\n"
    client.post(reverse("refdata:upload"), {"kind": "dimension_values", "file": _csv(both)})
    one = "Dimension value,Description\nSALES,Sales UK\nADMIN,Admin\n"
    client.post(reverse("refdata:upload"), {"kind": "dimension_values", "dimension": "Department", "file": _csv(one)})
    assert reference.dimension_values() == [
        ("CostCenter", "CC10", "Head office"),
        ("Department", "ADMIN", "Admin"),
        ("Department", "SALES", "Sales UK"),
    ]


def test_the_page_keeps_the_conventions():
    import re
    from pathlib import Path

    from django.conf import settings

    text = (Path(settings.BASE_DIR) / "templates" / "refdata" / "referencedata_detail.html").read_text()
    assert "<style" not in text and not re.search(r"\sstyle=", text)
    assert not re.search(r"<script(?![^>]*\ssrc=)", text) and not re.search(r"\son[a-z]+=", text)
