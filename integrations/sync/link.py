"""Link: each record's link to its target record, and what the links tell about changes on either side."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from integrations.models import RecordLink
from integrations.sync.messageid import record_hash


def mark_intent(ctx, key: str, mid: str, link: RecordLink | None = None) -> None:
    """Commit, before the write is sent, that a write of this record is in flight.

    One statement in autocommit: an UPDATE of the link we read, or an INSERT when the record had none.
    """
    save_link(ctx, key, {"pending_message_id": mid}, exists=link is not None)


def save_link(ctx, key: str, fields: dict, *, exists: bool | None) -> None:
    """Upsert the record's link with one statement in the usual case (``exists``: what the caller read).

    Only this flow's one active run writes its links, so the row rarely appears or vanishes between
    our read and this write; when it does, the other statement is tried.
    """
    fields = {**fields, "synced_at": timezone.now()}
    rows = RecordLink.objects.filter(flow=ctx.flow, source_key=key)
    if exists is not False and rows.update(**fields):
        return
    try:
        if connection.in_atomic_block:
            with transaction.atomic():  # a savepoint: a refused INSERT must not spoil the outer transaction
                RecordLink.objects.create(flow=ctx.flow, source_key=key, **fields)
        else:
            RecordLink.objects.create(flow=ctx.flow, source_key=key, **fields)
    except IntegrityError:
        if not rows.update(**fields):
            raise


def unchanged_since_last_sync(ctx, key: str, src_hash: str, link: RecordLink | None) -> bool:
    """Master data: the source record is as we last saw it, or as the other direction last wrote it (echo)."""
    if link and link.target_key and link.source_hash == src_hash and link.mapping_version == ctx.mapping_set.version:
        return True
    reverse = ctx.reverse_flow()
    if reverse is None:
        return False
    rlink = RecordLink.objects.filter(flow=reverse, target_key=key).first()
    return bool(rlink and rlink.target_hash and rlink.target_hash == src_hash)


def already_synced(ctx, src_hash: str, link: RecordLink | None) -> bool:
    """Any flow: the source record is exactly as it was when it was last synced, under the same mapping version.

    KashFlow has no modified-since filter, so every poll hands over every record; this keeps an unchanged one
    from being mapped, resolved and compared again.
    """
    return bool(
        link
        and link.target_key
        and not link.pending_message_id
        and src_hash
        and link.source_hash == src_hash
        and link.mapping_version == ctx.mapping_set.version
    )


def target_changed(ctx, target_key: str, link, current: dict) -> bool | None:
    """Whether the target record changed since the two sides last agreed; None when they never did."""
    known = {link.target_hash} if link and link.target_hash and not link.target_hash.startswith("gone:") else set()
    reverse = ctx.reverse_flow()
    if reverse is not None:
        rlink = RecordLink.objects.filter(flow=reverse, source_key=target_key).first()
        if rlink and rlink.source_hash:
            known.add(rlink.source_hash)
    if not known:
        return None
    return record_hash(current) not in known
