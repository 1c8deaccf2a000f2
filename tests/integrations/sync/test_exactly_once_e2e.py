"""Exactly once across flows: a record written by its own flow and, at the same time, by another flow that
syncs it as a dependency (the invoice status flow syncs an invoice's payments) reaches AX once."""

from __future__ import annotations

import time

from integrations.models import Flow, RecordLink, SyncRun
from integrations.sync.runs import run_flow, start_run
from monitoring.models import ExceptionItem
from tests.integrations.sync.conftest import Worker, flow, journal_refs, wait_for_run


def test_batched_payments_on_a_worker_and_the_status_flow_at_once_post_each_payment_once(demo):
    """Issue 13, defect 1, without any fault: the payments flow (batched writes on) runs on a real worker while
    the KashFlow -> AX invoice status flow, in this process, syncs the same payments as its dependencies."""
    run_flow(flow("customer"), full=True)
    run_flow(flow("sales_invoice"))
    Flow.objects.filter(pk=flow("payment").pk).update(batched_writes=True, batch_size=100)
    with_worker = Worker(demo["url"]).start()
    try:
        payments = start_run(flow("payment"))
        deadline = time.monotonic() + 60
        while SyncRun.objects.get(pk=payments.pk).status == "queued" and time.monotonic() < deadline:
            time.sleep(0.05)
        status = run_flow(flow("invoice_status", "kf_to_ax"), full=True)
        done = wait_for_run(payments.pk, timeout=120)
    finally:
        with_worker.stop()
    assert done.status in ("succeeded", "partial"), done.error
    assert status.status in ("succeeded", "partial"), status.error
    refs = journal_refs("CustPay")
    assert refs, "no payment reached AX"
    twice = {ref: n for ref, n in refs.items() if n > 1}
    assert not twice, f"payments posted more than once: {twice}"
    # The loser of each race recognised the payment as posted: no exception, and every posted payment linked once.
    errors = list(ExceptionItem.objects.filter(flow=flow("payment")).values_list("source_key", "message"))
    assert not errors, errors
    linked = set(
        RecordLink.objects.filter(flow=flow("payment")).exclude(target_key="").values_list("source_key", flat=True)
    )
    assert set(refs) <= linked, (refs, linked)


def test_a_payment_another_run_is_writing_makes_the_status_wait_not_an_exception(demo, monkeypatch):
    """While the payments flow holds a payment's claim, the status flow does not post it too, nor call the
    invoice a mismatch: the payment and the invoice's status wait for a later run."""
    from django.utils import timezone

    from integrations.models import RecordClaim, RecordOutcome
    from integrations.sandbox.models import KashFlowRecord
    from integrations.sync import claims

    monkeypatch.setattr(claims, "WAIT_SECONDS", 0.5)
    run_flow(flow("customer"), full=True)
    run_flow(flow("sales_invoice"))
    payment = KashFlowRecord.objects.filter(entity="payments").order_by("pk").first()
    number = str(payment.parent_key)
    other = SyncRun.objects.create(
        flow=flow("payment"), status="running", worker="other-worker", heartbeat_at=timezone.now()
    )
    RecordClaim.objects.create(
        flow=flow("payment"), source_key=str(payment.data["Id"]), holder="other-worker", run_id=other.pk,
        claimed_at=timezone.now(), expires_at=timezone.now() + timezone.timedelta(minutes=5),
    )  # fmt: skip

    status = run_flow(flow("invoice_status", "kf_to_ax"), full=True)
    outcome = RecordOutcome.objects.get(run=status, source_key=number)
    assert outcome.action == "waiting", (outcome.action, outcome.error)
    assert str(payment.data["Id"]) not in journal_refs("CustPay")
    assert not ExceptionItem.objects.filter(flow=flow("invoice_status", "kf_to_ax"), source_key=number).exists()


def test_a_switch_to_batched_writes_made_while_a_run_goes_is_taken_up_by_that_run(demo, monkeypatch):
    from integrations.models import RecordOutcome
    from integrations.sync import runner
    from tests.integrations.sync.conftest import invoice_refs

    monkeypatch.setattr(runner, "SWITCH_CHECK_EVERY", 1)
    run_flow(flow("customer"), full=True)
    invoices = flow("sales_invoice")
    assert not invoices.batched_writes

    def switch(run: SyncRun) -> None:
        if run.status == "running" and run.processed >= 1:
            Flow.objects.filter(pk=invoices.pk).update(batched_writes=True)

    run = run_flow(invoices, on_progress=switch)
    notes = list(RecordOutcome.objects.filter(run=run, action="created").values_list("error", flat=True))
    assert any(not n.startswith("written in a batch") for n in notes), notes  # the first, before the switch
    assert any(n.startswith("written in a batch") for n in notes), notes  # the rest, in the same run
    assert set(invoice_refs().values()) == {1}
