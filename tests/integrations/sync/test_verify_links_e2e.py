"""A full run checks that linked documents still exist in AX (issue 13, defect 11): links are not trusted over
the target after AX was emptied, restored from a backup, or a document was deleted there. It checks with what
AX ships: posted customer transactions for create-only invoices and payment journals, ``read`` by key for the
ledger journal service."""

from __future__ import annotations

from django.utils import timezone

from integrations.models import RecordLink, RecordOutcome
from integrations.sandbox.models import AxMessage, AxRecord
from integrations.sync.runs import run_flow
from tests.integrations.sync.conftest import flow, invoice_refs, journal_refs, post_ax_drafts


def _messages(service: str, operation: str, after: int) -> int:
    return AxMessage.objects.filter(service=service, operation=operation, pk__gt=after).count()


def _last_message() -> int:
    last = AxMessage.objects.order_by("-pk").first()
    return last.pk if last else 0


def test_a_full_run_re_posts_an_invoice_whose_posting_ax_lost_and_says_so(demo):
    first = run_flow(flow("sales_invoice"))
    refs = invoice_refs()
    assert first.created_count >= 2 and set(refs.values()) == {1}
    post_ax_drafts(["sales_invoice"])  # the accountant posts them
    run_flow(flow("sales_invoice"))  # the run after sees them posted, as customer transactions
    links = RecordLink.objects.filter(flow=flow("sales_invoice")).exclude(target_key="")
    assert links.count() == len(refs) and not links.filter(ax_posted_at__isnull=True).exists()
    gone = AxRecord.objects.filter(entity="CustInvoiceTable").order_by("key").first()
    number, old_key = str(gone.data["CustomerRef"]), gone.key
    # AX restored from a backup taken before the invoice was created: neither the invoice nor its posting.
    assert AxRecord.objects.filter(entity="CustTrans", data__Invoice=old_key).delete()[0] == 1
    gone.delete()

    incremental = run_flow(flow("sales_invoice"))
    assert incremental.created_count == 0  # an incremental run reads changed records only: links stand

    before = _last_message()
    full = run_flow(flow("sales_invoice"), full=True)
    assert invoice_refs() == refs, "the lost invoice was not posted again (or another was posted twice)"
    outcome = RecordOutcome.objects.get(run=full, source_key=number)
    assert outcome.action == "created" and old_key in outcome.error, outcome.error
    assert full.created_count == 1
    assert f"{len(refs)} checked, {len(refs) - 1} present, 1 gone" in full.notes and old_key in full.notes
    assert "backup" in full.notes  # what the check cannot rule out: a restored draft AX's services cannot read
    # Cheap: the links were checked with one customer-transaction find (a page of invoice ids), never one a link.
    assert _messages("FreeTextInvoiceService", "create", before) == 1
    assert _messages("CustomerTransactionService", "find", before) <= 3  # the check, the confirm step's reads
    link = RecordLink.objects.get(flow=flow("sales_invoice"), source_key=number)
    assert link.target_key and link.target_key != old_key and link.ax_posted_at is None

    again = run_flow(flow("sales_invoice"), full=True)
    assert again.created_count == 0 and invoice_refs() == refs
    assert "0 gone" in again.notes, again.notes
    # The new invoice is a draft until posted: not verifiable, said so, left as it is.
    assert f"1 not verifiable: not posted in AX yet ({link.target_key})" in again.notes, again.notes


def test_a_draft_invoice_deleted_in_ax_is_reported_not_verifiable_never_posted_twice(demo):
    run_flow(flow("sales_invoice"))
    refs = invoice_refs()
    draft = AxRecord.objects.filter(entity="CustInvoiceTable").order_by("key").first()
    draft.delete()  # deleted in AX before anyone posted it; from outside it looks like a draft still waiting

    full = run_flow(flow("sales_invoice"), full=True)
    assert full.created_count == 0
    assert invoice_refs() == {k: v for k, v in refs.items() if k != str(draft.data["CustomerRef"])}
    assert "0 gone" in full.notes and f"{len(refs)} not verifiable: not posted in AX yet" in full.notes
    assert draft.key in full.notes, full.notes
    assert RecordLink.objects.filter(flow=flow("sales_invoice"), target_key=draft.key).exists()


def test_a_full_run_re_posts_general_journals_ax_no_longer_reads_in_few_reads(demo):
    run_flow(flow("journal"))
    refs = journal_refs("GenJrn")
    assert len(refs) >= 3 and set(refs.values()) == {1}
    journals = AxRecord.objects.filter(entity="LedgerJournalTable", data__JournalName="GenJrn").order_by("key")
    gone = journals.first()
    post_ax_drafts(["journal"])  # posted or not, the ledger journal service reads them back by key
    gone.refresh_from_db()
    gone.delete()  # AX restored from a backup taken before it was created

    before = _last_message()
    full = run_flow(flow("journal"), full=True)
    assert journal_refs("GenJrn") == refs, "the journal AX lost was not posted again (or another was twice)"
    assert f"{len(refs)} checked, {len(refs) - 1} present, 1 gone" in full.notes and gone.key in full.notes
    assert full.created_count == 1
    # Batched reads: a read names many keys; the one AX refuses is found by halving, not one read per link.
    # The check: a refused read of all of them, then two reads per halving; the confirm step reads them in one.
    reads = _messages("LedgerGeneralJournalService", "read", before)
    assert reads <= 2 * len(refs).bit_length() + 2 < len(refs), (reads, len(refs))


