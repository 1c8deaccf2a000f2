"""The full run's check of links against AX, on one flow's links (the target is a stand-in answering what AX holds)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import timezone

from integrations.connectors.errors import TransientError
from integrations.models import Flow, RecordLink, RecordOutcome, SyncRun
from integrations.sandbox.loading import ensure_demo_connections
from integrations.sync import verify
from integrations.sync.backoff import RetryPolicy
from integrations.sync.context import NullHeartbeat
from integrations.sync.load import create_message_id, gone_target
from integrations.sync.setup import ensure_default_flows


class Target:
    """Holds some documents and shows some posted (the connector's batching is tested against the sandbox)."""

    def __init__(self, *, held=(), posted=(), payments=(), fail: Exception | None = None) -> None:
        self.held, self.posted, self.fail = set(held), set(posted), fail
        self.payments = payments if isinstance(payments, dict) else set(payments)
        self.reads: list[list[str]] = []
        self.finds: list[list[str]] = []

    def supports(self, entity: str, operation: str) -> bool:
        return entity != "payment" and (entity != "sales_invoice" or operation == "create")

    def existing_keys(self, entity: str, keys: list[str]) -> set[str]:
        if self.fail:
            raise self.fail
        self.reads.append(list(keys))
        return self.held & set(keys)

    def posted_invoice_keys(self, keys: list[str]) -> set[str]:
        if self.fail:
            raise self.fail
        self.finds.append(list(keys))
        return self.posted & set(keys)

    def posted_payments(self, references: list[str]) -> dict[str, list[dict]]:
        """Posted payment customer transactions by document number: ``payments`` holds the references posted with
        the money of ``payment_document`` (50.00 GBP from C0001), or a reference -> rows of their own."""
        self.finds.append(list(references))
        rows = self.payments if isinstance(self.payments, dict) else {r: [PAID] for r in self.payments}
        return {r: found for r, found in rows.items() if r in references}

    def posted_payment_references(self, references: list[str]) -> set[str]:
        return set(self.posted_payments(references))


PAID = {"Voucher": "V-1", "AccountNum": "C0001", "AmountCur": "-50.00", "CurrencyCode": "GBP"}


def payment_document() -> dict:
    line = {"AccountType": "Cust", "LedgerDimension": {"Account": "C0001"}, "AmountCurCredit": "50.00"}
    return {"LedgerJournalTrans": [{**line, "CurrencyCode": "GBP"}]}


def links(flow: Flow, *, posted=()) -> None:
    for n in range(1, 5):
        RecordLink.objects.create(
            flow=flow,
            source_key=str(n),
            target_key=f"KEY-{n}",
            content_hash="c",
            ax_posted_at=timezone.now() if str(n) in posted else None,
        )


@pytest.fixture
def flows(db) -> dict[str, Flow]:
    ensure_default_flows(ensure_demo_connections("http://127.0.0.1:9"), schedules=False)
    return {f.entity: f for f in Flow.objects.filter(direction="kf_to_ax")}


def _ctx(flow: Flow, target: Target):
    return SimpleNamespace(
        flow=flow, spec=flow.spec, target=target, heartbeat=NullHeartbeat(), cache={},
        policy=RetryPolicy(attempts=2, base=0.0, cap=0.0), note_timeout=lambda: None,
        run=SimpleNamespace(full=True), dry_run=False,
    )  # fmt: skip


def test_journals_are_read_back_by_key_and_a_key_ax_cannot_read_is_gone(flows):
    journals = flows["journal"]
    links(journals)
    target = Target(held={"KEY-1", "KEY-2", "KEY-3"})
    ctx = _ctx(journals, target)
    assert verify.applies(ctx) and journals.spec.verify_links is verify.by_read
    check = verify.verify_links(ctx)
    assert (check.checked, check.present, check.gone) == (4, 3, {"4": "KEY-4"})
    assert "4 checked, 3 present, 1 gone" in check.note("journal") and "KEY-4" in check.note("journal")
    link = RecordLink.objects.get(flow=journals, source_key="4")
    assert link.target_key == "" and link.content_hash == "" and gone_target(link) == "KEY-4"
    # Posted again with a MessageId of its own: AX remembers the first one.
    first = create_message_id(ctx, "4", "d", None)
    assert create_message_id(ctx, "4", "d", link) != first
    assert RecordLink.objects.get(flow=journals, source_key="1").target_key == "KEY-1"


def test_a_posted_vendor_invoice_ax_no_longer_reads_is_unverifiable_never_posted_again(flows):
    """AX may clean up pending vendor invoices once posted: a missing one seen posted is not proof it is gone."""
    from dataclasses import replace

    from integrations.sync.flows.purchase_invoice import VENDOR_INVOICE_SPEC

    purchases = flows["purchase_invoice"]
    links(purchases, posted={"2", "3"})  # 2 and 3 were seen posted; 1 and 4 only ever pending
    ctx = _ctx(purchases, Target(held={"KEY-1", "KEY-2"}))
    ctx.spec = replace(VENDOR_INVOICE_SPEC)
    check = verify.verify_links(ctx)
    # 4, never seen posted, is a pending invoice deleted in AX: gone; 3, seen posted, may be cleaned up: unverifiable
    assert (check.present, check.gone, set(check.unverifiable)) == (2, {"4": "KEY-4"}, {"KEY-3"})
    assert "clean up pending vendor invoices" in check.note("purchase_invoice")
    kept = {link.source_key: link for link in RecordLink.objects.filter(flow=purchases)}
    assert kept["3"].target_key == "KEY-3" and kept["3"].ax_posted_at is not None  # left as it is
    assert kept["4"].target_key == ""  # posted again by the run


def test_invoices_are_checked_as_posted_transactions_and_a_draft_is_never_called_gone(flows):
    invoices = flows["sales_invoice"]
    links(invoices, posted={"2", "3"})  # AX showed 2 and 3 posted before; 1 and 4 were only ever drafts
    target = Target(posted={"KEY-1", "KEY-2"})  # 1 is posted now; 3's posting is gone; 4 is still a draft
    check = verify.verify_links(_ctx(invoices, target))
    assert target.finds == [["KEY-1", "KEY-2", "KEY-3", "KEY-4"]]  # one page, one find
    assert (check.present, check.gone, check.drafts) == (2, {"3": "KEY-3"}, ["KEY-4"])
    note = check.note("sales_invoice")
    assert "1 gone" in note and "KEY-3" in note and "1 not verifiable: not posted in AX yet (KEY-4)" in note
    assert "backup" in note  # what a gone posting cannot rule out: a restored draft AX's services cannot see
    kept = {link.source_key: link for link in RecordLink.objects.filter(flow=invoices)}
    assert kept["4"].target_key == "KEY-4" and kept["4"].ax_posted_at is None  # a draft is left as it is
    assert kept["3"].target_key == "" and gone_target(kept["3"]) == "KEY-3" and kept["3"].ax_posted_at is None
    assert kept["1"].ax_posted_at is not None  # seen posted now: a later loss is "gone", not "draft"


def sent(flow: Flow) -> None:
    """The runs that created the links kept the documents they sent."""
    run = SyncRun.objects.create(flow=flow)
    for n in range(1, 5):
        RecordOutcome.objects.create(
            run=run, source_key=str(n), action="created", target_key=f"KEY-{n}", mapped_document=payment_document()
        )


def test_payments_are_found_posted_by_their_kashflow_id(flows):
    payments = flows["payment"]
    links(payments, posted={"2"})
    sent(payments)
    target = Target(payments={"1"})
    check = verify.verify_links(_ctx(payments, target))
    assert target.finds == [["1", "2", "3", "4"]]
    assert (check.present, set(check.gone), sorted(check.drafts)) == (1, {"2"}, ["KEY-3", "KEY-4"])


def test_a_payment_typed_in_ax_with_a_kashflow_id_as_document_number_is_not_ours(flows):
    """KashFlow payment Ids are small integers: a posted payment AX holds under the same document number but other
    money or another customer does not make ours present, and its disappearance later is never "gone"."""
    payments = flows["payment"]
    links(payments, posted={"3", "4"})  # 3 and 4 were matched posted before
    sent(payments)
    typed = {"AccountNum": "C0042", "AmountCur": "-50.00", "CurrencyCode": "GBP"}
    target = Target(
        payments={
            "1": [PAID],  # ours
            "2": [{**typed, "Voucher": "V-9"}],  # the same money from another customer, typed in AX as 2
            "3": [{**PAID, "AmountCur": "-7.00", "Voucher": "V-8"}],  # ours is gone; other money typed as 3
        }
    )
    check = verify.verify_links(_ctx(payments, target))
    assert check.present == 1 and set(check.gone) == {"4"} and check.drafts == []
    assert set(check.unverifiable) == {"KEY-2", "KEY-3"} and "typed in AX" in check.note("payment")
    kept = dict(RecordLink.objects.filter(flow=payments).values_list("source_key", "ax_posted_at"))
    assert kept["1"] is not None and kept["2"] is None  # only ours learns it is posted
    assert RecordLink.objects.get(flow=payments, source_key="3").target_key == "KEY-3"  # left for a person


def test_an_ax_that_cannot_answer_leaves_the_links_unverifiable_and_says_so(flows):
    invoices = flows["sales_invoice"]
    links(invoices, posted={"1", "2", "3", "4"})
    target = Target(fail=TransientError("Cannot reach Dynamics AX", system="dynamics_ax"))
    check = verify.verify_links(_ctx(invoices, target))
    assert len(check.unverifiable) == 4 and not check.gone and check.present == 0
    assert "4 unverifiable" in check.note("sales_invoice") and "Cannot reach" in check.note("sales_invoice")
    assert RecordLink.objects.filter(flow=invoices).exclude(target_key="").count() == 4


def test_only_full_runs_of_flows_into_ax_that_wrote_documents_check_their_links(flows):
    ctx = _ctx(flows["sales_invoice"], Target())
    ctx.run = SimpleNamespace(full=False)
    assert not verify.applies(ctx)
    status = Flow.objects.get(entity="invoice_status", direction="kf_to_ax")
    assert not verify.applies(_ctx(status, Target()))
