"""Report: a record's outcome, its link, the run's counters and the exception queue, in one transaction.

``failed`` sorts a failure: a missing reference or a remote system that kept failing waits (a pending
record a later run takes up); a permanent failure goes to the exception queue with a suggested fix.
"""

from __future__ import annotations

import logging
import re
import time

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from integrations.connectors.errors import NotFoundError
from integrations.models import PendingRecord, RecordLink, RecordOutcome, SyncRun
from integrations.sync.decisions import Action, Decision
from integrations.sync.errors import MissingReference, SyncError, classify, describe
from integrations.sync.extract import modified_at
from integrations.sync.link import save_link
from integrations.sync.load import RetriesExhausted
from integrations.sync.locks import RunLost
from integrations.sync.messageid import content_hash, jsonable, record_hash
from monitoring import audit
from monitoring.models import ExceptionItem
from monitoring.services import record_exception, resolve_exceptions_for_record

log = logging.getLogger(__name__)

WAITING_ATTEMPTS_BEFORE_EXCEPTION = 5


def failed(ctx, key, record, document, exc, started) -> RecordOutcome:
    """Waiting (missing reference, transient failures outlasting the retries) or in the exception queue."""
    if isinstance(exc, RunLost):
        raise exc  # another worker holds the run now: stop without recording anything
    if isinstance(exc, MissingReference):
        return wait(ctx, key, record, document, exc, started)
    if isinstance(exc, RetriesExhausted):
        ctx.consecutive_exhausted += 1
        return wait(ctx, key, record, document, exc, started, attempts=exc.attempts)
    c = classify(exc, target_system=ctx.spec.target_system)
    if not c.permanent:
        return wait(ctx, key, record, document, exc, started)
    if not isinstance(exc, SyncError | NotFoundError) and not getattr(exc, "permanent", False):
        log.exception("record %s of %s failed unexpectedly", key, ctx.flow)
    return fail(ctx, key or "(no key)", record, document, exc, c, started)


COUNTERS = {
    Action.CREATED: "created_count",
    Action.UPDATED: "updated_count",
    Action.SKIPPED: "skipped_count",
    Action.FAILED: "failed_count",
    Action.VALIDATED: "skipped_count",
}


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _identity(ctx, key: str) -> dict:
    """The outcome's record: its own key, and its own flow when it is a prerequisite synced in another flow's
    run (an invoice the Payments flow posts first), so lineage finds it and it is counted for its own flow."""
    return {"source_key": key, "flow": ctx.flow if ctx.parent is not None else None}


def _count(ctx, action: str) -> None:
    if ctx.parent is not None:
        return
    updates = {"processed": F("processed") + 1}
    if action in COUNTERS:
        updates[COUNTERS[action]] = F(COUNTERS[action]) + 1
    SyncRun.objects.filter(pk=ctx.run.pk).update(**updates)


def _keys(ctx, kind: str) -> set[str]:
    """Source keys of the flow's pending records or open exceptions, read once per run: a record with
    neither costs no query to clean up after."""
    name = f"{kind}:{ctx.flow.pk}"
    if name not in ctx.cache:
        if kind == "pending":
            rows = PendingRecord.objects.filter(flow=ctx.flow)
        else:
            rows = ExceptionItem.objects.filter(flow=ctx.flow, status__in=["open", "retrying"])
        ctx.cache[name] = set(rows.values_list("source_key", flat=True))
    return ctx.cache[name]


def finish(
    ctx, key, record, document, decision: Decision, src_hash: str, started: float, *, link_exists: bool | None = None
) -> RecordOutcome:
    with transaction.atomic():
        if decision.link and decision.target_key and decision.action != Action.VALIDATED:
            defaults = {
                "target_key": decision.target_key,
                "mapping_version": ctx.mapping_set.version,
                "source_modified_at": modified_at(record),
                "source_hash": src_hash,
                "pending_message_id": "",
                "key_unconfirmed_since": None,
            }
            # A skip that did not look at the document or the target keeps what the link knew of them.
            if document is not None:
                defaults["content_hash"] = decision.digest or content_hash(document)
            if decision.target_after:
                defaults["target_hash"] = record_hash(decision.target_after)
            elif decision.action == Action.CREATED:
                defaults["target_hash"] = ""  # posted (again): no "gone" marker left from a full run's check
            # Records that were written have a link since mark_intent: usually one UPDATE does it.
            save_link(ctx, key, defaults, exists=True if decision.message_id else link_exists)
        elif decision.extra.get("unconfirmed"):
            # Created in AX, key unknown: keep the MessageId that created it, and since when it waits.
            fields = {
                "mapping_version": ctx.mapping_set.version,
                "source_modified_at": modified_at(record),
                "source_hash": src_hash,
                "pending_message_id": decision.message_id,
                "content_hash": decision.digest or (content_hash(document) if document is not None else ""),
            }
            save_link(ctx, key, fields, exists=True)
            RecordLink.objects.filter(flow=ctx.flow, source_key=key, key_unconfirmed_since__isnull=True).update(
                key_unconfirmed_since=timezone.now()
            )
        elif decision.action != Action.VALIDATED and not decision.extra.get("keep_link"):
            RecordLink.objects.filter(flow=ctx.flow, source_key=key).update(pending_message_id="")
        outcome = RecordOutcome.objects.create(
            run=ctx.run,
            **_identity(ctx, key),
            action=decision.action,
            target_key=decision.target_key,
            message_id=decision.message_id,
            attempts=decision.attempts,
            duration_ms=_elapsed_ms(started),
            stage="done" if decision.action != Action.VALIDATED else "validate",
            error=decision.note,
            source_payload=jsonable(record),
            mapped_document=jsonable(document),
        )
        _count(ctx, decision.action)
        if not ctx.dry_run:
            if key in _keys(ctx, "pending"):
                PendingRecord.objects.filter(flow=ctx.flow, source_key=key).delete()
                _keys(ctx, "pending").discard(key)
            if key in _keys(ctx, "exceptions"):
                resolve_exceptions_for_record(flow=ctx.flow, source_key=key, run=ctx.run)
                _keys(ctx, "exceptions").discard(key)
            if decision.extra.get("overwritten"):
                audit.record(
                    action="sync_conflict_resolved" if decision.extra.get("conflict") else "sync_overwrote",
                    object_type=f"{ctx.spec.target_system}.{ctx.spec.target_entity}",
                    object_id=decision.target_key,
                    object_repr=f"{ctx.spec.target_entity} {decision.target_key}",
                    changes={
                        "flow": ctx.flow.slug,
                        "run": ctx.run.pk,
                        "winner": "dynamics_ax",
                        "overwritten": decision.extra["overwritten"],
                    },
                )
    ctx.consecutive_exhausted = 0
    return outcome