def test_a_full_run_re_posts_payments_whose_posting_ax_lost_and_leaves_drafts_alone(demo):
    run_flow(flow("sales_invoice"))
    run_flow(flow("payment"))
    refs = journal_refs("CustPay")
    assert len(refs) >= 2 and set(refs.values()) == {1}
    post_ax_drafts()  # invoices and payment journals posted: each payment is a customer transaction
    run_flow(flow("payment"))  # the run after sees them posted
    assert not RecordLink.objects.filter(flow=flow("payment"), ax_posted_at__isnull=True).exists()
    # AX restored from a backup taken before the payments were entered: journals and their postings gone.
    AxRecord.objects.filter(entity="LedgerJournalTable", data__JournalName="CustPay").delete()
    AxRecord.objects.filter(entity="CustTrans", data__DocumentNum__in=list(refs)).delete()

    full = run_flow(flow("payment"), full=True)
    assert journal_refs("CustPay") == refs
    assert f"{len(refs)} gone" in full.notes, full.notes
    # Posted again as drafts: a payment journal cannot be read back, so they are not verifiable until posted.
    again = run_flow(flow("payment"), full=True)
    assert again.created_count == 0 and journal_refs("CustPay") == refs
    assert "0 gone" in again.notes and f"{len(refs)} not verifiable: not posted in AX yet" in again.notes


def test_journals_under_a_journal_name_of_the_customers_own_are_found_not_posted_again(demo, integration_admin):
    """JournalName is the mapping's: a customer's journals carry their own names, not the demo's GenJrn. A read by
    JournalNum finds them whatever their name, so a full run calls none gone, and their posting is seen."""
    from mappings import services as mapping_services

    draft = mapping_services.get_or_create_draft(flow("journal").mapping_set, actor=integration_admin)
    # A daily journal name the ledger journal service accepts, other than the one the connector searches by.
    mapping_services.save_rule(draft, target_path="JournalName", source_kind="constant", source="VendInv")
    mapping_services.publish(draft, actor=integration_admin)
    first = run_flow(flow("journal"))
    refs = journal_refs("VendInv")
    assert first.created_count == len(refs) >= 3 and set(refs.values()) == {1} and not journal_refs("GenJrn")

    full = run_flow(flow("journal"), full=True)
    assert full.created_count == 0 and journal_refs("VendInv") == refs and not journal_refs("GenJrn")
    assert f"{len(refs)} checked, {len(refs)} present, 0 gone" in full.notes, full.notes

    post_ax_drafts(["purchase_invoice"])  # the sandbox posts the journals named VendInv
    links = RecordLink.objects.filter(flow=flow("journal")).exclude(target_key="")
    assert links.count() == len(refs) and links.filter(ax_posted_at__isnull=True).count() == len(refs)
    run_flow(flow("journal"))  # the run after reads them back and sees them posted
    assert not links.filter(ax_posted_at__isnull=True).exists()


def test_a_payment_typed_in_ax_under_a_kashflow_payment_id_neither_marks_ours_posted_nor_makes_it_posted_twice(demo):
    """KashFlow payment Ids are small integers: a payment an accountant types in AX with the same document number
    (other money, another customer) is not ours. Ours stays a draft; when the typed one is reversed away, a full
    run does not call ours gone and post it again."""
    from integrations.sandbox.models import AxCompany

    run_flow(flow("sales_invoice"))
    run_flow(flow("payment"))
    refs = journal_refs("CustPay")
    reference = sorted(refs)[0]
    company = AxRecord.objects.filter(entity="LedgerJournalTable", data__JournalName="CustPay").first().company
    assert isinstance(company, AxCompany)
    typed = AxRecord.objects.create(
        company=company,
        entity="CustTrans",
        key="VCH-TYPED",
        data={
            "Voucher": "VCH-TYPED", "AccountNum": "C9999", "TransDate": "2024-01-02", "Txt": "typed by hand",
            "DocumentNum": reference, "TransType": "Payment", "PaymReference": "", "PaymMode": "",
            "CurrencyCode": "GBP", "ExchRate": "", "AmountCur": "-1.23", "SettleAmountCur": "0.00",
        },
        modified_at=timezone.now(),
    )  # fmt: skip
    run_flow(flow("payment"))  # refreshes what AX shows posted
    link = RecordLink.objects.get(flow=flow("payment"), source_key=reference)
    assert link.ax_posted_at is None, "a hand-typed payment with other money marked ours posted"
    full = run_flow(flow("payment"), full=True)
    assert full.created_count == 0 and "0 gone" in full.notes and "typed in AX" in full.notes, full.notes
    typed.delete()  # reversed / removed in AX
    again = run_flow(flow("payment"), full=True)
    assert again.created_count == 0 and journal_refs("CustPay") == refs, "our payment journal was posted twice"
    assert "0 gone" in again.notes, again.notes
