"""The full run's check of links against AX, on one flow's links (the target is a stand-in with a key list)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from integrations.connectors.errors import NotFoundError
from integrations.models import Flow, RecordLink
from integrations.sandbox.loading import ensure_demo_connections
from integrations.sync import verify
from integrations.sync.backoff import RetryPolicy
from integrations.sync.context import NullHeartbeat
from integrations.sync.load import create_message_id, gone_target
from integrations.sync.setup import ensure_default_flows


class Target:
    def __init__(self, keys: list[str] | None, readable: set[str]) -> None:
        self.keys, self.readable, self.reads = keys, readable, []

    def list_keys(self, entity: str):
        return self.keys

    def read(self, entity: str, key: str) -> dict:
        self.reads.append(key)
        if key in self.readable:
            return {"InvoiceId": key}
        raise NotFoundError(f"{entity} {key} was not found", system="dynamics_ax")


@pytest.fixture
def invoices(db) -> Flow:
    ensure_default_flows(ensure_demo_connections("http://127.0.0.1:9"), schedules=False)
    flow = Flow.objects.get(entity="sales_invoice", direction="kf_to_ax")
    for n in range(1, 5):
        RecordLink.objects.create(flow=flow, source_key=str(n), target_key=f"FTI-{n}", content_hash="c")
    return flow


def _ctx(flow: Flow, target: Target):
    return SimpleNamespace(
        flow=flow, spec=flow.spec, target=target, heartbeat=NullHeartbeat(), cache={},
        policy=RetryPolicy(attempts=2, base=0.0, cap=0.0), note_timeout=lambda: None,
        run=SimpleNamespace(full=True), dry_run=False,
    )  # fmt: skip


def test_links_missing_from_the_key_list_are_read_once_more_before_they_are_called_gone(invoices):
    # FTI-3 is missing from the listing but AX still reads it (a short listing must never cause a second posting).
    target = Target(["FTI-1", "FTI-2"], readable={"FTI-3"})
    ctx = _ctx(invoices, target)
    assert verify.applies(ctx)
    check = verify.verify_links(ctx)
    assert target.reads == ["FTI-3", "FTI-4"]
    assert (check.checked, check.present, check.gone) == (4, 3, {"4": "FTI-4"})
    assert "4 checked, 3 present, 1 gone" in check.note("sales_invoice") and "FTI-4" in check.note("sales_invoice")
    link = RecordLink.objects.get(flow=invoices, source_key="4")
    assert link.target_key == "" and link.content_hash == "" and gone_target(link) == "FTI-4"
    # Posted again with a MessageId of its own: AX remembers the first one.
    first = create_message_id(ctx, "4", "d", None)
    assert create_message_id(ctx, "4", "d", link) != first
    assert RecordLink.objects.get(flow=invoices, source_key="1").target_key == "FTI-1"


def test_a_service_that_cannot_list_its_keys_leaves_the_links_unverifiable_and_says_so(invoices):
    target = Target(None, readable=set())
    check = verify.verify_links(_ctx(invoices, target))
    assert check.unverifiable == 4 and not check.gone and target.reads == []
    assert "4 unverifiable" in check.note("sales_invoice")
    assert RecordLink.objects.filter(flow=invoices).exclude(target_key="").count() == 4


def test_only_full_runs_of_flows_into_ax_check_their_links(invoices):
    ctx = _ctx(invoices, Target([], set()))
    ctx.run = SimpleNamespace(full=False)
    assert not verify.applies(ctx)
    status = Flow.objects.get(entity="invoice_status", direction="kf_to_ax")
    assert not verify.applies(_ctx(status, Target([], set())))
