"""The sync engine's contract with the queue: record a failure, resolve it when the record syncs."""

from __future__ import annotations

import pytest

from integrations.models import SyncRun
from monitoring.fingerprints import fingerprint, normalise_message
from monitoring.models import AuditEvent, ExceptionAction, ExceptionItem
from monitoring.services import record_exception, resolve_exceptions_for_record
from tests.monitoring.conftest import make_flow


def _fail(flow, run, key="1042", message="value '4900' not in value map nominal_to_main_account", **kw):
    args = {
        "flow": flow,
        "run": run,
        "source_key": key,
        "stage": "map",
        "error_class": "value_not_mapped",
        "error_code": "value_not_mapped",
        "message": message,
        "source_payload": {"Number": int(key) if key.isdigit() else key},
        "mapped_document": {"CustomerRef": key},
    }
    args.update(kw)
    return record_exception(**args)


# --- fingerprint --------------------------------------------------------------------------------


def _fp(message, *, key="1042", error_class="value_not_mapped", flow_id=1, stage="map", code="value_not_mapped"):
    return fingerprint(
        flow_id=flow_id, stage=stage, error_class=error_class, error_code=code, message=message, source_key=key
    )


def test_fingerprint_ignores_the_record_and_its_numbers():
    a = _fp("Invoice 1042 line 2: value '4900' not in value map nominal_to_main_account", key="1042")
    b = _fp("Invoice 1043 line 7: value '4900' not in value map nominal_to_main_account", key="1043")
    assert a == b


def test_fingerprint_keeps_the_unmapped_value_because_the_fix_is_per_value():
    a = _fp("value '4900' not in value map nominal_to_main_account")
    b = _fp("value '4910' not in value map nominal_to_main_account")
    assert a != b


def test_fingerprint_separates_flows_stages_classes_and_codes():
    base = _fp("boom")
    assert base != _fp("boom", flow_id=2)
    assert base != _fp("boom", stage="load")
    assert base != _fp("boom", error_class="ax_validation")
    assert base != _fp("boom", code="other")


def test_fingerprint_of_an_outage_ignores_quoted_hosts_and_retry_times():
    a = _fp("Connection to 'ax1:8101' timed out after 30 s", error_class="connection", code="timeout")
    b = _fp("Connection to 'ax2:8101' timed out after 10 s", error_class="connection", code="timeout")
    assert a == b


def test_normalise_masks_guids_dates_and_amounts_but_keeps_quoted_account():
    text = normalise_message(
        "Message {0f8fad5b-d9cb-469f-a165-70867728950e} on 2026-11-25T10:00:00Z for 123.45: "
        "account 'ACME99' does not exist",
        error_class="ax_validation",
    )
    assert "'ACME99'" in text
    assert "0f8fad5b" not in text and "2026" not in text and "123.45" not in text


# --- record_exception ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_record_exception_creates_an_open_item_with_both_payloads(flow, run):
    item = _fail(flow, run, suggested_fix={"kind": "value_map_row", "value": "4900"})
    assert item.status == ExceptionItem.Status.OPEN
    assert item.attempts == 1
    assert item.source_payload == {"Number": 1042}
    assert item.mapped_document == {"CustomerRef": "1042"}
    assert item.suggested_fix["value"] == "4900"
    assert item.fingerprint == _fp("value '4900' not in value map nominal_to_main_account", flow_id=flow.pk)
    assert list(item.actions.values_list("action", flat=True)) == ["opened"]


@pytest.mark.django_db
def test_a_repeat_failure_updates_the_same_item_with_the_new_error(flow, run):
    first = _fail(flow, run)
    run2 = SyncRun.objects.create(flow=flow, status=SyncRun.Status.SUCCEEDED)
    again = _fail(
        flow,
        run2,
        stage="load",
        error_class="ax_validation",
        error_code="AifFault",
        message="Account 'ACME99' does not exist",
        mapped_document=None,
    )
    assert again.pk == first.pk
    assert ExceptionItem.objects.count() == 1
    again.refresh_from_db()
    assert again.attempts == 2
    assert again.message == "Account 'ACME99' does not exist"
    assert again.error_class == "ax_validation" and again.stage == "load"
    assert again.run_id == run2.pk
    assert again.mapped_document == {"CustomerRef": "1042"}  # kept: None means "not mapped this time"
    assert [a.action for a in again.actions.all()] == ["opened", "failed_again"]


@pytest.mark.django_db
def test_a_retrying_item_that_fails_again_goes_back_to_open(flow, run):
    item = _fail(flow, run)
    ExceptionItem.objects.filter(pk=item.pk).update(status=ExceptionItem.Status.RETRYING)
    again = _fail(flow, run)
    assert again.pk == item.pk
    assert again.status == ExceptionItem.Status.OPEN
    assert again.attempts == 2


@pytest.mark.django_db
def test_a_failure_after_resolution_opens_a_new_item_and_keeps_the_old(flow, run):
    old = _fail(flow, run)
    resolve_exceptions_for_record(flow=flow, source_key="1042", run=run)
    new = _fail(flow, run)
    assert new.pk != old.pk
    assert ExceptionItem.objects.filter(status="resolved").count() == 1
    assert ExceptionItem.objects.filter(status="open").count() == 1


@pytest.mark.django_db
def test_same_source_key_in_two_flows_gives_two_items(flow, run):
    other = make_flow("Journals", "journal")
    _fail(flow, run)
    _fail(other, SyncRun.objects.create(flow=other))
    assert ExceptionItem.objects.count() == 2


