"""Issue 15, defect 5: a resolved exception reads as resolved -- the fix card no longer says the row is missing,
the document that was sent is shown with AX's document number, and the history says "resolved" once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import RecordLink, RecordOutcome, SyncRun
from mappings.services.starters import install_templates
from monitoring.models import ExceptionItem
from monitoring.services import actions, record_exception, resolve_exceptions_for_record

MESSAGE = "value '4900' not in value map nominal_accounts"


@pytest.fixture
def mapped_flow(flow, reference_data):
    (mapping,) = install_templates(keys=["sales-invoice-kf-to-ax"])
    flow.mapping_set = mapping
    flow.save(update_fields=["mapping_set"])
    return flow


def _open_item(flow, run) -> ExceptionItem:
    return record_exception(
        flow=flow,
        run=run,
        source_key="1040",
        stage="map",
        error_class="value_not_mapped",
        error_code="value_not_mapped",
        message=MESSAGE,
        source_payload={"Number": 1040, "CustomerCode": "ACME", "LineItems": [{"NominalCode": 4900, "Rate": 210}]},
        mapped_document=None,
        suggested_fix={"value_map": "nominal_accounts", "value": "4900"},
    )


def _resolve(flow, item, user) -> SyncRun:
    """What a successful retry does: the run writes the invoice to AX and the engine resolves the item."""
    actions.apply_value_map_fix(item, user=user, target_value="401500")
    run = SyncRun.objects.create(flow=flow, status=SyncRun.Status.SUCCEEDED)
    RecordOutcome.objects.create(
        run=run,
        source_key="1040",
        action="created",
        target_key="FTI-000777",
        mapped_document={"InvoiceId": "1040", "CustInvoiceLine": [{"LedgerDimension": "401500"}]},
    )
    RecordLink.objects.create(flow=flow, source_key="1040", target_key="FTI-000777")
    resolve_exceptions_for_record(flow=flow, source_key="1040", run=run)
    return run


@pytest.mark.django_db
def test_the_detail_of_an_open_value_map_gap_offers_the_fix(client_for, mapped_flow, run):
    item = _open_item(mapped_flow, run)
    page = client_for("accountant").get(reverse("monitoring:exception-detail", args=[item.pk])).content.decode()
    assert "has no row for" in page


@pytest.mark.django_db
def test_a_resolved_exception_shows_what_was_sent_and_where_it_went(client_for, mapped_flow, run, accountant):
    item = _open_item(mapped_flow, run)
    resolving = _resolve(mapped_flow, item, accountant)
    item.refresh_from_db()
    assert item.status == "resolved"
    page = client_for("accountant").get(reverse("monitoring:exception-detail", args=[item.pk])).content.decode()
    fix_card = page[page.index('id="suggested-fix"') :]
    fix_card = fix_card[: fix_card.index("</div>\n</div>")]
    assert "has no row" not in fix_card and "Apply fix" not in fix_card
    assert "FTI-000777" in fix_card
    assert "401500" in fix_card  # what fixed it
    assert "Not stored" not in page
    document = page[page.index('id="mapped-document"') :]
    assert "401500" in document[: document.index("</pre>")]
    assert f"run {resolving.pk}" in page
    # The error reads as past: no longer the headline, its line no longer marked as failing.
    assert "What went wrong (resolved)" in page and 'class="failing-line"' not in page
    assert 'class="fixed-line"' in page


@pytest.mark.django_db
def test_a_retry_that_resolves_the_item_is_recorded_once(mapped_flow, run, accountant, monkeypatch):
    from integrations.sync import retry

    item = _open_item(mapped_flow, run)
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.PARTIAL)  # no run in progress to wait for
    actions.request_retry([item], user=accountant)

    def succeed(item, **kwargs):  # what the engine does when the record syncs: the item is resolved by the run
        resolve_exceptions_for_record(flow=item.flow, source_key=item.source_key, run=None)

    monkeypatch.setattr(retry, "retry_exception_item", succeed)
    assert actions.run_retry(item.pk, user_id=accountant.pk) == "resolved"
    history = [a.action for a in item.actions.order_by("id")]
    resolutions = [a for a in history if a in ("auto_resolved", "retry_succeeded")]
    assert resolutions == ["retry_succeeded"], history
    assert item.actions.get(action="retry_succeeded").user == accountant
