"""The webhook inbox: pushes from an eCommerce workflow or the sandbox, signed with HMAC-SHA256.

Signature header ``X-LedgerBridge-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` with
``settings.WEBHOOK_SECRET``; a timestamp outside the replay window is refused like a bad signature.
A signed push is written to ``WebhookEvent`` before the endpoint answers 202, then a worker processes it:
the record it names is added to the flow's pending records and a run is started. A signed push that
cannot be read becomes an exception in the queue, never lost.

Body: ``{"event": "invoices.created", "resource": "invoices", "key": "1001"}``; ``entity`` may be given
instead of ``resource`` (``sales_invoice``), and the key may sit in ``data`` as the record's own key field.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from config import json_guard
from integrations.models import Flow, PendingRecord, WebhookEvent
from integrations.sync.runs import start_run_if_idle
from monitoring.services import record_exception, resolve_exceptions_for_record

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-LedgerBridge-Signature"
REPLAY_WINDOW_SECONDS = 300

# KashFlow resource (or our entity name) -> the flows that take the record to AX.
RESOURCE_ENTITIES = {
    "customers": "customer",
    "suppliers": "supplier",
    "invoices": "sales_invoice",
    "payments": "payment",
    "purchases": "purchase_invoice",
    "purchasepayments": "supplier_payment",
    "journals": "journal",
    "banktransactions": "bank_transaction",
}
FLOWS_FOR_ENTITY = {
    "customer": ("customer",),
    "supplier": ("supplier",),
    "sales_invoice": ("sales_invoice",),
    "payment": ("payment",),
    "purchase_invoice": ("purchase_invoice",),
    "supplier_payment": ("supplier_payment",),
    "journal": ("journal",),
    "bank_transaction": ("bank_transaction",),
}
KEY_FIELDS = {
    "customer": "Code",
    "supplier": "Code",
    "sales_invoice": "Number",
    "payment": "Id",
    "purchase_invoice": "Number",
    "supplier_payment": "Key",  # "<purchase number>/<payment Id>": a payment Id is KashFlow's per purchase
    "journal": "Number",
    "bank_transaction": "Key",  # "<AccountId>/<Id>": a transfer shows in two feeds under one Id
}


class BadWebhook(ValueError):
    pass


def secret() -> str:
    return str(getattr(settings, "WEBHOOK_SECRET", ""))


def sign(body: bytes, *, key: str | None = None, timestamp: int | None = None) -> str:
    """The signature header value for ``body`` (what a sender puts in X-LedgerBridge-Signature)."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    digest = hmac.new((key if key is not None else secret()).encode(), f"{ts}.".encode() + body, hashlib.sha256)
    return f"t={ts},v1={digest.hexdigest()}"


def verify(body: bytes, header: str, *, key: str | None = None, now: float | None = None) -> bool:
    parts = dict(p.split("=", 1) for p in (header or "").split(",") if "=" in p)
    try:
        ts = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - ts) > REPLAY_WINDOW_SECONDS:
        return False
    expected = sign(body, key=key, timestamp=ts).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def parse(payload: object) -> tuple[str, str, str]:
    """(entity, key, event type) of a push, or BadWebhook saying what is wrong."""
    if not isinstance(payload, dict):
        raise BadWebhook("The body is not a JSON object.")
    event = str(payload.get("event") or payload.get("type") or "")
    resource = str(payload.get("resource") or payload.get("entity") or event.split(".", 1)[0] or "").strip()
    entity = RESOURCE_ENTITIES.get(resource.lower(), resource.lower())
    if entity not in FLOWS_FOR_ENTITY:
        raise BadWebhook(f"Unknown resource {resource!r}; expected one of {', '.join(sorted(RESOURCE_ENTITIES))}.")
    key = payload.get("key")
    data = payload.get("data")
    if key in (None, "") and isinstance(data, dict):
        key = data.get(KEY_FIELDS[entity])
    key = "" if key is None else str(key).strip()
    if not key or len(key) > 100:
        raise BadWebhook(f"The push names no {KEY_FIELDS[entity]} for its {entity.replace('_', ' ')}.")
    return entity, key, event[:60]


