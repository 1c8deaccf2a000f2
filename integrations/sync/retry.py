"""Send one record of the exception queue through the pipeline again, as it is or as a person edited it."""

from __future__ import annotations

import logging
import time

from integrations.connectors.errors import ConnectorError
from integrations.models import PendingRecord, SyncRun
from integrations.models.flows import Trigger
from integrations.services.connections import build_connector
from integrations.services.webhooks import process_event
from integrations.sync import locks
from integrations.sync.extract import RETRY_MARKER
from integrations.sync.load import RetriesExhausted
from integrations.sync.runner import execute_single
from monitoring import audit
from monitoring.services import record_exception

log = logging.getLogger(__name__)


def _source_record(item, edited_payload: dict | None) -> dict | None:
    """The record to send: the edited payload, else the source's current record, else the stored payload."""
    if edited_payload is not None:
        return edited_payload
    flow = item.flow
    spec = flow.spec
    source_conn, _ = flow.connections()
    try:
        with build_connector(source_conn) as source:
            return source.read(spec.source_entity, item.source_key)
    except (ConnectorError, RetriesExhausted) as exc:
        log.info("retry of %s uses the stored payload: %s", item.source_key, exc)
        return item.source_payload if isinstance(item.source_payload, dict) else None


def retry_exception_item(item, *, edited_document: dict | None = None, edited_payload: dict | None = None, user=None):
    """Re-run ``item``'s record now, in this process. The outcome resolves the item or updates it.

    A failed push (``webhook/<id>``) is processed again with the edited payload. When the flow has a run
    in progress, the record is handed to it (and to the runs after it) as a pending record instead.
    Returns the SyncRun used, or None when the record was handed over.
    """
    flow = item.flow
    if item.source_key.startswith("webhook/"):
        event_id = int(item.source_key.split("/", 1)[1])
        process_event(event_id, payload_override=edited_payload if edited_payload is not None else item.source_payload)
        return None
    record = _source_record(item, edited_payload)
    if record is None:
        record_exception(
            flow=flow,
            run=None,
            source_key=item.source_key,
            stage="extract",
            error_class="parse",
            error_code="no_source_record",
            message="The record can no longer be read from the source and no payload is stored: edit the payload.",
            source_payload=None,
            mapped_document=None,
            suggested_fix={"kind": "edit_payload"},
        )
        return None
    try:
        run = locks.claim_run(flow, trigger=Trigger.MANUAL)
    except locks.FlowBusy:
        PendingRecord.objects.update_or_create(
            flow=flow,
            source_key=item.source_key,
            defaults={
                "reason": PendingRecord.Reason.RETRY,
                # The record as it will be sent, and the person's edited document when there is one.
                "payload": {RETRY_MARKER: True, "record": record, "document": edited_document},
                "next_attempt_at": None,
                "retry_of": item,
                "detail": f"retry of exception {item.pk}",
            },
        )
        return None
    if user is not None:
        audit.record(actor=user, action="exception_retried", obj=item, changes={"run": run.pk})
    return execute_single(run.pk, record, document_override=edited_document)


# --- the retry worker's hand-over (monitoring's run_retry keeps the item's state) ------------------------


def wait_until_idle(flow_id: int, deadline: float) -> None:
    """One run per flow: wait (until ``deadline``, a monotonic time) for the flow's active run to finish."""
    active = (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)
    while time.monotonic() < deadline and SyncRun.objects.filter(flow_id=flow_id, status__in=active).exists():
        time.sleep(0.2)


def handed_to_a_run(item) -> bool:
    """The item's record waits, as a pending retry, for the flow's running (or next) run."""
    return PendingRecord.objects.filter(retry_of=item).exists()


def take_back(item) -> None:
    """Withdraw the item's pending retry (the worker runs it itself after all)."""
    PendingRecord.objects.filter(retry_of=item).delete()
