"""The designer pages over the test client: roles, inline edits, preview, publish, restore, import/export."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from mappings import services
from mappings.models import MappingSet
from mappings.services.starters import install_templates
from monitoring.models import AuditEvent
from tests.access import assert_page_roles
from tests.mappings.conftest import CUSTOMER_DOC, CUSTOMER_RECORD

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_viewers_read_mappings_and_only_accountants_change_them(client_for, published):
    assert_page_roles(client_for, reverse("mappings:list"), "Viewer")
    assert_page_roles(client_for, reverse("mappings:detail", args=[published.pk]), "Viewer")
    assert_page_roles(client_for, reverse("mappings:export", args=[published.pk]), "Viewer")
    assert_page_roles(client_for, reverse("mappings:diff", args=[published.pk]), "Viewer")
    assert_page_roles(client_for, reverse("mappings:import"), "Accountant")
    assert_page_roles(client_for, reverse("mappings:preview", args=[published.pk]), "Accountant")
    assert_page_roles(
        client_for, reverse("mappings:start_draft", args=[published.pk]), "Accountant", "post", ok_status=302
    )


def test_a_viewer_sees_the_rules_read_only(client_for, draft):
    page = client_for("Viewer").get(reverse("mappings:detail", args=[draft.pk])).content.decode()
    assert 'name="source" value="Code"' in page
    assert "readonly" in page
    assert "Publish v2" not in page


def test_an_inline_edit_saves_the_rule_and_tells_the_preview(client_for, draft):
    response = client_for("Accountant").post(
        reverse("mappings:save_rule", args=[draft.pk]),
        {"target_path": "AccountNum", "source_kind": "path", "source": "Name", "transforms": "trim | upper"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "mappingChanged" in response["HX-Trigger"]
    assert 'value="Name"' in response.content.decode()
    rule = draft.rules.get(target_path="AccountNum")
    assert (rule.source, rule.transforms) == ("Name", [{"name": "trim", "params": {}}, {"name": "upper", "params": {}}])
    assert AuditEvent.objects.filter(action="rule_saved", object_id=str(draft.pk)).exists()


def test_a_rule_that_cannot_apply_is_reported_on_its_row(client_for, draft):
    response = client_for("Accountant").post(
        reverse("mappings:save_rule", args=[draft.pk]),
        {"target_path": "CustGroup", "source_kind": "path", "source": "X", "transforms": "lookup(map=unknown)"},
        **HTMX,
    )
    body = response.content.decode()
    assert "Cannot apply" in body and "unknown" in body
    bad_syntax = client_for("Accountant").post(
        reverse("mappings:save_rule", args=[draft.pk]),
        {"target_path": "CustGroup", "source_kind": "path", "source": "X", "transforms": "lookup(map=x"},
        **HTMX,
    )
    assert "Transforms:" in bad_syntax.content.decode()


def test_a_published_version_cannot_be_edited_through_the_page(client_for, published):
    response = client_for("Accountant").post(
        reverse("mappings:save_rule", args=[published.pk]), {"target_path": "AccountNum", "source": "Name"}
    )
    assert response.status_code == 404
    assert published.rules.get(target_path="AccountNum").source == "Code"


def test_preview_maps_a_pasted_record_and_lists_its_issues(client_for, draft):
    client = client_for("Accountant")
    record = {**CUSTOMER_RECORD, "CustomTextBoxes": [{"Name": "CustomerGroup", "Value": "EXPORT"}]}
    response = client.post(
        reverse("mappings:preview", args=[draft.pk]), {"action": "paste", "sample_json": json.dumps(record)}
    )
    body = response.content.decode()
    assert "&quot;AccountNum&quot;: &quot;ACME01&quot;" in body
    assert "value_not_mapped" in body and "EXPORT" in body
    again = client.get(reverse("mappings:preview", args=[draft.pk]))  # the sample is kept for re-renders
    assert "ACME01" in again.content.decode()


def test_preview_refuses_pasted_text_that_is_not_a_record(client_for, draft):
    response = client_for("Accountant").post(
        reverse("mappings:preview", args=[draft.pk]), {"action": "paste", "sample_json": "{not json"}
    )
    assert response.status_code == 200
    assert "not valid JSON" in response.content.decode()


def test_publish_and_roll_back_through_the_pages(client_for, draft, published):
    client = client_for("Accountant")
    client.post(reverse("mappings:save_rule", args=[draft.pk]), {"target_path": "AccountNum", "source": "Name"})
    response = client.post(reverse("mappings:publish", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"
    response = client.post(reverse("mappings:restore", args=[published.pk]), {"mode": "publish"})
    rolled = MappingSet.objects.get(key=published.key, status="published")
    assert response["Location"] == reverse("mappings:detail", args=[rolled.pk])
    assert rolled.version == 3
    assert rolled.rules.get(target_path="AccountNum").source == "Code"


def test_publish_of_a_broken_draft_shows_why_and_changes_nothing(client_for, draft):
    services.save_rule(draft, target_path="CustGroup", source="X", transforms=[{"name": "nope"}])
    client = client_for("Accountant")
    response = client.post(reverse("mappings:publish", args=[draft.pk]), follow=True)
    assert "cannot be published" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_value_map_rows_and_dimension_rules_are_edited_inline(client_for, draft):
    client = client_for("Accountant")
    response = client.post(
        reverse("mappings:save_value_map_entry", args=[draft.pk]),
        {"value_map": "customer_groups", "source_value": "EU", "target_value": "EUR"},
        **HTMX,
    )
    assert "mappingChanged" in response["HX-Trigger"]
    assert draft.value_maps.get().entries.filter(source_value="EU", target_value="EUR").exists()
    response = client.post(
        reverse("mappings:save_dimension_rule", args=[draft.pk]),
        {
            "name": "Export",
            "level": "header",
            "conditions": "Currency.Code ne GBP",
            "dimensions": "BusinessUnit=BU_ONLINE",
        },
        **HTMX,
    )
    assert draft.dimension_rules.filter(name="Export", dimensions={"BusinessUnit": "BU_ONLINE"}).exists()
    bad = client.post(
        reverse("mappings:save_dimension_rule", args=[draft.pk]),
        {"name": "Bad", "level": "header", "conditions": "Currency.Code like GBP", "dimensions": "BusinessUnit"},
        **HTMX,
    )
    body = bad.content.decode()
    assert "unknown operator" in body and "Name=Value" in body
    assert not draft.dimension_rules.filter(name="Bad").exists()


def test_import_lists_every_problem_and_export_downloads_json(client_for, published):
    client = client_for("Accountant")
    bad = {**CUSTOMER_DOC, "source_system": "sage", "rules": [{"source": "x"}]}
    response = client.post(reverse("mappings:import"), {"text": json.dumps(bad)})
    assert response.status_code == 400
    body = response.content.decode()
    assert "source_system must be one of" in body and "rule 1 needs a target_path" in body
    exported = client.get(reverse("mappings:export", args=[published.pk]))
    assert exported["Content-Disposition"].endswith('customer-test-v1.json"')
    response = client.post(reverse("mappings:import"), {"text": exported.content.decode(), "publish": "on"})
    assert response.status_code == 302
    assert MappingSet.objects.get(key="customer-test", status="published").version == 2


@pytest.mark.parametrize("url_name", ["mappings:detail", "mappings:diff"])
def test_an_unknown_mapping_is_a_404(client_for, db, url_name):
    assert client_for("Viewer").get(reverse(url_name, args=[999999])).status_code == 404


def test_every_template_opens_in_the_designer_and_as_a_draft(client_for, db):
    client = client_for("Accountant")
    for mapping in install_templates():
        assert client.get(reverse("mappings:detail", args=[mapping.pk])).status_code == 200
        draft = services.get_or_create_draft(mapping)
        page = client.get(reverse("mappings:detail", args=[draft.pk]))
        assert page.status_code == 200
        assert "Cannot apply" not in page.content.decode()
    listing = client.get(reverse("mappings:list")).content.decode()
    assert listing.count('data-key="') == len(install_templates())


def test_map_all_suggested_from_the_page_fills_unmapped_fields(client_for, db):
    mapping = MappingSet.objects.create(
        key="new-customer-map",
        name="New customer map",
        source_system="kashflow",
        source_entity="customer",
        target_system="dynamics_ax",
        target_entity="customer",
    )
    response = client_for("Accountant").post(reverse("mappings:map_all", args=[mapping.pk]), **HTMX)
    assert response["HX-Redirect"] == reverse("mappings:detail", args=[mapping.pk])
    assert mapping.rules.get(target_path="AccountNum").source == "Code"


def test_odd_input_gets_a_clear_answer_not_a_500(client_for, draft):
    client = client_for("Accountant")
    assert client.get(reverse("mappings:diff", args=[draft.pk]), {"against": "abc"}).status_code == 404
    huge = client.post(
        reverse("mappings:preview", args=[draft.pk]), {"action": "paste", "sample_json": "[" + "1," * 150_000 + "1]"}
    )
    assert "larger than" in huge.content.decode()
    not_a_record = client.post(reverse("mappings:preview", args=[draft.pk]), {"action": "paste", "sample_json": "[1]"})
    assert "must be one record" in not_a_record.content.decode()
    weird = client.post(
        reverse("mappings:save_rule", args=[draft.pk]), {"target_path": "A[[.]", "source": "Code"}, **HTMX
    )
    assert weird.status_code == 200
    assert "Cannot apply" in weird.content.decode()


def test_the_list_page_reads_all_mappings_in_a_fixed_number_of_queries(client_for, db, django_assert_num_queries):
    client = client_for("Viewer")
    client.get(reverse("mappings:list"))  # session and roles warmed up
    install_templates(keys=["customer-kf-to-ax"])
    with django_assert_num_queries(6) as one:
        client.get(reverse("mappings:list"))
    installed = install_templates()
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("mappings:list"))
    assert response.content.decode().count('data-key="') == len({m.key for m in installed}) > 12


def test_a_dimension_rule_is_saved_from_condition_rows_and_dimension_rows(client_for, draft):
    client = client_for("Accountant")
    response = client.post(
        reverse("mappings:save_dimension_rule", args=[draft.pk]),
        {
            "name": "Wholesale abroad",
            "level": "header",
            "stop": "on",
            "cond_field": ["CustomTextBoxes[Name=CustomerGroup].Value", "Currency.Code", ""],
            "cond_op": ["in", "ne", "eq"],
            "cond_value": ["WHOLESALE, TRADE", "GBP", ""],
            "cond_value_to": ["", "", ""],
            "dim_name": ["BusinessUnit", "Department"],
            "dim_value": ["BU_WHOLESALE", "020"],
        },
        **HTMX,
    )
    assert response.status_code == 200
    rule = draft.dimension_rules.get(name="Wholesale abroad")
    assert rule.conditions == [
        {"field": "CustomTextBoxes[Name=CustomerGroup].Value", "op": "in", "value": ["WHOLESALE", "TRADE"]},
        {"field": "Currency.Code", "op": "ne", "value": "GBP"},
    ]
    assert rule.dimensions == {"BusinessUnit": "BU_WHOLESALE", "Department": "020"}
    bad = client.post(
        reverse("mappings:save_dimension_rule", args=[draft.pk]),
        {"name": "Half", "level": "line", "cond_field": ["LineItems[].NominalCode"], "cond_op": ["range"],
         "cond_value": ["4000"], "cond_value_to": [""], "dim_name": ["Department"], "dim_value": [""]},
        **HTMX,
    )  # fmt: skip
    assert "a range needs both ends" in bad.content.decode()
    assert not draft.dimension_rules.filter(name="Half").exists()
