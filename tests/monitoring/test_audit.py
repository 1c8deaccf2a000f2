"""The audit trail records every change (mappings with a diff, value maps, dimension rules, flows,
connections without their secrets, exception actions) and shows it read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from monitoring.models import AuditEvent
from monitoring.services import actions, record_exception


@pytest.mark.django_db
def test_mapping_value_map_and_dimension_rule_changes_are_in_the_trail(accountant):
    from mappings import services
    from mappings.models import MappingSet

    draft = MappingSet.objects.create(
        key="sales",
        name="Sales",
        source_system="kashflow",
        source_entity="sales_invoice",
        target_system="dynamics_ax",
        target_entity="sales_invoice",
    )
    services.save_rule(draft, target_path="CustomerRef", source="Number", actor=accountant)
    services.save_rule(draft, target_path="CustomerRef", source="CustomerReference", actor=accountant)
    services.save_value_map(draft, name="nominal_accounts", kind="nominal_to_main_account", actor=accountant)
    services.save_value_map_entry(
        draft, value_map="nominal_accounts", source_value="4000", target_value="401100", actor=accountant
    )
    services.save_dimension_rule(draft, name="Retail", dimensions={"Department": "022"}, actor=accountant)
    events = list(AuditEvent.objects.filter(actor_label=accountant.username).order_by("id"))
    assert len(events) >= 5
    text = " ".join(f"{e.object_type} {e.action} {e.changes}" for e in events)
    assert "CustomerReference" in text and "Number" in text  # the rule's diff: old and new source
    assert "401100" in text
    assert "Department" in text


@pytest.mark.django_db
def test_connection_changes_are_recorded_without_the_secret(integration_admin):
    from integrations.services.connections import create_connection, update_connection

    connection = create_connection(
        actor=integration_admin,
        name="KF live",
        system="kashflow",
        base_url="https://api.kashflow.example/v2/",
        settings={"username": "acme"},
        credentials={"password": "s3cret-pass", "memorable_word": "w0rdy"},
    )
    update_connection(connection=connection, actor=integration_admin, credentials={"password": "n3w-pass"})
    events = AuditEvent.objects.filter(object_type="integrations.connection", object_id=str(connection.pk))
    assert events.count() == 2
    dumped = str(list(events.values_list("changes", flat=True)))
    assert "s3cret-pass" not in dumped and "n3w-pass" not in dumped and "w0rdy" not in dumped


@pytest.mark.django_db
def test_flow_changes_are_recorded_with_a_diff(flow, integration_admin):
    from integrations.sync.schedules import update_flow

    update_flow(flow, actor=integration_admin, batch_size=250)
    event = AuditEvent.objects.get(object_type="integrations.flow", object_id=str(flow.pk))
    assert event.actor_label == integration_admin.username
    assert "250" in str(event.changes)


@pytest.mark.django_db
def test_every_exception_action_is_recorded_with_who_and_when(
    flow, run, accountant, django_capture_on_commit_callbacks
):
    item = record_exception(
        flow=flow,
        run=run,
        source_key="7",
        stage="load",
        error_class="ax_validation",
        error_code="x",
        message="Customer 'X' does not exist",
        source_payload={},
        mapped_document={},
    )
    with django_capture_on_commit_callbacks(execute=False):
        actions.request_retry([item], user=accountant)
    item.refresh_from_db()
    item.status = "open"
    item.save()
    actions.ignore([item], user=accountant, reason="Customer X was never real")
    trail = list(
        AuditEvent.objects.filter(object_type="monitoring.exceptionitem", object_id=str(item.pk)).order_by("id")
    )
    assert [e.action for e in trail] == ["exception_retry", "exception_ignored"]
    assert all(e.actor_label == accountant.username and e.created_at for e in trail)
    assert trail[1].changes["note"] == "Customer X was never real"


@pytest.mark.django_db
def test_the_audit_page_filters_and_offers_no_way_to_change_anything(client_for, flow, integration_admin):
    from monitoring import audit

    audit.record(actor=integration_admin, action="updated", obj=flow, changes={"batch_size": [100, 250]})
    audit.record(action="published", object_type="mappings.mappingset", object_id="3", object_repr="Sales v2")
    client = client_for("viewer")
    body = client.get(reverse("monitoring:audit-list"), {"object_type": "integrations.flow"}).content.decode()
    assert "batch_size" in body and "250" in body
    assert "Sales v2" not in body
    assert 'method="post"' not in body.split('id="audit"')[1]
    assert client.post(reverse("monitoring:audit-list")).status_code in (403, 405)
    assert AuditEvent.objects.count() == 2
