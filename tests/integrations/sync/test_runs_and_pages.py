"""Runs without a remote system: one run per flow, claims, stalled runs, schedules, the flow pages and API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from integrations.models import Connection, Flow, IntegrationPair, SyncRun
from integrations.sync import locks, schedules
from integrations.sync.runs import FlowBusy, resume_stalled_runs, start_run
from monitoring.models import AuditEvent
from tests.access import assert_api_roles, assert_page_roles


@pytest.fixture
def flow(db) -> Flow:
    kashflow = Connection.objects.create(name="KF", system="kashflow", base_url="http://kf.invalid/")
    ax = Connection.objects.create(name="AX", system="dynamics_ax", base_url="http://ax.invalid/", company="DEMO")
    pair = IntegrationPair.objects.create(name="Pair", kashflow=kashflow, dynamics_ax=ax)
    return Flow.objects.create(
        name="Sales invoices", slug="sales-invoices", pair=pair, entity="sales_invoice", direction="kf_to_ax"
    )


def test_one_run_per_flow_at_a_time(flow):
    first = start_run(flow, enqueue=False)
    with pytest.raises(FlowBusy) as busy:
        start_run(flow, enqueue=False)
    assert busy.value.run == first
    SyncRun.objects.filter(pk=first.pk).update(status="succeeded")
    assert start_run(flow, enqueue=False).pk != first.pk


def test_only_one_worker_executes_a_run_and_a_lost_run_stops_its_old_worker(flow):
    run = start_run(flow, enqueue=False)
    assert locks.claim_execution(run.pk, "w1")
    assert not locks.claim_execution(run.pk, "w2")  # delivered twice: the second finds it claimed
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert locks.claim_execution(run.pk, "w2")  # its heartbeat stopped: taken over
    with pytest.raises(locks.RunLost):
        locks.beat(run.pk, "w1")
    assert not locks.release(run.pk, "w1", status="succeeded")
    assert locks.release(run.pk, "w2", status="succeeded")


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    """Run ids handed to the broker (whichever broker the settings chose)."""
    from integrations.sync import runs

    ids: list[int] = []
    monkeypatch.setattr(runs, "_enqueue", ids.append)
    return ids


def test_stalled_runs_are_requeued_once_from_the_database_alone(flow, enqueued, django_capture_on_commit_callbacks):
    run = start_run(flow, enqueue=False)
    locks.claim_execution(run.pk, "dead-worker")
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        assert resume_stalled_runs() == [run.pk]
        assert resume_stalled_runs() == []  # its heartbeat is fresh again
    assert SyncRun.objects.get(pk=run.pk).status == "queued"
    assert enqueued == [run.pk]


def test_a_run_is_enqueued_only_when_its_transaction_commits(flow, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = start_run(flow)
    assert len(callbacks) == 1 and enqueued == []
    callbacks[0]()
    assert enqueued == [run.pk]


def test_schedules_follow_the_flow_trigger(flow, integration_admin):
    schedules.ensure_schedules()
    assert Schedule.objects.filter(
        name=schedules.RESUME_STALLED, func="integrations.tasks.resume_stalled_runs"
    ).exists()
    schedules.update_flow(flow, actor=integration_admin, trigger="polling", schedule_minutes=5)
    schedule = Schedule.objects.get(name=schedules.schedule_name(flow))
    assert (schedule.func, schedule.minutes, schedule.args) == (
        "integrations.tasks.scheduled_flow_run",
        5,
        repr(flow.pk),
    )
    assert schedule.next_run > timezone.now() + timedelta(minutes=4)  # the first poll is one interval away
    schedules.update_flow(flow, actor=integration_admin, trigger="manual")
    assert not Schedule.objects.filter(name=schedules.schedule_name(flow)).exists()
    assert AuditEvent.objects.filter(action="flow_updated", object_id=str(flow.pk)).count() == 2


def test_a_paused_flow_is_skipped_by_schedules_and_resumed_by_a_person(flow, integration_admin):
    Flow.objects.filter(pk=flow.pk).update(paused_until=timezone.now() + timedelta(hours=1), pause_reason="AX down")
    flow.refresh_from_db()
    from integrations.sync.runs import FlowPaused

    with pytest.raises(FlowPaused):
        start_run(flow, trigger="schedule", enqueue=False)
    run = start_run(flow, trigger="manual", user=integration_admin, enqueue=False)
    flow.refresh_from_db()
    assert run.status == "queued" and flow.paused_until is None


def test_flow_pages_are_for_viewers_and_actions_for_integration_admins(flow, client_for):
    assert_page_roles(client_for, "/flows/", "Viewer")
    assert_page_roles(client_for, f"/flows/{flow.slug}/", "Viewer")
    run = SyncRun.objects.create(flow=flow, status="succeeded", total=3, processed=3)
    assert_page_roles(client_for, f"/flows/runs/{run.pk}/progress/", "Viewer")
    assert_page_roles(client_for, f"/flows/{flow.slug}/resume/", "Integration admin", "post", ok_status=302)
    assert_page_roles(
        client_for,
        f"/flows/{flow.slug}/settings/",
        "Integration admin",
        "post",
        data={"trigger": "schedule", "schedule_minutes": "10", "batch_size": "50", "enabled": "on"},
        ok_status=302,
    )


def test_run_now_answers_the_progress_bar_which_polls_until_the_run_ends(flow, client_for):
    admin = client_for("Integration admin")
    response = admin.post(f"/flows/{flow.slug}/run/", {"dry_run": "on"}, HTTP_HX_REQUEST="true")
    run = SyncRun.objects.get(flow=flow)
    assert run.dry_run and response.status_code == 200
    body = response.content.decode()
    assert f"/flows/runs/{run.pk}/progress/" in body and "every 1s" in body
    again = admin.post(f"/flows/{flow.slug}/run/", {}, HTTP_HX_REQUEST="true")
    assert "already in progress" in again.content.decode()

    SyncRun.objects.filter(pk=run.pk).update(status="running", total=4, processed=1)
    polling = admin.get(f"/flows/runs/{run.pk}/progress/", HTTP_HX_REQUEST="true")
    assert polling.status_code == 200 and 'aria-valuenow="1"' in polling.content.decode()
    SyncRun.objects.filter(pk=run.pk).update(status="succeeded", processed=4)
    done = admin.get(f"/flows/runs/{run.pk}/progress/", HTTP_HX_REQUEST="true")
    assert done.status_code == 286 and "succeeded" in done.content.decode()
    assert "hx-trigger" not in done.content.decode()


def test_bad_flow_settings_are_explained_not_saved(flow, client_for):
    response = client_for("Integration admin").post(
        f"/flows/{flow.slug}/settings/", {"trigger": "schedule", "schedule_minutes": "", "batch_size": "0"}
    )
    assert response.status_code == 400
    assert "needs the minutes between runs" in response.content.decode()
    flow.refresh_from_db()
    assert flow.trigger == "manual"


def test_the_flow_api_reads_for_viewers_and_runs_for_admins(flow, client_for):
    assert_api_roles(client_for, "/api/v1/flows/", "Viewer")
    assert_api_roles(client_for, f"/api/v1/flows/{flow.slug}/runs/", "Viewer")
    admin = client_for("Integration admin")
    started = admin.post(f"/api/v1/flows/{flow.slug}/run/", {"full": True}, content_type="application/json")
    assert started.status_code == 202 and started.json()["full"] is True
    busy = admin.post(f"/api/v1/flows/{flow.slug}/run/", {}, content_type="application/json")
    assert busy.status_code == 409 and busy.json()["run"]["id"] == started.json()["id"]
    viewer = client_for("Viewer").post(f"/api/v1/flows/{flow.slug}/run/", {}, content_type="application/json")
    assert viewer.status_code == 403
    changed = admin.patch(
        f"/api/v1/flows/{flow.slug}/", {"trigger": "polling", "schedule_minutes": 3}, content_type="application/json"
    )
    assert changed.status_code == 200, changed.content
    assert Schedule.objects.filter(name=schedules.schedule_name(flow), minutes=3).exists()
    refused = admin.patch(f"/api/v1/flows/{flow.slug}/", {"batch_size": 0}, content_type="application/json")
    assert refused.status_code == 400


def test_every_migrated_portal_has_the_stalled_run_check(db):
    from importlib import import_module

    from django.apps import apps

    Schedule.objects.filter(name=schedules.RESUME_STALLED).delete()
    import_module("integrations.migrations.0004_resume_stalled_runs_schedule").create_schedule(apps, None)
    schedule = Schedule.objects.get(name=schedules.RESUME_STALLED)
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "integrations.tasks.resume_stalled_runs",
        "I",
        1,
    )


def test_the_flow_list_costs_the_same_queries_for_many_flows(flow, client_for, django_assert_max_num_queries):
    client = client_for("Viewer")
    client.get("/flows/")  # warm the session and role caches
    for n in range(12):
        Flow.objects.create(name=f"Flow {n}", slug=f"flow-{n}", pair=flow.pair, entity="journal", direction="kf_to_ax")
        SyncRun.objects.create(flow=flow, status="succeeded")
    with django_assert_max_num_queries(6):
        response = client.get("/flows/")
    assert response.status_code == 200 and response.content.decode().count("/flows/flow-") == 12


def test_a_worker_that_lost_its_run_stops_without_touching_the_record(flow):
    from integrations.sync import report

    run = start_run(flow, enqueue=False)
    with pytest.raises(locks.RunLost):
        report.failed(None, "1", {}, None, locks.RunLost("taken over"), 0.0)
    assert not run.outcomes.exists()


def test_a_signed_body_that_is_not_json_is_kept_and_filed_as_an_exception(flow, client, enqueued):
    from integrations.models import WebhookEvent
    from integrations.services.webhooks import SIGNATURE_HEADER, process_event, sign
    from monitoring.models import ExceptionItem

    assert client.get("/webhooks/kashflow/").status_code == 405
    body = b"<order>not json</order>"
    response = client.post("/webhooks/kashflow/", body, content_type="text/xml", **{
        "HTTP_" + SIGNATURE_HEADER.upper().replace("-", "_"): sign(body)
    })  # fmt: skip
    assert response.status_code == 400 and response.json()["status"] == "stored"  # refused, yet kept
    assert response.json()["problems"]
    event = WebhookEvent.objects.get(pk=response.json()["id"])
    assert event.body == body.decode() and event.payload is None
    process_event(event.pk)
    event.refresh_from_db()
    assert event.status == "failed"
    item = ExceptionItem.objects.get(flow=flow, source_key=f"webhook/{event.pk}")
    assert item.source_payload == {"body": body.decode()} and item.stage == "extract"
    assert process_event(event.pk) == "already failed"  # a second delivery of the task changes nothing
    assert ExceptionItem.objects.get(pk=item.pk).attempts == 1