def receive(body: bytes, *, signature: str, source: str = "kashflow") -> WebhookEvent:
    """Store a verified push (even a malformed one) and queue it; answers only once it is committed."""
    payload, _ = json_guard.loads(body)  # None when unreadable (too deep, huge numbers, not JSON): still stored
    entity = key = event_type = ""
    if payload is not None:
        with contextlib.suppress(BadWebhook):
            entity, key, event_type = parse(payload)
    with transaction.atomic():
        event = WebhookEvent.objects.create(
            source=source,
            event_type=event_type,
            entity=entity,
            object_key=key,
            body=body.decode("utf-8", errors="replace"),
            payload=payload if isinstance(payload, dict | list) else None,
            signature=signature[:200],
        )
        transaction.on_commit(lambda: _enqueue(event.pk))
    return event


def _enqueue(event_id: int) -> None:
    async_task("integrations.tasks.process_webhook_event", event_id, task_name=f"webhook-{event_id}")


def _flows_for(entity: str) -> list[Flow]:
    return list(
        Flow.objects.filter(entity__in=FLOWS_FOR_ENTITY.get(entity, ()), direction="kf_to_ax", enabled=True).order_by(
            "pk"
        )
    )


def process_event(event_id: int, *, payload_override: dict | None = None) -> str:
    """Turn a stored push into pending records and runs; a malformed one into an exception. Idempotent."""
    event = WebhookEvent.objects.filter(pk=event_id).first()
    if event is None:
        return "no such event"
    if event.status != WebhookEvent.Status.RECEIVED and payload_override is None:
        return f"already {event.status}"  # delivered twice: done once is enough
    payload = payload_override if payload_override is not None else event.payload
    try:
        entity, key, _ = parse(payload)
        flows = _flows_for(entity)
        if not flows:
            raise BadWebhook(f"No enabled flow takes {entity.replace('_', ' ')} records to AX.")
    except BadWebhook as exc:
        _fail(event, str(exc), payload)
        return f"failed: {exc}"
    with transaction.atomic():
        for flow in flows:
            pending, created = PendingRecord.objects.get_or_create(
                flow=flow,
                source_key=key,
                defaults={"reason": PendingRecord.Reason.WEBHOOK, "detail": f"event {event.pk}"},
            )
            if not created and pending.reason != PendingRecord.Reason.WEBHOOK:
                pending.next_attempt_at = None
                pending.save(update_fields=["next_attempt_at", "updated_at"])
        WebhookEvent.objects.filter(pk=event.pk).update(
            status=WebhookEvent.Status.PROCESSED, processed_at=timezone.now(), error="", entity=entity, object_key=key
        )
        for flow in flows:
            start_run_if_idle(flow, trigger="webhook")
    _resolve(event)
    return f"queued {key} for {', '.join(f.slug for f in flows)}"


def _exception_flow(payload) -> Flow | None:
    """The flow a malformed push is filed under: the one its resource names, else the sales invoice flow."""
    entity = ""
    if isinstance(payload, dict):
        resource = str(payload.get("resource") or payload.get("entity") or "").lower()
        entity = RESOURCE_ENTITIES.get(resource, resource)
    flows = _flows_for(entity) or _flows_for("sales_invoice") or list(Flow.objects.filter(direction="kf_to_ax")[:1])
    return flows[0] if flows else None


def exception_key(event: WebhookEvent) -> str:
    return f"webhook/{event.pk}"


def _fail(event: WebhookEvent, message: str, payload) -> None:
    with transaction.atomic():
        WebhookEvent.objects.filter(pk=event.pk).update(
            status=WebhookEvent.Status.FAILED, processed_at=timezone.now(), error=message[:2000]
        )
        flow = _exception_flow(payload)
        if flow is None:
            log.error("webhook %s is malformed and no flow exists to file it under: %s", event.pk, message)
            return
        record_exception(
            flow=flow,
            run=None,
            source_key=exception_key(event),
            stage="extract",
            error_class="parse",
            error_code="bad_webhook",
            message=f"Push {event.pk} cannot be read: {message}",
            source_payload=payload if isinstance(payload, dict | list) else {"body": event.body[:5000]},
            mapped_document=None,
            suggested_fix={
                "kind": "edit_payload",
                "message": 'Edit the payload to {"resource": "invoices", "key": "<number>"} and retry.',
            },
        )


def _resolve(event: WebhookEvent) -> None:
    for flow in Flow.objects.filter(exceptions__source_key=exception_key(event)).distinct():
        resolve_exceptions_for_record(flow=flow, source_key=exception_key(event), run=None)
