"""Issue 15, defect 4: lineage keeps prerequisite records. An invoice the Payments flow posts before its payment is
recorded under the invoice's own key and flow, found by "Where is 1040" and "every run of this record", counted
once in "synced today" wherever it was posted from, and a recovered write reads as the success it is."""

from __future__ import annotations

from django.urls import reverse

from integrations.models import RecordOutcome, SyncRun
from integrations.sandbox.models import KashFlowRecord
from integrations.sync.runs import run_flow
from monitoring import selectors
from tests.integrations.sync.conftest import flow, invoice_refs

SALES, PAYMENTS = "sales-invoice-kf-to-ax", "payment-kf-to-ax"


def test_an_invoice_posted_for_a_payment_is_the_invoice_flows_record(demo, client_for):
    payments = run_flow(flow("payment"))
    assert payments.status in ("succeeded", "partial"), payments.error
    posted = invoice_refs()
    assert posted, "the payments flow posted invoices first"
    # A payment line's own InvoiceNumber is 0 on KashFlow: its invoice is the document holding it.
    paid = {str(r.data["Number"]) for r in KashFlowRecord.objects.filter(entity="invoices") if r.data["PaymentLines"]}
    number = sorted(set(posted) & paid)[0]

    # One key: the invoice's own, not "sales_invoice:<number>".
    assert not RecordOutcome.objects.filter(source_key__contains=":").exists()
    lineage = selectors.find_record(number)
    created = [o for o in lineage.outcomes if o.action == "created"]
    assert len(created) == 1, [(o.run.flow.slug, o.action) for o in lineage.outcomes]
    assert selectors.outcome_flow(created[0]).slug == SALES
    # "Every run of this record" of the invoice flow finds it, though a payments run posted it.
    assert [o.pk for o in selectors.find_record(number, flow=SALES).outcomes] == [created[0].pk]
    page = client_for("viewer").get(reverse("monitoring:run-find"), {"q": number, "flow": SALES}).content.decode()
    assert "created" in page and "Not linked" not in page
    api = client_for("viewer").get("/api/v1/records/", {"source_key": number}).json()
    (posted_first,) = [o for o in api["outcomes"] if o["action"] == "created"]
    assert (posted_first["flow"], posted_first["run_flow"]) == (SALES, PAYMENTS)

    # The invoice flow then finds it linked: not written again, and counted once in "synced today".
    invoices = run_flow(flow("sales_invoice"))
    assert invoice_refs()[number] == 1
    assert RecordOutcome.objects.get(run=invoices, source_key=number).action == "skipped"
    written = RecordOutcome.objects.filter(action__in=["created", "updated"])
    distinct = {(selectors.outcome_flow(o).pk, o.source_key) for o in written.select_related("run__flow")}
    summaries = {s.flow.slug: s for s in selectors.flow_summaries()}
    assert sum(s.synced_today for s in summaries.values()) == len(distinct) == written.count()
    invoices_written = [
        o for o in written.select_related("run__flow", "flow") if selectors.outcome_flow(o).slug == SALES
    ]
    assert summaries[SALES].synced_today == len(invoices_written) == len(invoice_refs())
    assert summaries[PAYMENTS].synced_today == payments.created_count + payments.updated_count


def test_a_recovered_write_is_shown_as_a_success(flow_with_run, client_for):
    run = flow_with_run
    RecordOutcome.objects.create(
        run=run,
        source_key="1040",
        action="created",
        target_key="FTI-000042",
        error="found in AX after an ambiguous failure; not written again",
    )
    page = client_for("viewer").get(reverse("monitoring:run-detail", args=[run.pk])).content.decode()
    row = page[page.index("1040") :]
    row = row[: row.index("</tr>")]
    assert '<span class="outcome-note ok">found in AX after an ambiguous failure' in row
    assert 'class="error' not in row
    find = client_for("viewer").get(reverse("monitoring:run-find"), {"q": "1040"}).content.decode()
    assert '<span class="outcome-note ok">found in AX after an ambiguous failure' in find
    outcome = RecordOutcome.objects.get(source_key="1040")
    detail = client_for("viewer").get(reverse("monitoring:outcome-detail", args=[outcome.pk])).content.decode()
    assert '<pre class="error' not in detail and 'class="outcome-note ok"' in detail


import pytest  # noqa: E402


@pytest.fixture
def flow_with_run(db):
    from tests.monitoring.conftest import make_flow

    return SyncRun.objects.create(flow=make_flow(), status=SyncRun.Status.SUCCEEDED)


@pytest.mark.django_db
def test_outcomes_recorded_with_an_entity_prefix_get_their_own_key_and_flow_back():
    import importlib

    from django.apps import apps

    from tests.monitoring.conftest import make_flow

    migration = importlib.import_module("integrations.migrations.0006_recordoutcome_prerequisite_flow")
    invoices, payments = make_flow("Sales invoices", "sales_invoice"), make_flow("Payments", "payment")
    run = SyncRun.objects.create(flow=payments, status=SyncRun.Status.SUCCEEDED)
    old = RecordOutcome.objects.create(run=run, source_key="sales_invoice:1040", action="created")
    own = RecordOutcome.objects.create(run=run, source_key="P-77", action="created")
    stranger = RecordOutcome.objects.create(run=run, source_key="nothing_here:1", action="failed")
    migration.unprefix(apps, None)
    old.refresh_from_db(), own.refresh_from_db(), stranger.refresh_from_db()
    assert (old.source_key, old.flow_id) == ("1040", invoices.pk)
    assert (own.source_key, own.flow_id) == ("P-77", None)
    assert (stranger.source_key, stranger.flow_id) == ("nothing_here:1", None)
