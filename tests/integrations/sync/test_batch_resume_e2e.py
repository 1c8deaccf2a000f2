"""A worker killed mid-batch on AX's create-only services (general journals: LedgerGeneralJournalService, C and R
by journal number only; payment journals: LedgerCustPaymJournalService, external name CustPaymJournalService,
C only), then the run resumed: AX holds each document once, and none is missing.

On these services the MessageId is AX's only duplicate guard (no find by reference): the resumed run must send
the batch again as the very message it first sent, so AX answers "Duplicate message". The kill is simulated
in-process, deterministically: an exception that no ``except Exception`` catches, raised where a SIGKILL would
stop the worker (after AX committed the batch, before the links are written; or before the message is sent).
"""

from __future__ import annotations

import pytest

from integrations.models import Flow, RecordLink, RecordOutcome, SyncRun, WriteIntent
from integrations.sandbox.models import AxMessage, FaultRule
from integrations.sync import heartbeat, pipeline
from integrations.sync.runner import execute_run
from integrations.sync.runs import run_flow
from tests.integrations.sync.conftest import flow, journal_refs
from tests.integrations.sync.test_faults_e2e import fault


class Killed(BaseException):
    """The worker dies here: like a SIGKILL, nothing of the run's own error handling runs."""


def _kill_after_ax_commit(monkeypatch) -> None:
    """The first batch's AIF message reaches AX and commits; the worker dies before any member's link is written."""
    original = pipeline.finish

    def finish(ctx, key, *args, **kwargs):
        if kwargs.get("link_exists"):  # a member of a batch AX accepted
            raise Killed(key)
        return original(ctx, key, *args, **kwargs)

    monkeypatch.setattr(pipeline, "finish", finish)


def _resume(run: SyncRun) -> SyncRun:
    """What the stall check and the next worker do: requeue the run whose heartbeat stopped, and execute it."""
    stalled = SyncRun.objects.get(pk=run.pk)
    assert stalled.status == "running"  # left as a dead worker leaves it
    assert heartbeat.requeue(stalled)
    return execute_run(run.pk)


def _killed_run(entity: str) -> SyncRun:
    with pytest.raises(Killed):
        run_flow(flow(entity))
    return SyncRun.objects.filter(flow=flow(entity)).latest("pk")


def _batched(entity: str) -> None:
    Flow.objects.filter(pk=flow(entity).pk).update(batched_writes=True, batch_size=100)


def _create_ids(service: str) -> list[str]:
    rows = AxMessage.objects.filter(service=service, operation="create", succeeded=True).exclude(message_id="")
    return list(rows.values_list("message_id", flat=True))


def test_a_journal_batch_committed_in_ax_before_the_worker_died_is_not_posted_again(demo, monkeypatch):
    _batched("journal")
    _kill_after_ax_commit(monkeypatch)
    killed = _killed_run("journal")
    first = journal_refs("GenJrn")
    assert first and set(first.values()) == {1}  # the batch is in AX, once
    intent = WriteIntent.objects.filter(flow=flow("journal")).first()  # the message it went as is known
    monkeypatch.undo()

    resumed = _resume(killed)
    assert resumed.status in ("succeeded", "partial"), resumed.error
    refs = journal_refs("GenJrn")
    assert set(refs.values()) == {1}, f"journals posted again after the resume: {refs}"
    assert set(refs) == set(first)  # nothing new: the batch held every postable journal
    assert intent is not None and len(intent.members) == len(first)
    ids = _create_ids("LedgerGeneralJournalService")
    assert len(ids) == len(set(ids))
    # The re-sent batch was answered "Duplicate message": every member is created, its AX key to be confirmed.
    unconfirmed = RecordLink.objects.filter(flow=flow("journal"), key_unconfirmed_since__isnull=False)
    assert unconfirmed.count() == len(first)
    assert set(unconfirmed.values_list("pending_message_id", flat=True)) == {intent.message_id}
    assert RecordOutcome.objects.filter(run=resumed, error__contains="key to be confirmed").count() == len(first)
    assert not WriteIntent.objects.exists()
    # A later run sends nothing again.
    again = run_flow(flow("journal"))
    assert again.created_count == 0 and set(journal_refs("GenJrn").values()) == {1}


def test_a_journal_batch_the_worker_died_before_sending_is_posted_once_not_marked_created(demo, monkeypatch):
    """The intent is committed but the message never left: the resumed run's re-send is AX's first sight of it,
    so the journals are created (with their keys), not mistaken for duplicates."""
    from integrations.connectors.dynamics_ax.connector import DynamicsAXConnector

    _batched("journal")
    original = DynamicsAXConnector.create_many

    def create_many(self, entity, documents, *, message_id=None):
        raise Killed(message_id)

    monkeypatch.setattr(DynamicsAXConnector, "create_many", create_many)
    killed = _killed_run("journal")
    assert journal_refs("GenJrn") == {}
    assert WriteIntent.objects.filter(flow=flow("journal")).count() == 1
    monkeypatch.setattr(DynamicsAXConnector, "create_many", original)

    resumed = _resume(killed)
    refs = journal_refs("GenJrn")
    assert refs and set(refs.values()) == {1}
    links = RecordLink.objects.filter(flow=flow("journal"), source_key__in=list(refs))
    assert links.count() == len(refs)
    assert not links.filter(target_key="").exists()  # created with their AX keys, none "unconfirmed"
    assert resumed.created_count == len(refs)
    assert not WriteIntent.objects.exists()


def test_a_payment_batch_whose_retries_ran_out_after_ax_committed_goes_again_as_the_same_message(demo):
    """No kill: AX commits the batch but the answer is lost, and the re-sends keep failing until the retries run
    out. The payments wait; the next run sends the same batch message, and AX holds each payment once."""
    run_flow(flow("customer"), full=True)
    run_flow(flow("sales_invoice"))
    _batched("payment")
    fault("dynamics_ax", "CustPaymJournalService.create", "timeout_after_commit", remaining=1, latency_ms=2600)
    fault("dynamics_ax", "CustPaymJournalService.create", "server_error", remaining=20)
    first = run_flow(flow("payment"))
    assert RecordOutcome.objects.filter(run=first, action="waiting").exists()
    committed = journal_refs("CustPay")
    assert committed and set(committed.values()) == {1}
    FaultRule.objects.all().delete()
    second = run_flow(flow("payment"))
    assert second.status in ("succeeded", "partial"), second.error
    refs = journal_refs("CustPay")
    assert set(refs.values()) == {1}, f"payments posted again: {refs}"
    assert set(committed) <= set(refs)
    ids = _create_ids("CustPaymJournalService")
    assert len(ids) == len(set(ids))
    assert not WriteIntent.objects.exists()
