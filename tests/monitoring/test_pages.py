"""Every monitoring page renders for the roles that may read it and refuses the others."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import RecordOutcome, SyncRun
from monitoring import audit
from monitoring.models import Alert, AlertRule, ExceptionItem
from monitoring.services import record_exception
from tests.access import assert_page_roles


@pytest.fixture
def item(flow, run):
    return record_exception(
        flow=flow,
        run=run,
        source_key="1042",
        stage="map",
        error_class="value_not_mapped",
        error_code="value_not_mapped",
        message="value '4900' not in value map nominal_to_main_account",
        source_payload={"Number": 1042, "LineItems": [{"NominalCode": 4900}]},
        mapped_document={"CustomerRef": "1042", "CustInvoiceLine": []},
    )


@pytest.fixture
def history(flow, run, item):
    RecordOutcome.objects.create(
        run=run, source_key="1042", action="failed", stage="map", error="value '4900' not mapped"
    )
    RecordOutcome.objects.create(run=run, source_key="1043", action="created", target_key="FTI-000001", message_id="m1")
    rule = AlertRule.objects.create(name="Too many", kind="exceptions_over", threshold=1, emails="ops@example.com")
    Alert.objects.create(rule=rule, subject_key="all", message="1 new exception")
    audit.record(action="updated", object_type="mappings.valuemap", object_id="1", changes={"target": ["1", "2"]})
    return run


READ_PAGES = [
    ("monitoring:dashboard", {}),
    ("monitoring:exception-list", {}),
    ("monitoring:exception-list", {"view": "groups"}),
    ("monitoring:exception-list", {"tab": "resolved", "stage": "map", "error_class": "value_not_mapped", "age": "24h"}),
    ("monitoring:exception-export", {}),
    ("monitoring:run-list", {}),
    ("monitoring:run-find", {"q": "1042"}),
    ("monitoring:alert-list", {}),
    ("monitoring:audit-list", {"object_type": "mappings.valuemap"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "params"), READ_PAGES)
def test_viewers_and_up_may_read_the_monitoring_pages(client_for, history, name, params):
    from urllib.parse import urlencode

    url = reverse(name) + ("?" + urlencode(params) if params else "")
    assert_page_roles(client_for, url, "Viewer")


@pytest.mark.django_db
def test_detail_pages_render_for_viewers(client_for, history, item):
    outcome = RecordOutcome.objects.filter(source_key="1042").first()
    for url in (
        reverse("monitoring:exception-detail", args=[item.pk]),
        reverse("monitoring:exception-row", args=[item.pk]),
        reverse("monitoring:exception-status", args=[item.pk]),
        reverse("monitoring:run-detail", args=[history.pk]),
        reverse("monitoring:outcome-detail", args=[outcome.pk]),
    ):
        assert_page_roles(client_for, url, "Viewer")


@pytest.mark.django_db
def test_the_queue_shows_the_item_with_its_error_and_age(client_for, item):
    response = client_for("viewer").get(reverse("monitoring:exception-list"))
    body = response.content.decode()
    assert "1042" in body
    assert "value_not_mapped" in body
    assert "Sales invoices" in body
    assert 'data-tab="open"' in body
    assert "Retry</button>" not in body  # a Viewer sees no actions


@pytest.mark.django_db
def test_an_accountant_sees_the_actions(client_for, item):
    body = client_for("accountant").get(reverse("monitoring:exception-list")).content.decode()
    assert "Retry</button>" in body
    assert "Ignore selected" in body


@pytest.mark.django_db
def test_the_detail_shows_payload_document_error_and_history(client_for, item):
    body = client_for("accountant").get(reverse("monitoring:exception-detail", args=[item.pk])).content.decode()
    assert "NominalCode" in body and "CustInvoiceLine" in body
    assert "value &#x27;4900&#x27; not in value map" in body
    assert "opened" in body
    assert "edit-document-form" in body


@pytest.mark.django_db
def test_the_htmx_queue_request_renders_only_the_table(client_for, item):
    response = client_for("viewer").get(reverse("monitoring:exception-list"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "exception-table" in body
    assert "<html" not in body


@pytest.mark.django_db
def test_groups_show_one_row_per_cause_with_counts(client_for, flow, run):
    for key in ("1", "2", "3"):
        record_exception(
            flow=flow,
            run=run,
            source_key=key,
            stage="load",
            error_class="ax_validation",
            error_code="AifFault",
            message=f"Invoice {key}: customer 'ACME99' does not exist",
            source_payload={},
            mapped_document={},
        )
    record_exception(
        flow=flow,
        run=run,
        source_key="9",
        stage="load",
        error_class="ax_validation",
        error_code="AifFault",
        message="Invoice 9: customer 'BETA' does not exist",
        source_payload={},
        mapped_document={},
    )
    body = client_for("viewer").get(reverse("monitoring:exception-list"), {"view": "groups"}).content.decode()
    assert body.count("data-cause=") == 2
    assert "<strong>3</strong>" in body


@pytest.mark.django_db
def test_csv_export_lists_the_filtered_items(client_for, item, flow, run):
    other = record_exception(
        flow=flow,
        run=run,
        source_key="77",
        stage="load",
        error_class="connection",
        error_code="timeout",
        message="=HYPERLINK(evil)",
        source_payload={},
        mapped_document={},
    )
    response = client_for("viewer").get(reverse("monitoring:exception-export"), {"stage": "load"})
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    lines = body.strip().splitlines()
    assert lines[0].startswith("id,flow,source_key")
    assert len(lines) == 2
    assert str(other.pk) in lines[1] and "'=HYPERLINK" in lines[1]


@pytest.mark.django_db
def test_find_record_answers_where_is_invoice_1042(client_for, history):
    body = client_for("viewer").get(reverse("monitoring:run-find"), {"q": "1042"}).content.decode()
    assert f"#{history.pk}" in body
    assert "failed" in body


@pytest.mark.django_db
def test_run_detail_lists_lineage(client_for, history):
    body = client_for("viewer").get(reverse("monitoring:run-detail", args=[history.pk])).content.decode()
    assert "FTI-000001" in body and "m1" in body


@pytest.mark.django_db
def test_dashboard_shows_health_and_svg_charts(client_for, flow, run, item):
    SyncRun.objects.filter(pk=run.pk).update(status="partial", created_count=5, failed_count=1)
    body = client_for("viewer").get(reverse("monitoring:dashboard")).content.decode()
    assert 'data-health="degraded"' in body
    assert body.count("<svg") >= 2
    assert 'hx-trigger="every' in body


@pytest.mark.django_db
def test_bad_query_parameters_are_ignored_not_500(client_for, item):
    response = client_for("viewer").get(
        reverse("monitoring:exception-list"),
        {"tab": "bogus", "stage": "x", "age": "??", "page": "abc", "error_class": "<b>"},
    )
    assert response.status_code == 200
    assert ExceptionItem.objects.count() == 1


@pytest.mark.django_db
def test_hourly_series_counts_what_runs_wrote_and_failed(flow):
    from monitoring.selectors import hourly_series

    SyncRun.objects.create(flow=flow, status="succeeded", created_count=6, updated_count=2, failed_count=2)
    series = hourly_series()[flow.pk]
    assert series["written"][-1] == 8
    assert series["failed"][-1] == 2
    assert series["error_rate"][-1] == 20.0
    assert len(series["buckets"]) == 24


@pytest.mark.django_db
def test_health_next_run_and_today_on_the_dashboard(flow):
    from datetime import timedelta

    from django.utils import timezone
    from django_q.models import Schedule

    from monitoring.selectors import flow_summaries

    next_run = timezone.now() + timedelta(minutes=4)
    Schedule.objects.create(
        name=f"ledgerbridge: flow {flow.pk}",
        func="integrations.tasks.scheduled_flow_run",
        args=repr(flow.pk),
        schedule_type="I",
        minutes=5,
        next_run=next_run,
    )
    SyncRun.objects.create(flow=flow, status="failed", error="AX down")
    (summary,) = flow_summaries()
    assert summary.health == "failing"
    assert summary.next_run_at == next_run
    flow.paused_until = timezone.now() + timedelta(minutes=5)
    flow.save()
    assert flow_summaries()[0].health == "paused"


def test_charts_are_svg_and_escape_their_titles():
    from monitoring.charts import bar_chart, line_chart

    svg = bar_chart([1, 5, 0], title="<script>x</script>")
    assert svg.startswith("<svg") and "<script>" not in svg and svg.count("<rect") == 3
    assert "<polyline" in line_chart([0, 50, 100], ceiling=100, unit="%")


@pytest.mark.django_db
def test_actions_never_redirect_off_site(client_for, item):
    response = client_for("accountant").post(
        reverse("monitoring:exception-ignore", args=[item.pk]), {"reason": "test data", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("monitoring:exception-detail", args=[item.pk])
