"""Extract: the source records a run must look at.

Changed records come from the connector's ``list_changed`` since the flow's watermark (AX's
getChangedKeys; KashFlow has no modified-since filter, so its connector lists everything and unchanged
records are skipped by their link's content hash), plus the flow's pending records (waiting for a
reference, announced by a webhook, sent again from the exception queue). Records are processed in a fixed
order (modification time, then key), so a resumed run walks the same path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from integrations.connectors.errors import NotFoundError
from integrations.models import PendingRecord
from integrations.sync.config import watermark_overlap
from integrations.sync.load import call

RETRY_MARKER = "_ledgerbridge_retry"  # as integrations.sync.retry writes it

TIMESTAMP_FIELDS = ("LastUpdatedDate", "ModifiedDateTime", "modifiedDateTime", "modified_at")


def modified_at(record: dict) -> datetime | None:
    if not isinstance(record, dict):
        return None
    for name in TIMESTAMP_FIELDS:
        value = record.get(name)
        if not value:
            continue
        if isinstance(value, datetime):
            parsed = value
        else:
            parsed = parse_datetime(str(value))
            if parsed is None:
                day = parse_date(str(value))
                parsed = datetime(day.year, day.month, day.day) if day else None
        if parsed is not None:
            return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)
    return None


def _natural(key: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", key))


def sort_key(spec, record: dict) -> tuple:
    when = modified_at(record) or datetime.min.replace(tzinfo=UTC)
    return (when, _natural(spec.source_key(record)))


@contextmanager
def page_retries(ctx, entity: str) -> Iterator[None]:
    """While listing, a failed page of a paged source (KashFlow) is retried on its own with the run's policy,
    and the pages already read are kept: a 429 storm or dropped connections cost the failed page, never a
    restart from page 1. A page that outlasts the policy fails the listing once (RetriesExhausted), which
    ``call`` does not retry. Sources without pages (AX's changed keys) keep the retry of the whole call."""
    client = getattr(ctx.source, "client", None)
    if client is None or not hasattr(client, "page_retry"):
        yield
        return
    client.page_retry = lambda fetch: call(ctx, fetch, what=f"read a page of {entity}")
    try:
        yield
    finally:
        client.page_retry = None


def extract(ctx) -> tuple[list[dict], datetime | None]:
    """The records to process and the watermark to store when the run completes."""
    spec = ctx.spec
    flow = ctx.flow
    since = None if ctx.run.full else flow.watermark
    overlap = watermark_overlap()
    started = timezone.now()

    def changed() -> list[dict]:
        found = []
        for record in ctx.source.list_changed(spec.source_entity, since):
            ctx.heartbeat.tick()  # a long listing must not look like a stalled run
            found.append(record)
        return found

    with page_retries(ctx, spec.source_entity):
        records = call(ctx, changed, what=f"list changed {spec.source_entity}")
    by_key: dict[str, dict] = {}
    for record in records:
        key = spec.source_key(record) if isinstance(record, dict) else ""
        by_key[key or f"(no key {len(by_key)})"] = record

    now = timezone.now()
    for pending in PendingRecord.objects.filter(flow=flow).order_by("created_at", "id"):
        payload = pending.payload
        if isinstance(payload, dict) and payload.get(RETRY_MARKER):
            # Sent again from the exception queue while a run was busy: that record, that edited document.
            if payload.get("document") is not None:
                ctx.cache.setdefault("document_overrides", {})[pending.source_key] = payload["document"]
            by_key[pending.source_key] = payload.get("record") or by_key.get(pending.source_key) or {}
            continue
        if pending.source_key in by_key:
            continue
        if pending.next_attempt_at and pending.next_attempt_at > now:
            continue
        if payload is not None:
            by_key[pending.source_key] = payload
            continue
        try:
            by_key[pending.source_key] = call(
                ctx, lambda p=pending: ctx.source.read(spec.source_entity, p.source_key), what="read pending"
            )
        except NotFoundError:
            # Gone from the source: nothing left to sync. Lineage keeps why it was pending.
            pending.delete()

    floor = (datetime.min.replace(tzinfo=UTC), ())
    ordered = sorted(by_key.values(), key=lambda r: sort_key(spec, r) if isinstance(r, dict) else floor)
    stamps = [m for m in (modified_at(r) for r in records if isinstance(r, dict)) if m is not None]
    if stamps:
        watermark = max(stamps)
    elif spec.source_system == "dynamics_ax" or records:
        # AX's changed keys carry no time: start the next poll a little before this one began.
        watermark = started - overlap
    else:
        watermark = since
    return ordered, watermark