@pytest.mark.django_db
def test_an_overlong_key_or_code_is_cut_to_fit_rather_than_crashing(flow, run):
    item = _fail(flow, run, key="K" * 300, error_code="E" * 300)
    assert len(item.source_key) == 100
    assert len(item.error_code) == 60


# --- resolve_exceptions_for_record -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_later_successful_sync_resolves_the_item_and_notes_the_run(flow, run):
    item = _fail(flow, run)
    later = SyncRun.objects.create(flow=flow, status=SyncRun.Status.SUCCEEDED)
    assert resolve_exceptions_for_record(flow=flow, source_key="1042", run=later) == 1
    item.refresh_from_db()
    assert item.status == ExceptionItem.Status.RESOLVED
    assert item.resolved_by_run_id == later.pk
    assert item.resolved_at is not None
    assert f"run {later.pk}" in item.resolution_note
    assert ExceptionAction.objects.filter(item=item, action="auto_resolved").exists()
    assert AuditEvent.objects.filter(action="exception_resolved", object_id=str(item.pk)).exists()


@pytest.mark.django_db
def test_resolving_a_record_without_an_open_item_does_nothing(flow, run):
    assert resolve_exceptions_for_record(flow=flow, source_key="999", run=run) == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_resolving_leaves_ignored_items_and_other_records_alone(flow, run):
    ignored = _fail(flow, run, key="1")
    ExceptionItem.objects.filter(pk=ignored.pk).update(status=ExceptionItem.Status.IGNORED)
    other = _fail(flow, run, key="2")
    resolve_exceptions_for_record(flow=flow, source_key="1", run=run)
    assert ExceptionItem.objects.get(pk=ignored.pk).status == "ignored"
    assert ExceptionItem.objects.get(pk=other.pk).status == "open"


def test_fingerprint_splits_by_the_value_a_structured_fix_names():
    message = "CustInvoiceLine[0].LedgerDimension.Account: {} is not in value map 'nominal_accounts'"
    fix = {"kind": "add_value_map_entry", "value_map": "nominal_accounts"}
    a = fingerprint(
        flow_id=1,
        stage="map",
        error_class="value_not_mapped",
        error_code="value_not_mapped",
        message=message.format(4900),
        suggested_fix={**fix, "value": "4900"},
    )
    b = fingerprint(
        flow_id=1,
        stage="map",
        error_class="value_not_mapped",
        error_code="value_not_mapped",
        message=message.format(4999),
        suggested_fix={**fix, "value": "4999"},
    )
    c = fingerprint(
        flow_id=1,
        stage="map",
        error_class="value_not_mapped",
        error_code="value_not_mapped",
        message=message.format(4999).replace("[0]", "[3]"),
        suggested_fix={**fix, "value": "4999"},
    )
    assert a != b
    assert b == c


def test_fingerprint_counts_a_clause_repeated_per_line_once():
    two = "L[0]: 4999 is not in value map 'm'; L[1]: 4999 is not in value map 'm'; L[0] is required; L[1] is required"
    one = "L[0]: 4999 is not in value map 'm'; L[0] is required"
    assert _fp(two) == _fp(one)


# --- the worker's side of a retry, with the engine replaced by small fakes -------------------------


@pytest.fixture
def retrying(flow, run):
    item = _fail(flow, run)
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.PARTIAL)  # no run in progress to wait for
    ExceptionItem.objects.filter(pk=item.pk).update(status=ExceptionItem.Status.RETRYING)
    item.refresh_from_db()
    return item


@pytest.mark.django_db
def test_a_retry_the_engine_cannot_run_leaves_the_item_open_with_one_more_attempt(retrying, monkeypatch):
    from integrations.sync import retry
    from monitoring.services.actions import run_retry

    def broken(item, **kwargs):
        raise RuntimeError("connector exploded")

    monkeypatch.setattr(retry, "retry_exception_item", broken)
    assert run_retry(retrying.pk) == "open"
    retrying.refresh_from_db()
    assert retrying.attempts == 2
    assert "connector exploded" in retrying.message
    assert retrying.actions.last().action == "retry_failed"


@pytest.mark.django_db
def test_a_retry_delivered_twice_runs_once(retrying, monkeypatch):
    from integrations.sync import retry
    from monitoring.services.actions import run_retry

    calls = []

    def succeed(item, **kwargs):
        calls.append(item.pk)
        resolve_exceptions_for_record(flow=item.flow, source_key=item.source_key, run=None)

    monkeypatch.setattr(retry, "retry_exception_item", succeed)
    assert run_retry(retrying.pk) == "resolved"
    assert run_retry(retrying.pk) == "resolved"
    assert calls == [retrying.pk]


@pytest.mark.django_db
def test_a_retry_whose_worker_died_goes_back_to_open(retrying):
    from datetime import timedelta

    from django.utils import timezone

    from monitoring.services.actions import release_stale_retries

    assert release_stale_retries() == 0
    ExceptionItem.objects.filter(pk=retrying.pk).update(last_seen_at=timezone.now() - timedelta(hours=1))
    assert release_stale_retries() == 1
    retrying.refresh_from_db()
    assert retrying.status == "open"
    assert retrying.actions.last().action == "retry_abandoned"


@pytest.mark.django_db
def test_an_ignored_item_can_be_reopened_and_keeps_its_history(flow, run, accountant):
    from monitoring.services.actions import ignore, reopen

    item = _fail(flow, run)
    ignore([item], user=accountant, reason="later")
    assert reopen(item, user=accountant) is True
    item.refresh_from_db()
    assert item.status == "open" and item.resolution_note == ""
    assert [a.action for a in item.actions.all()] == ["opened", "ignored", "reopened"]
