"""The monitoring API under /api/v1/: role checks, the queue's reads and actions, lineage, alerts, audit."""

from __future__ import annotations

from unittest import mock

import pytest

from integrations.models import RecordOutcome
from monitoring.models import AlertRule, AuditEvent, ExceptionItem
from monitoring.services import record_exception
from tests.access import assert_api_roles


@pytest.fixture
def item(flow, run):
    return record_exception(
        flow=flow,
        run=run,
        source_key="1042",
        stage="map",
        error_class="value_not_mapped",
        error_code="value_not_mapped",
        message="value '4900' not in value map nominal_accounts",
        source_payload={"Number": 1042},
        mapped_document={"CustomerRef": "1042"},
    )


@pytest.fixture
def no_worker():
    """Actions enqueue a django-q2 task after commit; these API tests only check what the request itself does."""
    with mock.patch("django_q.tasks.async_task") as enqueue:
        yield enqueue


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/api/v1/exceptions/", "/api/v1/exceptions/groups/", "/api/v1/alerts/", "/api/v1/audit-events/"]
)
def test_viewers_read_the_monitoring_api(client_for, item, url):
    assert_api_roles(client_for, url, "Viewer")


@pytest.mark.django_db
def test_alert_rules_api_needs_an_integration_admin(client_for):
    assert_api_roles(client_for, "/api/v1/alert-rules/", "Integration admin")


@pytest.mark.django_db
def test_queue_actions_need_an_accountant(client_for, item, no_worker):
    response = client_for("viewer").post(f"/api/v1/exceptions/{item.pk}/retry/", {}, content_type="application/json")
    assert response.status_code == 403
    assert ExceptionItem.objects.get(pk=item.pk).status == "open"


@pytest.mark.django_db(transaction=True)
def test_retry_marks_retrying_and_enqueues_one_task(client_for, item, no_worker):
    response = client_for("accountant").post(f"/api/v1/exceptions/{item.pk}/retry/", content_type="application/json")
    assert response.status_code == 202
    assert response.json()["status"] == "retrying"
    no_worker.assert_called_once()
    assert no_worker.call_args.args == ("monitoring.tasks.retry_exception", item.pk)
    again = client_for("accountant").post(f"/api/v1/exceptions/{item.pk}/retry/", content_type="application/json")
    assert again.status_code == 409


@pytest.mark.django_db
def test_list_filters_and_detail_with_payloads_and_history(client_for, item):
    client = client_for("viewer")
    listed = client.get("/api/v1/exceptions/", {"stage": "map", "flow": item.flow.slug}).json()
    assert [r["source_key"] for r in listed["results"]] == ["1042"]
    assert client.get("/api/v1/exceptions/", {"stage": "load"}).json()["count"] == 0
    detail = client.get(f"/api/v1/exceptions/{item.pk}/").json()
    assert detail["source_payload"] == {"Number": 1042}
    assert [h["action"] for h in detail["history"]] == ["opened"]
    groups = client.get("/api/v1/exceptions/groups/").json()
    assert groups["results"][0]["count"] == 1


@pytest.mark.django_db
def test_an_edit_that_is_not_an_object_is_refused_and_changes_nothing(client_for, item, no_worker):
    before = ExceptionItem.objects.values().get(pk=item.pk)
    response = client_for("accountant").post(
        f"/api/v1/exceptions/{item.pk}/edit/", {"document": [1, 2]}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON object" in " ".join(response.json()["reasons"])
    assert ExceptionItem.objects.values().get(pk=item.pk) == before
    no_worker.assert_not_called()


@pytest.mark.django_db
def test_ignore_needs_a_reason_and_is_audited(client_for, item):
    client = client_for("accountant")
    assert client.post(f"/api/v1/exceptions/{item.pk}/ignore/", {"reason": ""}, "application/json").status_code == 400
    response = client.post(f"/api/v1/exceptions/{item.pk}/ignore/", {"reason": "duplicate of 1041"}, "application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert AuditEvent.objects.filter(action="exception_ignored", actor_label="accountant").count() == 1


@pytest.mark.django_db
def test_bulk_ignore_of_a_cause(client_for, item, flow, run):
    client = client_for("accountant")
    response = client.post(
        "/api/v1/exceptions/bulk/",
        {"action": "ignore", "cause": item.fingerprint, "reason": "known"},
        "application/json",
    )
    assert response.json() == {"ignored": 1}
    bad = client.post("/api/v1/exceptions/bulk/", {"action": "ignore", "ids": [item.pk]}, "application/json")
    assert bad.status_code == 400


@pytest.mark.django_db
def test_record_lineage_answers_where_a_record_is(client_for, item, run):
    RecordOutcome.objects.create(run=run, source_key="1042", action="created", target_key="FTI-000007", message_id="m")
    data = client_for("viewer").get("/api/v1/records/", {"source_key": "1042"}).json()
    assert data["outcomes"][0]["target_key"] == "FTI-000007"
    assert data["exceptions"][0]["id"] == item.pk
    assert client_for("viewer").get("/api/v1/records/").status_code == 400


@pytest.mark.django_db
def test_alert_rule_changes_through_the_api_are_audited(client_for):
    client = client_for("integration_admin")
    created = client.post(
        "/api/v1/alert-rules/",
        {"name": "Burst", "kind": "exceptions_over", "threshold": 5, "emails": "ops@example.com"},
        "application/json",
    )
    assert created.status_code == 201
    rule = AlertRule.objects.get(name="Burst")
    client.patch(f"/api/v1/alert-rules/{rule.pk}/", {"threshold": 7}, "application/json")
    changes = AuditEvent.objects.get(action="updated", object_id=str(rule.pk)).changes
    assert changes["threshold"] == [5, 7]
