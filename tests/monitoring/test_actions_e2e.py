"""Every exception action end to end: the sandbox over real sockets, the real pipeline and a real django-q2
worker process (``manage.py qcluster``) doing the retries."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse

from integrations.sandbox.models import AxRecord, KashFlowRecord
from integrations.sync.runs import run_flow
from mappings.models import MappingSet
from monitoring.models import AuditEvent, ExceptionItem
from tests.integrations.sync.conftest import flow

pytestmark = [pytest.mark.slow]


def _set_nominal(number: str, nominal: int) -> None:
    record = KashFlowRecord.objects.get(entity="invoices", key=number)
    data = record.data
    for line in data["LineItems"]:
        line["NominalCode"] = nominal
    KashFlowRecord.objects.filter(pk=record.pk).update(data=data)


def _invoice_numbers(n: int) -> list[str]:
    return sorted((r.key for r in KashFlowRecord.objects.filter(entity="invoices")), key=int)[:n]


def _failing_invoices(n: int, nominal: int = 4999) -> list[ExceptionItem]:
    """Run the sales invoice flow with ``n`` invoices whose lines use a nominal code the value map lacks."""
    numbers = _invoice_numbers(n)
    for number in numbers:
        _set_nominal(number, nominal)
    run_flow(flow("sales_invoice"))
    items = list(ExceptionItem.objects.filter(flow=flow("sales_invoice"), source_key__in=numbers).order_by("pk"))
    assert len(items) == n and all(i.status == "open" for i in items)
    return items


def wait_settled(*items: ExceptionItem, timeout: float = 60.0) -> list[ExceptionItem]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fresh = list(ExceptionItem.objects.filter(pk__in=[i.pk for i in items]).order_by("pk"))
        if all(i.status != "retrying" for i in fresh):
            return fresh
        time.sleep(0.2)
    raise AssertionError(f"still retrying after {timeout}s: {[i.pk for i in items]}")


def _wait_for_action(item: ExceptionItem, action: str, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if item.actions.filter(action=action).exists():
            return True
        time.sleep(0.1)
    return False


def _in_ax(number: str) -> bool:
    return any(r.data.get("CustomerRef") == number for r in AxRecord.objects.filter(entity="CustInvoiceTable"))


def test_retry_fails_again_then_succeeds_and_bulk_retry_resolves_a_selection(demo, worker, client_for):
    first, second, third = _failing_invoices(3)
    client = client_for("accountant")

    # A retry of an unchanged record fails again: still open, one more attempt, the new error, nothing deleted.
    response = client.post(reverse("monitoring:exception-retry", args=[first.pk]))
    assert response.status_code == 302
    assert ExceptionItem.objects.get(pk=first.pk).status == "retrying"  # the row shows it at once
    (again,) = wait_settled(first)
    assert again.status == "open"
    assert again.attempts == 2
    assert "4999" in again.message
    assert [a.action for a in again.actions.all()][-2:] == ["retry", "retry_failed"] or "failed_again" in [
        a.action for a in again.actions.all()
    ]

    # Fixed at the source: the next retry syncs it and resolves the item, noting the run.
    _set_nominal(first.source_key, 4000)
    client.post(reverse("monitoring:exception-retry", args=[first.pk]))
    (done,) = wait_settled(first)
    assert done.status == "resolved"
    assert done.resolved_by_run_id is not None
    assert _in_ax(first.source_key)
    # The run resolves the item a moment before the retry task notes its outcome: wait for the note.
    assert _wait_for_action(done, "retry_succeeded"), [a.action for a in done.actions.all()]

    # Bulk retry of a selection.
    for item in (second, third):
        _set_nominal(item.source_key, 4000)
    response = client.post(reverse("monitoring:exception-bulk"), {"action": "retry", "ids": [second.pk, third.pk]})
    assert response.status_code == 302
    settled = wait_settled(second, third)
    assert [i.status for i in settled] == ["resolved", "resolved"]
    assert all(_in_ax(i.source_key) for i in settled)
    assert AuditEvent.objects.filter(action="exception_retry", actor_label="accountant").count() == 4


def test_edit_and_retry_and_a_mapping_level_fix_that_redrives_the_group(demo, worker, client_for):
    items = _failing_invoices(4)
    client = client_for("accountant")
    edited, document_edited, *group = items

    # Edit the source payload and retry: the edited record maps and reaches AX.
    payload = dict(edited.source_payload)
    payload["LineItems"] = [{**line, "NominalCode": 4010} for line in payload["LineItems"]]
    response = client.post(reverse("monitoring:exception-edit", args=[edited.pk]), {"payload": json.dumps(payload)})
    assert response.status_code == 302, response.content.decode()[:500]
    (done,) = wait_settled(edited)
    assert done.status == "resolved"
    assert _in_ax(edited.source_key)
    assert AuditEvent.objects.filter(action="exception_edit_and_retry", object_id=str(edited.pk)).exists()

    # Edit the mapped document instead (as the detail page offers it: what the mapping makes of the record),
    # giving every line the account AX should book it to.
    from integrations.models import RecordOutcome
    from monitoring.services.editing import map_payload

    document, _ = map_payload(document_edited.flow, document_edited.source_payload)
    good = RecordOutcome.objects.filter(action="created", run__flow=document_edited.flow).first().mapped_document
    ledger = good["CustInvoiceLine"][0]["LedgerDimension"]
    for line in document["CustInvoiceLine"]:
        line["LedgerDimension"] = ledger
    response = client.post(
        reverse("monitoring:exception-edit", args=[document_edited.pk]), {"document": json.dumps(document, default=str)}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    (done,) = wait_settled(document_edited)
    assert done.status == "resolved", done.message
    assert _in_ax(document_edited.source_key)

    # The other two share one cause: add the value-map row once and both go through.
    assert len({i.fingerprint for i in group}) == 1
    versions_before = MappingSet.objects.filter(key=flow("sales_invoice").mapping_set.key).count()
    fix_url = reverse("monitoring:exception-fix", args=[group[0].pk])
    response = client.post(fix_url, {"target_value": "401100"})
    # First the confirmation (records, money, version); nothing is published until it is confirmed.
    assert response.status_code == 200 and b'id="confirm-fix"' in response.content
    assert MappingSet.objects.filter(key=flow("sales_invoice").mapping_set.key).count() == versions_before
    response = client.post(fix_url, {"target_value": "401100", "confirm": "yes"})
    assert response.status_code == 302
    settled = wait_settled(*group)
    assert [i.status for i in settled] == ["resolved", "resolved"]
    assert all(_in_ax(i.source_key) for i in settled)
    key = flow("sales_invoice").mapping_set.key
    assert MappingSet.objects.filter(key=key).count() == versions_before + 1
    published = MappingSet.objects.get(key=key, status="published")
    assert published.value_maps.get(name="nominal_accounts").entries.filter(source_value="4999").exists()
    assert "fix_applied" in [a.action for a in settled[0].actions.all()]


def test_a_refused_edit_and_an_ignore_leave_the_right_trace(demo, client_for):
    (item,) = _failing_invoices(1)
    client = client_for("accountant")
    before = ExceptionItem.objects.values().get(pk=item.pk)

    response = client.post(
        reverse("monitoring:exception-edit", args=[item.pk]), {"document": '{"InvoiceDate": "not a date"'}
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.content.decode()
    response = client.post(
        reverse("monitoring:exception-edit", args=[item.pk]), {"document": json.dumps({"CustInvoiceLine": []})}
    )
    assert response.status_code == 400
    assert ExceptionItem.objects.values().get(pk=item.pk) == before  # open and unchanged

    response = client.post(reverse("monitoring:exception-ignore", args=[item.pk]), {"reason": ""})
    assert ExceptionItem.objects.get(pk=item.pk).status == "open"
    response = client.post(
        reverse("monitoring:exception-ignore", args=[item.pk]), {"reason": "Test invoice, never to be posted"}
    )
    item.refresh_from_db()
    assert item.status == "ignored"
    assert item.resolution_note == "Test invoice, never to be posted"
    assert item.resolved_by.username == "accountant"
    event = AuditEvent.objects.get(action="exception_ignored", object_id=str(item.pk))
    assert event.actor_label == "accountant"
    assert ExceptionItem.objects.filter(pk=item.pk).exists()  # kept, with its history
    assert [a.action for a in item.actions.all()] == ["opened", "ignored"]


def test_a_later_successful_run_resolves_the_item_noting_the_run(demo, client_for):
    (item,) = _failing_invoices(1)
    _set_nominal(item.source_key, 4000)
    run = run_flow(flow("sales_invoice"), full=True)
    item.refresh_from_db()
    assert item.status == "resolved"
    assert item.resolved_by_run_id == run.pk
    assert [a.action for a in item.actions.all()] == ["opened", "auto_resolved"]
    body = client_for("viewer").get(reverse("monitoring:exception-detail", args=[item.pk])).content.decode()
    assert f"run {run.pk}" in body
