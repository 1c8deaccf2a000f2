"""Writes of the exception queue: the sync engine records failures and successes here.

``record_exception`` and ``resolve_exceptions_for_record`` are the contract with the sync engine.
The accountants' actions (retry, edit and retry, fix a value map, ignore) are in
``monitoring.services.actions``.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from monitoring import audit
from monitoring.business import gap_of, plain_summary, record_context
from monitoring.fingerprints import fingerprint
from monitoring.models import ExceptionAction, ExceptionItem

ACTIVE = (ExceptionItem.Status.OPEN, ExceptionItem.Status.RETRYING)


def _fit(value: Any, field: str) -> str:
    max_length = ExceptionItem._meta.get_field(field).max_length
    return str(value or "")[:max_length]


def _business_fields(flow, message: str, payload: Any, suggested_fix: Any) -> dict:
    """Party, date, amount, currency and the plain-words summary. A failure without a payload keeps the
    context already stored (only the summary is renewed)."""
    from mappings import reference  # the cache only: nothing here asks a remote system

    gap = gap_of(message, suggested_fix)
    value_map, value = gap if gap else ("", "")
    nominal_map = "nominal" in value_map.lower()
    names = reference.peek("nominals", "kashflow", {}) if nominal_map else {}
    fields: dict[str, Any] = {
        "summary": plain_summary(
            message=message,
            value_map=value_map,
            value=value,
            nominal_map=nominal_map,
            payload=payload,
            nominal_name=(names or {}).get(value, ""),
        )
    }
    if isinstance(payload, dict):
        context = record_context(payload)
        fields.update(
            party=context.party[:120],
            document_date=context.document_date,
            amount=context.amount if context.amount is None or abs(context.amount) < 10**13 else None,
            currency=context.currency,
        )
    return fields


def record_exception(
    *,
    flow,
    run,
    source_key: str,
    stage: str,
    error_class: str,
    error_code: str,
    message: str,
    source_payload: Any,
    mapped_document: Any,
    suggested_fix: dict | None = None,
) -> ExceptionItem:
    """Put a record that could not be synced in the queue, or update the one already there.

    There is at most one open (or retrying) item per (flow, source key). A repeat failure of the
    same record bumps ``attempts``, replaces the error with the new one and sets the item back to
    open; payloads given as None keep the ones already stored (a failure at the extract stage has
    no mapped document, but the last one is still worth showing). Never deletes anything.
    """
    source_key = _fit(source_key, "source_key")
    business = _business_fields(flow, str(message or ""), source_payload, suggested_fix)
    fields = {
        "run": run,
        "stage": _fit(stage, "stage"),
        "error_class": _fit(error_class, "error_class"),
        "error_code": _fit(error_code, "error_code"),
        "message": str(message or ""),
        "fingerprint": fingerprint(
            flow_id=flow.pk,
            stage=stage,
            error_class=error_class,
            error_code=error_code,
            message=str(message or ""),
            source_key=source_key,
            suggested_fix=suggested_fix,
        ),
    }
    fields.update(business)
    # Two workers may fail the same record at once: the unique constraint lets one insert win,
    # and the other then updates the row the first created.
    for _ in range(3):
        try:
            with transaction.atomic():
                return _upsert(flow, source_key, fields, source_payload, mapped_document, suggested_fix)
        except IntegrityError:
            continue
    with transaction.atomic():
        return _upsert(flow, source_key, fields, source_payload, mapped_document, suggested_fix)


def _upsert(flow, source_key, fields, source_payload, mapped_document, suggested_fix) -> ExceptionItem:
    item = ExceptionItem.objects.select_for_update().filter(flow=flow, source_key=source_key, status__in=ACTIVE).first()
    if item is None:
        item = ExceptionItem.objects.create(
            flow=flow,
            source_key=source_key,
            source_payload=source_payload,
            mapped_document=mapped_document,
            suggested_fix=suggested_fix,
            status=ExceptionItem.Status.OPEN,
            attempts=1,
            **fields,
        )
        ExceptionAction.objects.create(
            item=item, action="opened", note=item.message[:500], details={"run": getattr(fields["run"], "pk", None)}
        )
        return item
    previous = {"status": item.status, "error_code": item.error_code, "message": item.message}
    for name, value in fields.items():
        setattr(item, name, value)
    if source_payload is not None:
        item.source_payload = source_payload
    if mapped_document is not None:
        item.mapped_document = mapped_document
    item.suggested_fix = suggested_fix
    item.status = ExceptionItem.Status.OPEN
    item.attempts += 1
    item.save()
    ExceptionAction.objects.create(
        item=item,
        action="failed_again",
        note=item.message[:500],
        details={"run": getattr(fields["run"], "pk", None), "attempt": item.attempts, "previous": previous},
    )
    return item


def resolve_exceptions_for_record(*, flow, source_key: str, run=None, note: str = "") -> int:
    """A later successful sync of the record resolves its open item, noting the run. Returns how many."""
    now = timezone.now()
    resolved = 0
    with transaction.atomic():
        items = list(
            ExceptionItem.objects.select_for_update().filter(
                flow=flow, source_key=_fit(source_key, "source_key"), status__in=ACTIVE
            )
        )
        for item in items:
            item.status = ExceptionItem.Status.RESOLVED
            item.resolved_at = now
            item.resolved_by_run = run
            item.resolution_note = note or (f"Synced by run {run.pk}" if run is not None else "Synced")
            item.save(update_fields=["status", "resolved_at", "resolved_by_run", "resolution_note", "last_seen_at"])
            ExceptionAction.objects.create(
                item=item,
                action="auto_resolved",
                note=item.resolution_note,
                details={"run": getattr(run, "pk", None)},
            )
            audit.record(
                action="exception_resolved",
                obj=item,
                changes={"status": ["open", "resolved"], "run": getattr(run, "pk", None)},
            )
            resolved += 1
    return resolved