def wait(ctx, key, record, document, exc, started, *, attempts: int = 1) -> RecordOutcome:
    """The record cannot go now (missing reference, remote keeps failing): keep it for a later run."""
    message = describe(exc)
    with transaction.atomic():
        pending = None
        if not ctx.dry_run and key:
            _keys(ctx, "pending").add(key)
            pending, _ = PendingRecord.objects.get_or_create(
                flow=ctx.flow,
                source_key=key,
                defaults={"reason": PendingRecord.Reason.WAITING},
            )
            pending.reason = (
                PendingRecord.Reason.WAITING if isinstance(exc, MissingReference) else PendingRecord.Reason.TRANSIENT
            )
            pending.detail = message[:2000]
            pending.attempts += 1
            pending.next_attempt_at = timezone.now()
            pending.save()
        outcome = RecordOutcome.objects.create(
            run=ctx.run,
            **_identity(ctx, key or "(no key)"),
            action=Action.WAITING,
            attempts=attempts,
            duration_ms=_elapsed_ms(started),
            stage=getattr(exc, "stage", "load"),
            error=message,
            source_payload=jsonable(record) if isinstance(record, dict) else None,
            mapped_document=jsonable(document),
        )
        _count(ctx, Action.WAITING)
        if pending is not None and pending.attempts >= WAITING_ATTEMPTS_BEFORE_EXCEPTION:
            _keys(ctx, "exceptions").add(key)
            # Still kept and retried, but a person should know it has been waiting this long.
            c = classify(exc, target_system=ctx.spec.target_system)
            record_exception(
                flow=ctx.flow,
                run=ctx.run,
                source_key=key,
                stage=c.stage,
                error_class=c.error_class,
                error_code=c.error_code,
                message=f"Waiting since {pending.created_at:%Y-%m-%d %H:%M}: {message}",
                source_payload=jsonable(record),
                mapped_document=jsonable(document),
                suggested_fix=jsonable(getattr(exc, "suggested_fix", None)),
            )
    return outcome


def fail(ctx, key, record, document, exc, c, started) -> RecordOutcome:
    message = describe(exc)
    suggested = jsonable(getattr(exc, "suggested_fix", None) or suggest_for_remote(ctx, exc, document))
    payload = jsonable(record) if isinstance(record, dict) else {"raw": repr(record)[:2000]}
    document = jsonable(document)
    with transaction.atomic():
        outcome = RecordOutcome.objects.create(
            run=ctx.run,
            **_identity(ctx, key),
            action=Action.FAILED,
            duration_ms=_elapsed_ms(started),
            stage=c.stage,
            error=message,
            source_payload=payload,
            mapped_document=document,
        )
        _count(ctx, Action.FAILED)
        if not ctx.dry_run:
            RecordLink.objects.filter(flow=ctx.flow, source_key=key, target_key="").delete()
            PendingRecord.objects.filter(flow=ctx.flow, source_key=key).delete()
            _keys(ctx, "pending").discard(key)
            _keys(ctx, "exceptions").add(key)
            record_exception(
                flow=ctx.flow,
                run=ctx.run,
                source_key=key,
                stage=c.stage,
                error_class=c.error_class,
                error_code=c.error_code,
                message=message,
                source_payload=payload,
                mapped_document=document,
                suggested_fix=suggested,
            )
    return outcome


_RELATED = re.compile(r"value '([^']*)' in field '([^']*)' is not found in the relating table '([^']*)'", re.I)
TABLE_ENTITIES = {"customers": "customer", "vendors": "supplier", "items": "product", "released products": "product"}


def suggest_for_remote(ctx, exc, document) -> dict | None:
    """A fix for a fault of the remote system, in the words of the person who will apply it."""
    text = describe(exc)
    related = _RELATED.search(text)
    if related:
        value, field_label, table = related.groups()
        entity = TABLE_ENTITIES.get(table.lower())
        if entity:
            return {
                "kind": "sync_reference",
                "entity": entity,
                "key": value,
                "message": f"{table} has no {value}: sync it to AX first (its flow, or create it in AX), then retry.",
            }
        return {
            "kind": "check_value_map",
            "value": value,
            "field": field_label,
            "message": f"AX has no {field_label} {value}: map the source value to one that exists, then retry.",
        }
    if "dimension" in text.lower():
        return {"kind": "check_dimension_rules", "message": "Check the dimension rules against AX's dimension values."}
    if "balance" in text.lower():
        return {"kind": "check_source", "message": "Debits and credits must balance in the source journal."}
    return {"kind": "review", "message": "Correct the source record or the mapping, then retry."}
