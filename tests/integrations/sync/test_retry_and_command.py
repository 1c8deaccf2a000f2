"""The exception queue's retry (as is, after a value-map fix, with an edited document) and the sync command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from integrations.models import RecordOutcome, SyncRun
from integrations.sandbox.models import AxRecord
from integrations.sync.retry import retry_exception_item
from integrations.sync.runs import run_flow
from mappings.suggestions import apply_value_map_fix
from monitoring.models import ExceptionItem
from tests.integrations.sync.conftest import flow, invoice_refs


def _unmapped_invoice(demo) -> ExceptionItem:
    run_flow(flow("sales_invoice"))
    return ExceptionItem.objects.get(flow=flow("sales_invoice"), error_class="value_not_mapped")


def test_a_retry_after_the_value_map_is_fixed_posts_the_invoice_and_resolves_the_item(demo, integration_admin):
    item = _unmapped_invoice(demo)
    assert item.source_key not in invoice_refs()
    retry_exception_item(item, user=integration_admin)
    item.refresh_from_db()
    assert item.status == "open" and item.attempts == 2  # still unmapped: the same failure, counted

    fix = item.suggested_fix
    mapping_set = flow("sales_invoice").mapping_set
    best = fix["candidates"][0]["value"]  # the nearest valid AX main account the suggestions offer
    apply_value_map_fix(mapping_set, fix["value_map"], fix["value"], best, actor=integration_admin)
    run = retry_exception_item(item, user=integration_admin)
    item.refresh_from_db()
    assert run.status == "succeeded" and item.status == "resolved" and item.resolved_by_run == run
    assert invoice_refs()[item.source_key] == 1


def test_a_retry_with_an_edited_document_sends_that_document(demo, integration_admin):
    item = _unmapped_invoice(demo)
    document = RecordOutcome.objects.filter(source_key=item.source_key, action="failed").last().mapped_document
    assert document is None  # mapping failed: the person builds the document from a successful one
    good = RecordOutcome.objects.filter(action="created").exclude(source_key__contains=":").first().mapped_document
    edited = {**good, "CustomerRef": item.source_key, "PurchOrderFormNum": "EDITED"}
    run = retry_exception_item(item, edited_document=edited, user=integration_admin)
    item.refresh_from_db()
    assert run.status == "succeeded" and item.status == "resolved"
    posted = AxRecord.objects.get(entity="CustInvoiceTable", data__CustomerRef=item.source_key)
    assert posted.data["PurchOrderFormNum"] == "EDITED"


def test_the_sync_command_runs_a_flow_in_the_foreground(demo):
    out = StringIO()
    call_command("sync", "sales-invoice-kf-to-ax", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "[" in text and "(dry run)" in text and "partial" in text
    assert SyncRun.objects.get().dry_run and not invoice_refs()
    call_command("sync", "sales-invoice-kf-to-ax", stdout=StringIO())
    assert invoice_refs()
    with pytest.raises(CommandError, match="No flow"):
        call_command("sync", "no-such-flow", stdout=StringIO())


def test_a_retry_while_the_flow_is_busy_is_handed_to_the_next_run_with_its_edited_document(demo, integration_admin):
    from integrations.models import PendingRecord
    from integrations.sync import locks

    item = _unmapped_invoice(demo)
    good = RecordOutcome.objects.filter(action="created").exclude(source_key__contains=":").first().mapped_document
    edited = {**good, "CustomerRef": item.source_key, "PurchOrderFormNum": "EDITED WHILE BUSY"}
    busy = locks.claim_run(flow("sales_invoice"))
    assert retry_exception_item(item, edited_document=edited, user=integration_admin) is None
    assert PendingRecord.objects.filter(flow=flow("sales_invoice"), source_key=item.source_key, reason="retry").exists()
    SyncRun.objects.filter(pk=busy.pk).update(status="cancelled")

    run = run_flow(flow("sales_invoice"))
    assert RecordOutcome.objects.get(run=run, source_key=item.source_key).action == "created"
    posted = AxRecord.objects.get(entity="CustInvoiceTable", data__CustomerRef=item.source_key)
    assert posted.data["PurchOrderFormNum"] == "EDITED WHILE BUSY"
    item.refresh_from_db()
    assert item.status == "resolved" and not PendingRecord.objects.filter(source_key=item.source_key).exists()
