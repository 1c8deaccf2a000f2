"""Send one record of the exception queue through the pipeline again, as it is or as a person edited it."""

from __future__ import annotations

import logging

from integrations.connectors.errors import ConnectorError
from integrations.models import PendingRecord
from integrations.models.flows import Trigger
from integrations.sync import locks
from integrations.sync.extract import RETRY_MARKER
from integrations.sync.load import RetriesExhausted

log = logging.getLogger(__name__)


def _source_record(item, edited_payload: dict | None) -> dict | None:
    """The record to send: the edited payload, else the source's current record, else the stored payload."""
    if edited_payload is not None:
        return edited_payload
    from integrations.services.connections import build_connector
    from integrations.sync.context import connections_for
    from integrations.sync.flows import spec_for

    flow = item.flow
    spec = spec_for(flow.entity, flow.direction)
    source_conn, _ = connections_for(flow, spec)
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
    from integrations.sync.runner import execute_single

    flow = item.flow
    if item.source_key.startswith("webhook/"):
        from integrations.services.webhooks import process_event

        event_id = int(item.source_key.split("/", 1)[1])
        process_event(event_id, payload_override=edited_payload if edited_payload is not None else item.source_payload)
        return None
    record = _source_record(item, edited_payload)
    if record is None:
        from monitoring.services import record_exception

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
                "detail": f"retry of exception {item.pk}",
            },
        )
        return None
    if user is not None:
        from monitoring import audit

        audit.record(actor=user, action="exception_retried", obj=item, changes={"run": run.pk})
    return execute_single(run.pk, record, document_override=edited_document)
