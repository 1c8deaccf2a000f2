"""Confirm the AX keys of documents created on create-only services.

After an ambiguous failure the engine re-sends the same document under the same MessageId; AX's "Duplicate
message" proves it was processed, but a create-only service (free text invoices, payment journals) cannot say
under which key. The record's link is then *created, AX key to be confirmed* (``key_unconfirmed_since``).

This step, run after every run of a KashFlow -> AX flow, confirms keys from a service that can read: AX 2012 R2's
CustomerTransactionService (``find``; Microsoft's list of standard document services: F, FK, R). A sales invoice,
once posted, is a customer transaction carrying the KashFlow number; its key is the InvoiceId. A customer payment,
once its journal is posted, is a customer transaction of its own carrying the journal line's DocumentNum (the
KashFlow payment Id). AX shows no JournalNum there (CustPaymJournalService only creates, so the journal the
lost answer named cannot be read), so the key stored for a payment confirmed this way is the payment's
**Voucher**: what AX shows on the customer transaction, the ledger and the settlement, and what a person searches
AX by. Its amount and currency must be the ones LedgerBridge sent (the mapped document of the outcome that got
"Duplicate message"); a posted payment with other money, or several posted payments with the same document number,
is not confirmed but queued at once, since AX then holds something other than exactly one copy of what was sent;
so is a payment whose mapped document is not known (nothing to compare the money with). The same match
(``payment_match``: amount, currency and customer account, not the document number alone) decides when a payment's
link is marked posted (``refresh_posted``).

A record still unconfirmed after ``SYNC_UNCONFIRMED_KEY_HOURS`` goes to the exception queue, so someone looks for it
in AX. General and vendor invoice journals have no read by reference (the ledger journal service reads by
JournalNum only) and AX 2012 ships no vendor transaction service to read posted vendor documents from (the list
has CustomerTransactionService only; LedgerVendorPaymentService is R, a read by key): those are confirmed by a
person from the exception queue.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from integrations.models import RecordLink
from integrations.sync.flows.specs import KF_TO_AX
from integrations.sync.payment_match import PaymentMatch, Sent, match_payment, sent_for_links, sent_money

__all__ = ["PaymentMatch", "Sent", "confirm_keys", "match_payment", "refresh_posted", "sent_money"]

log = logging.getLogger(__name__)
ERROR_CODE = "ax_key_unconfirmed"
MISMATCH_CODE = "ax_payment_mismatch"


# Documents read back one by one to learn whether AX posted them: the field and value that say so. Journals show
# Posted; a pending vendor invoice (VendInvoiceService, R2) shows ParmJobStatus Executed once posted (inferred).
READ_BACK = {
    "journal": ("Posted", "Yes"),
    "purchase_invoice": ("Posted", "Yes"),
    "supplier_payment": ("Posted", "Yes"),
    "vendor_invoice": ("ParmJobStatus", "Executed"),
}
READ_LIMIT = 200  # documents read back per run to learn whether they were posted


def unconfirmed_hours() -> float:
    return float(getattr(settings, "SYNC_UNCONFIRMED_KEY_HOURS", 24))


def confirm_keys(ctx) -> dict[str, int]:
    """Confirm what AX can show now; queue what stayed unconfirmed too long. Returns counts."""
    counts = {"confirmed": 0, "queued": 0}
    if ctx.spec.direction != KF_TO_AX or ctx.dry_run or ctx.spec.target_system != "dynamics_ax":
        return counts
    links = list(RecordLink.objects.filter(flow=ctx.flow, key_unconfirmed_since__isnull=False))
    if not links:
        return counts
    if ctx.spec.target_entity == "payment":
        return _confirm_payments(ctx, links, counts)
    by_reference = _posted_invoices(ctx) if ctx.spec.target_entity == "sales_invoice" else {}
    return _confirm(ctx, links, by_reference, counts)


def refresh_posted(ctx) -> int:
    """Mark the links of documents AX now shows posted; returns how many. Sales invoices: from customer
    transactions; payments: the customer transactions their posting made (by DocumentNum, the KashFlow payment
    Id; a payment journal itself cannot be read back, C only); journals and vendor invoices: their service's read
    (Posted, ParmJobStatus). A full run's link check (``verify``) tells a posting AX lost from a draft by this mark."""
    if ctx.spec.direction != KF_TO_AX or ctx.dry_run or ctx.spec.target_system != "dynamics_ax":
        return 0
    drafts = RecordLink.objects.filter(flow=ctx.flow, ax_posted_at__isnull=True).exclude(target_key="")
    now = timezone.now()
    if ctx.spec.target_entity == "sales_invoice":
        posted = set(_posted_invoices(ctx).values())
        return drafts.filter(target_key__in=posted).update(ax_posted_at=now) if posted else 0
    if ctx.spec.target_entity == "payment":
        return _refresh_posted_payments(ctx, drafts, now)
    if ctx.spec.target_entity not in READ_BACK:
        return 0
    field, value = READ_BACK[ctx.spec.target_entity]
    keys = list(drafts.order_by("synced_at").values_list("target_key", flat=True)[:READ_LIMIT])
    try:
        journals = ctx.target.read_held(ctx.spec.target_entity, keys)  # batched reads, drafts too
    except Exception as exc:  # reading back must not fail the run that wrote
        log.info("could not read journals back: %s", exc)
        return 0
    posted = [key for key, journal in journals.items() if journal.get(field) == value]
    return drafts.filter(target_key__in=posted).update(ax_posted_at=now) if posted else 0


