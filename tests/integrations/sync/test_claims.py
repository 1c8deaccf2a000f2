"""The per-record claim: one writer per record at a time, freed when its holder is gone."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from integrations.models import RecordClaim, SyncRun
from integrations.sandbox.loading import ensure_demo_connections
from integrations.sync import claims
from integrations.sync.messageid import batch_message_id, message_id
from integrations.sync.setup import ensure_default_flows


class Beat:
    def __init__(self, run: SyncRun, worker: str) -> None:
        self.run_id, self.worker = run.pk, worker

    def sleep(self, seconds: float) -> None:
        return None


@pytest.fixture
def two_runs(db):
    pair = ensure_demo_connections("http://127.0.0.1:9")
    ensure_default_flows(pair, schedules=False)
    from integrations.models import Flow

    payments = Flow.objects.get(entity="payment", direction="kf_to_ax")
    status = Flow.objects.get(entity="invoice_status", direction="kf_to_ax")
    a = SyncRun.objects.create(flow=payments, status="running", worker="w-a")
    b = SyncRun.objects.create(flow=status, status="running", worker="w-b")

    def ctx(run, worker):
        return SimpleNamespace(flow=payments, run=run, heartbeat=Beat(run, worker), cache={})

    return ctx(a, "w-a"), ctx(b, "w-b")


def test_a_record_has_one_writer_whichever_flow_writes_it(two_runs):
    own, other = two_runs
    assert claims.try_claim(own, "7")
    assert claims.try_claim(own, "7")  # the holder's own claim again
    assert not claims.try_claim(other, "7")
    with pytest.raises(claims.RecordBusy):
        claims.claim(other, "7", wait=0)
    claims.release(other, "7")  # not the holder: nothing happens
    assert RecordClaim.objects.get(source_key="7").holder == "w-a"
    claims.release(own, "7")
    assert claims.try_claim(other, "7")


def test_a_dead_writers_claim_is_taken_over(two_runs):
    own, other = two_runs
    assert claims.try_claim(own, "8")
    SyncRun.objects.filter(pk=own.run.pk).update(status="queued", worker="")  # its stalled run was requeued
    assert claims.try_claim(other, "8")
    assert RecordClaim.objects.get(source_key="8").holder == "w-b"

    SyncRun.objects.filter(pk=own.run.pk).update(status="running", worker="w-a")
    assert claims.try_claim(own, "9")
    assert not claims.try_claim(other, "9")
    RecordClaim.objects.filter(source_key="9").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert claims.try_claim(other, "9")  # the lease ran out without the holder's heartbeat renewing it


def test_the_heartbeat_renews_the_lease_of_its_claims(two_runs):
    own, _ = two_runs
    assert claims.try_claim(own, "10")
    RecordClaim.objects.filter(source_key="10").update(expires_at=timezone.now())
    claims.renew("w-a")
    assert RecordClaim.objects.get(source_key="10").expires_at > timezone.now() + timedelta(seconds=30)


def test_a_batch_message_id_is_derived_from_its_members():
    a = message_id(flow_id=1, source_key="1", digest="x")
    b = message_id(flow_id=1, source_key="2", digest="y")
    assert batch_message_id(1, [a, b]) == batch_message_id(1, [b, a])
    assert batch_message_id(1, [a, b]) != batch_message_id(1, [a])
    assert batch_message_id(1, [a, b]) != batch_message_id(2, [a, b])


def test_a_finished_run_leaves_no_claim_behind(two_runs):
    own, other = two_runs
    assert claims.try_claim(own, "11") and claims.try_claim(other, "12")
    claims.release_all("w-a")
    assert list(RecordClaim.objects.values_list("source_key", flat=True)) == ["12"]
