"""Confirm the AX keys of documents created on create-only services.

After an ambiguous failure the engine re-sends the same document under the same MessageId; AX's "Duplicate
message" proves it was processed, but a create-only service (free text invoices, payment journals) cannot say
under which key. The record's link is then *created, AX key to be confirmed* (``key_unconfirmed_since``).

This step, run after every run of a KashFlow -> AX flow, confirms keys from a service that can read: a sales
invoice, once posted, is a customer transaction (CustomerTransactionService ``find``) carrying the KashFlow
number. A record still unconfirmed after ``SYNC_UNCONFIRMED_KEY_HOURS`` goes to the exception queue, so someone
looks for it in AX. Payment and general journals have no read by reference (payment journals are create-only,
the ledger journal service reads by JournalNum only): they are confirmed by a person from the exception queue.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from integrations.models import RecordLink
from integrations.sync.flows.specs import KF_TO_AX

log = logging.getLogger(__name__)
ERROR_CODE = "ax_key_unconfirmed"


JOURNAL_ENTITIES = ("journal", "purchase_invoice", "supplier_payment")
READ_LIMIT = 200  # journals read back per run to learn whether they were posted


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
    by_reference = _posted_invoices(ctx) if ctx.spec.target_entity == "sales_invoice" else {}
    return _confirm(ctx, links, by_reference, counts)


def refresh_posted(ctx) -> int:
    """Mark the links of documents AX now shows posted; returns how many. Sales invoices: from customer
    transactions; journals: the journal service's read (Posted). Payment journals cannot be read back (C only)."""
    if ctx.spec.direction != KF_TO_AX or ctx.dry_run or ctx.spec.target_system != "dynamics_ax":
        return 0
    drafts = RecordLink.objects.filter(flow=ctx.flow, ax_posted_at__isnull=True).exclude(target_key="")
    now = timezone.now()
    if ctx.spec.target_entity == "sales_invoice":
        posted = set(_posted_invoices(ctx).values())
        return drafts.filter(target_key__in=posted).update(ax_posted_at=now) if posted else 0
    if ctx.spec.target_entity not in JOURNAL_ENTITIES:
        return 0
    done = 0
    for link in drafts.order_by("synced_at")[:READ_LIMIT]:
        try:
            journal = ctx.target.read(ctx.spec.target_entity, link.target_key)
        except Exception as exc:  # reading back must not fail the run that wrote
            log.info("could not read journal %s back: %s", link.target_key, exc)
            continue
        if journal.get("Posted") == "Yes":
            done += RecordLink.objects.filter(pk=link.pk).update(ax_posted_at=now)
    return done


def _confirm(ctx, links, by_reference: dict[str, str], counts: dict[str, int]) -> dict[str, int]:
    from monitoring.services import record_exception, resolve_exceptions_for_record

    deadline = timezone.now() - timedelta(hours=unconfirmed_hours())
    for link in links:
        key = by_reference.get(link.source_key, "")
        if key:
            RecordLink.objects.filter(pk=link.pk).update(
                target_key=key, key_unconfirmed_since=None, pending_message_id=""
            )
            resolve_exceptions_for_record(flow=ctx.flow, source_key=link.source_key, run=ctx.run)
            counts["confirmed"] += 1
        elif link.key_unconfirmed_since <= deadline:
            record_exception(
                flow=ctx.flow,
                run=ctx.run,
                source_key=link.source_key,
                stage="load",
                error_class="ax_validation",
                error_code=ERROR_CODE,
                message=(
                    f"Created in AX (AX answered Duplicate message to MessageId {link.pending_message_id}) but its "
                    f"AX key is still unconfirmed after {unconfirmed_hours():g} hours. Post the document in AX, or "
                    "find it there by its reference and check it was created once."
                ),
                source_payload=None,
                mapped_document=None,
                suggested_fix={"kind": "manual", "message": "Find the document in AX by its reference."},
            )
            counts["queued"] += 1
    return counts


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