def _refresh_posted_payments(ctx, drafts, now) -> int:
    """A payment link is marked posted only when AX shows a posted payment with its document number that is the
    money sent (amount, currency, customer: ``payment_match``); a hand-typed document number that equals a KashFlow
    payment Id marks nothing."""
    links = list(drafts.values_list("source_key", "target_key", "pending_message_id"))
    posted = _posted_payments(ctx, [source for source, _, _ in links])
    if not posted:
        return 0
    sent = sent_for_links(ctx.flow, [link for link in links if posted.get(link[0])])
    ours = [source for source, found in sent.items() if match_payment(source, posted[source], found).voucher]
    return drafts.filter(source_key__in=ours).update(ax_posted_at=now) if ours else 0


def _confirm(
    ctx, links, by_reference: dict[str, str], counts: dict[str, int], problems: dict[str, str] | None = None
) -> dict[str, int]:
    from monitoring.services import resolve_exceptions_for_record

    now = timezone.now()
    deadline = now - timedelta(hours=unconfirmed_hours())
    for link in links:
        key = by_reference.get(link.source_key, "")
        problem = (problems or {}).get(link.source_key, "")
        if key:
            # confirmed from a posted transaction: the document is posted too
            RecordLink.objects.filter(pk=link.pk).update(
                target_key=key, key_unconfirmed_since=None, pending_message_id="", ax_posted_at=now
            )
            resolve_exceptions_for_record(flow=ctx.flow, source_key=link.source_key, run=ctx.run)
            counts["confirmed"] += 1
        elif problem:
            _queue(
                ctx,
                link,
                MISMATCH_CODE,
                f", but its AX key cannot be confirmed: {problem}",
                "Compare the payment in AX with the KashFlow payment; reverse what AX holds twice.",
            )
            counts["queued"] += 1
        elif link.key_unconfirmed_since <= deadline:
            _queue(
                ctx,
                link,
                ERROR_CODE,
                f" but its AX key is still unconfirmed after {unconfirmed_hours():g} hours. Post the document in AX, "
                "or find it there by its reference and check it was created once.",
                "Find the document in AX by its reference.",
            )
            counts["queued"] += 1
    return counts


def _queue(ctx, link, error_code: str, but: str, fix: str) -> None:
    """An exception for a person: the record was created in AX (Duplicate message), ``but`` says why its key is not
    confirmed."""
    from monitoring.services import record_exception

    record_exception(
        flow=ctx.flow,
        run=ctx.run,
        source_key=link.source_key,
        stage="load",
        error_class="ax_validation",
        error_code=error_code,
        message=f"Created in AX (AX answered Duplicate message to MessageId {link.pending_message_id}){but}",
        source_payload=None,
        mapped_document=None,
        suggested_fix={"kind": "manual", "message": fix},
    )


def _posted_invoices(ctx) -> dict[str, str]:
    """KashFlow number -> AX InvoiceId of the invoices AX has posted (one CustomerTransactionService find)."""
    posted = getattr(ctx.target, "posted_invoices", None)
    if posted is None:
        return {}
    try:
        return {str(r.get("CustomerRef")): str(r.get("InvoiceId")) for r in posted() if r.get("CustomerRef")}
    except Exception as exc:  # a reconciliation read failing must not fail the run that wrote
        log.warning("could not read posted invoices to confirm keys: %s", exc)
        return {}


def _confirm_payments(ctx, links, counts: dict[str, int]) -> dict[str, int]:
    """Payments: confirmed from the customer transactions AX made when their journals were posted."""
    posted = _posted_payments(ctx, [link.source_key for link in links])
    # what went to AX under the MessageId AX answered Duplicate message to: the mapped document of that outcome
    sent = sent_for_links(
        ctx.flow, [(link.source_key, "", link.pending_message_id) for link in links], latest_too=False
    )
    keys: dict[str, str] = {}
    problems: dict[str, str] = {}
    for link in links:
        match = match_payment(link.source_key, posted.get(link.source_key, []), sent[link.source_key])
        if match.voucher:
            keys[link.source_key] = match.voucher
        elif match.problem:
            problems[link.source_key] = match.problem
    return _confirm(ctx, links, keys, counts, problems)


def _posted_payments(ctx, references: list[str]) -> dict[str, list[dict]]:
    posted = getattr(ctx.target, "posted_payments", None)
    if posted is None or not references:
        return {}
    try:
        return posted(references)
    except Exception as exc:  # a reconciliation read failing must not fail the run that wrote
        log.warning("could not read posted payments to confirm keys: %s", exc)
        return {}
