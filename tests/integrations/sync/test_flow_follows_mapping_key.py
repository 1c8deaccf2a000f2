"""A flow follows its mapping's key: every run maps with the published version, whatever version the flow row
happens to point at, and saving the flow's settings never unlinks its mapping (issue 15, defect 1)."""

from __future__ import annotations

import re

import pytest

from integrations.flow_forms import FlowSettingsForm
from integrations.models import Connection, Flow, IntegrationPair
from mappings import services
from mappings.models import MappingSet
from mappings.services.starters import install_templates


@pytest.fixture
def flow(db) -> Flow:
    install_templates(keys=["sales-invoice-kf-to-ax", "customer-kf-to-ax", "customer-ax-to-kf"])
    kashflow = Connection.objects.create(name="KF", system="kashflow", base_url="http://kf.invalid/")
    ax = Connection.objects.create(name="AX", system="dynamics_ax", base_url="http://ax.invalid/", company="DEMO")
    pair = IntegrationPair.objects.create(name="Pair", kashflow=kashflow, dynamics_ax=ax)
    v1 = MappingSet.objects.get(key="sales-invoice-kf-to-ax", status="published")
    return Flow.objects.create(
        name="Sales invoices",
        slug="sales-invoices",
        pair=pair,
        entity="sales_invoice",
        direction="kf_to_ax",
        mapping_set=v1,
    )


def publish_v2(accountant) -> MappingSet:
    v1 = MappingSet.objects.get(key="sales-invoice-kf-to-ax", status="published")
    draft = services.get_or_create_draft(v1, actor=accountant)
    return services.publish(draft, actor=accountant)


def selected_mapping(html: str) -> str:
    select = re.search(r'<select name="mapping_set".*?</select>', html, re.S).group(0)
    found = re.search(r'<option value="(\d*)"[^>]*selected', select)
    return found.group(1) if found else ""


def test_after_a_publish_the_settings_show_the_published_version_and_saving_keeps_it(flow, accountant, client_for):
    v2 = publish_v2(accountant)
    page = client_for("Integration admin").get(f"/flows/{flow.slug}/").content.decode()
    assert selected_mapping(page) == str(v2.pk)

    # The admin changes only the batch size and posts the form as the browser shows it.
    response = client_for("Integration admin").post(
        f"/flows/{flow.slug}/settings/",
        {"trigger": "manual", "schedule_minutes": "", "mapping_set": selected_mapping(page), "batch_size": "50"},
    )
    assert response.status_code in (200, 302)
    flow.refresh_from_db()
    assert flow.batch_size == 50
    assert flow.published_mapping_set() == v2
    assert flow.mapping_set.key == "sales-invoice-kf-to-ax"


def test_a_blank_mapping_choice_never_unlinks_the_flow(flow, accountant):
    publish_v2(accountant)
    form = FlowSettingsForm(
        {"trigger": "manual", "schedule_minutes": "", "mapping_set": "", "batch_size": "100", "enabled": "on"},
        instance=Flow.objects.get(pk=flow.pk),
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["mapping_set"] is not None
    assert form.cleaned_data["mapping_set"].key == "sales-invoice-kf-to-ax"


def test_the_flow_still_pointing_at_an_archived_version_validates_through_the_api_path(flow, accountant):
    """The API re-checks the whole form with the flow's stored values: an archived pointer must not fail it."""
    v2 = publish_v2(accountant)
    v1 = MappingSet.objects.get(key="sales-invoice-kf-to-ax", version=1)
    Flow.objects.filter(pk=flow.pk).update(mapping_set=v1)
    form = FlowSettingsForm(
        {"trigger": "manual", "mapping_set": str(v1.pk), "batch_size": "100", "enabled": "on"},
        instance=Flow.objects.get(pk=flow.pk),
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["mapping_set"] == v2


def test_the_selector_offers_only_mappings_of_the_flows_entity_and_direction(flow):
    form = FlowSettingsForm(instance=flow)
    offered = {ms.key for ms in form.fields["mapping_set"].queryset}
    assert offered == {"sales-invoice-kf-to-ax"}
    other = MappingSet.objects.get(key="customer-kf-to-ax", status="published")
    bad = FlowSettingsForm(
        {"trigger": "manual", "mapping_set": str(other.pk), "batch_size": "100"}, instance=Flow.objects.get(pk=flow.pk)
    )
    assert not bad.is_valid()
    assert "mapping_set" in bad.errors


def test_publishing_moves_every_flow_of_the_mapping_to_the_new_version(flow, accountant):
    v2 = publish_v2(accountant)
    flow.refresh_from_db()
    assert flow.mapping_set == v2


def test_the_flow_page_shows_the_version_runs_really_use(flow, accountant, client_for):
    """Even a flow row still pointing at an archived version (as before this fix) shows the published one."""
    v2 = publish_v2(accountant)
    v1 = MappingSet.objects.get(key="sales-invoice-kf-to-ax", version=1)
    Flow.objects.filter(pk=flow.pk).update(mapping_set=v1)
    for who in ("Viewer", "Integration admin"):
        page = client_for(who).get(f"/flows/{flow.slug}/").content.decode()
        shown = re.search(r'id="flow-mapping-version"[^>]*>(.*?)</', page, re.S).group(1)
        assert f"v{v2.version}" in shown and "v1" not in shown, who
    listed = client_for("Viewer").get("/flows/").content.decode()
    assert f"{v2.name} v{v2.version}" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", listed))


def test_the_api_never_unlinks_the_mapping_and_reports_the_version_runs_use(flow, accountant, client_for):
    v2 = publish_v2(accountant)
    admin = client_for("Integration admin")
    response = admin.patch(
        f"/api/v1/flows/{flow.slug}/", {"mapping_set": None, "batch_size": 10}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    flow.refresh_from_db()
    assert flow.batch_size == 10 and flow.published_mapping_set() == v2
    assert response.json()["mapping_version"] == v2.version
    other = MappingSet.objects.get(key="customer-kf-to-ax", status="published")
    refused = admin.patch(f"/api/v1/flows/{flow.slug}/", {"mapping_set": other.pk}, content_type="application/json")
    assert refused.status_code == 400
