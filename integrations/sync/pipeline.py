"""One record through the stages: map -> validate -> resolve references -> load -> link -> report.

The stages live in their own modules (``mapping``, ``validate``, ``references``, ``load``, ``link``,
``report``); what is special about a flow is in its hooks (``flows/<entity>.py``), which this module
calls without knowing the flow. The record's link and its outcome are written in one transaction, so a
worker killed at any moment leaves either both or neither; a write that was sent but not linked is
found again by its external reference (see ``load.write``). A record that fails never stops the run.
"""

from __future__ import annotations

import copy
import logging
import time

from django.db import DatabaseError, transaction

from integrations.models import RecordLink, RecordOutcome, WriteIntent
from integrations.sync import claims
from integrations.sync.decisions import Action, Decision, Prepared
from integrations.sync.errors import BadSourceRecord, classify, describe
from integrations.sync.link import already_synced, mark_intent, unchanged_since_last_sync
from integrations.sync.load import (
    RetriesExhausted,
    can_find,
    create_message_id,
    gone_target,
    key_of,
    load_document,
    load_keyed,
    unconfirmed_decision,
    write,
)
from integrations.sync.locks import RunLost
from integrations.sync.mapping import map_record
from integrations.sync.messageid import batch_message_id, content_hash, jsonable, record_hash, wire_json
from integrations.sync.report import failed, finish, wait
from integrations.sync.validate import validate

log = logging.getLogger(__name__)

__all__ = ["Decision", "Prepared", "load_batch", "process_record", "replay_intent", "replay_intents"]


def process_record(
    ctx, record: dict, *, document_override: dict | None = None, defer_create: bool = False
) -> RecordOutcome | Prepared:
    """Sync one source record and return its outcome. Never raises for a record-level failure.

    ``document_override``: a mapped document edited in the exception queue, sent instead of mapping again.
    ``defer_create``: a new AX document is not written now but returned as ``Prepared`` for ``load_batch``.
    """
    started = time.monotonic()
    spec = ctx.spec
    key = spec.source_key(record) if isinstance(record, dict) else ""
    document = None
    try:
        if not key:
            raise BadSourceRecord(f"The {spec.source_entity} record has no {spec.source_key_field}.")
        link = RecordLink.objects.filter(flow=ctx.flow, source_key=key).first()
        src_hash = record_hash(record)
        if spec.decide is not None and (decided := spec.decide(ctx, record, key, link)) is not None:
            decision, document = decided, decided.document
        elif document_override is None and spec.master_data and unchanged_since_last_sync(ctx, key, src_hash, link):
            decision = Decision(Action.SKIPPED, link.target_key if link else "", note="unchanged since the last sync")
        elif document_override is None and not spec.master_data and already_synced(ctx, src_hash, link):
            decision = Decision(Action.SKIPPED, link.target_key, note="unchanged since the last sync")
        else:
            if document_override is not None:
                document = copy.deepcopy(document_override)
            else:
                document = map_record(ctx, spec.enrich(ctx, record) if spec.enrich else record)
            validate(ctx, document)
            if spec.resolve is not None:
                document = spec.resolve(ctx, record, document)
            digest = content_hash(document)
            if link and link.target_key and link.content_hash == digest and not link.pending_message_id:
                decision = Decision(Action.SKIPPED, link.target_key, note="unchanged", digest=digest)
            elif ctx.dry_run:
                decision = Decision(Action.VALIDATED, link.target_key if link else "", link=False)
            elif defer_create and not spec.target_key_field and not _written_or_in_flight(link):
                return Prepared(key, record, document, digest, src_hash, started)
            else:
                with claims.holding(ctx, key):
                    return _load_claimed(ctx, key, record, document, digest, src_hash, started)
        return finish(ctx, key, record, document, decision, src_hash, started)
    except Exception as exc:  # a record never stops the run
        return failed(ctx, key, record, document, exc, started)


def _written_or_in_flight(link) -> bool:
    return bool(link and (link.target_key or link.pending_message_id))


def _load_claimed(ctx, key: str, record: dict, document: dict, digest: str, src_hash: str, started: float):
    """Write one record under its claim: its link is read again here, immediately before sending, because
    another flow's run may have posted it (as a dependency) since this run first looked."""
    link = RecordLink.objects.filter(flow=ctx.flow, source_key=key).first()
    intent = _batch_in_flight(ctx, link)
    if intent is not None:
        # The record went in a batch whose worker died: the whole batch goes again as that message.
        mine = [o for o in replay_intent(ctx, intent) if o.source_key == key]
        if mine:
            return mine[0]
        link = RecordLink.objects.filter(flow=ctx.flow, source_key=key).first()
    if link and link.target_key and link.content_hash == digest and not link.pending_message_id:
        decision = Decision(Action.SKIPPED, link.target_key, note="unchanged", digest=digest)
    elif ctx.spec.target_key_field:
        decision = load_keyed(ctx, key, document, digest, link, src_hash)
    else:
        decision = load_document(ctx, key, document, digest, link, src_hash)
    gone = gone_target(link)
    if gone and decision.action == Action.CREATED:
        decision.note = "; ".join(filter(None, [f"posted again: AX no longer had {gone}", decision.note]))
    return finish(ctx, key, record, document, decision, src_hash, started)


def _batch_in_flight(ctx, link) -> WriteIntent | None:
    """The batch this record's link says is in flight (sent, or about to be, when its worker died); None else."""
    if not (link and link.pending_message_id) or link.target_key or link.key_unconfirmed_since:
        return None
    return WriteIntent.objects.filter(flow=ctx.flow, message_id=link.pending_message_id).first()


def load_batch(ctx, batch: list[Prepared]) -> list[RecordOutcome]:
    """Write new AX documents in one AIF message (all or nothing), exactly once.

    Each member's claim is taken (without waiting) and its link read again under it immediately before the
    batch is sent: a member another run holds, or posted since it was deferred, leaves the batch and goes the
    single way (which waits for the claim and then finds it posted). The batch's MessageId is derived from its
    members' own MessageIds; every member's intent carries the batch's, and the batch itself is committed as a
    ``WriteIntent`` before it is sent, so whatever interrupts it, it goes again as the same message (AX refuses
    a re-sent message as a duplicate). After an ambiguous failure the batch is looked up by its records'
    external references where AX can; a refused batch (one bad record) falls back to one write per record, so
    only the bad record goes to the exception queue.
    """
    if not batch:
        return []
    members: list[Prepared] = []
    others: list[Prepared] = []
    held = ctx.cache.setdefault("claims_held", set())
    own: dict[str, str] = {}
    try:
        for p in batch:
            try:
                claimed = claims.try_claim(ctx, p.key)
            except DatabaseError:  # our database busy for a moment: the member goes the single way
                claimed = False
            if not claimed:
                others.append(p)
                continue
            held.add((ctx.flow.pk, p.key))
            link = RecordLink.objects.filter(flow=ctx.flow, source_key=p.key).first()
            if _written_or_in_flight(link):
                held.discard((ctx.flow.pk, p.key))
                claims.release(ctx, p.key)
                others.append(p)
            else:
                own[p.key] = create_message_id(ctx, p.key, p.digest, link)
                members.append(p)
        outcomes = _send_batch(ctx, members, own) if members else []
    finally:
        for p in members:
            held.discard((ctx.flow.pk, p.key))
            claims.release(ctx, p.key)
    return outcomes + [_single_after_batch(ctx, p) for p in others]


def _send_batch(ctx, batch: list[Prepared], own: dict[str, str]) -> list[RecordOutcome]:
    mid = batch_message_id(ctx.flow.pk, [own[p.key] for p in batch])
    _persist_intent(ctx, mid, batch)
    return _write_batch(ctx, mid, batch)


def _persist_intent(ctx, mid: str, batch: list[Prepared]) -> None:
    """Commit, before the batch is sent, the message it goes out as: its MessageId on every member's link and the
    members' documents in a ``WriteIntent``, so a worker killed at any moment after leaves enough to send the very
    same message again (``replay_intent``)."""
    members = [
        {"key": p.key, "record": jsonable(p.record), "document": wire_json(p.document), "digest": p.digest,
         "src_hash": p.src_hash}
        for p in batch
    ]  # fmt: skip
    with transaction.atomic():
        WriteIntent.objects.update_or_create(flow=ctx.flow, message_id=mid, defaults={"members": members})
        for p in batch:
            mark_intent(ctx, p.key, mid)


def _write_batch(
    ctx, mid: str, batch: list[Prepared], *, recheck: bool = False, open_keys: set[str] | None = None
) -> list[RecordOutcome]:
    """Send ``batch`` as one AIF message under ``mid`` and settle its members. ``recheck``: a previous attempt (a
    worker that died) may have committed it. ``open_keys``: the members still waiting for this message's outcome
    (the others were settled before the worker died): all are sent, only these are settled."""
    spec = ctx.spec
    entity = spec.target_entity
    documents = [p.document for p in batch]
    references = [spec.external_reference(p.document, p.key) for p in batch]
    settle = [p for p in batch if open_keys is None or p.key in open_keys]

    def lookup() -> list[str] | None:
        keys = [key_of(ctx, ctx.target.find_by_reference(entity, ref)) for ref in references]
        return keys if all(keys) else None

    lookup_fn = lookup if can_find(ctx, entity) else None
    try:
        result = write(
            ctx,
            lambda: ctx.target.create_many(entity, documents, message_id=mid),
            lookup=lookup_fn,
            recheck_first=recheck,
        )
    except Exception as exc:
        if isinstance(exc, RunLost):
            raise
        if isinstance(exc, RetriesExhausted) or not classify(exc).permanent:
            # One message failed, not each record: the circuit breaker counts it once; every record waits, and its
            # intent stays, so the next attempt is this same message again.
            ctx.consecutive_exhausted += 1
            attempts = getattr(exc, "attempts", 1)
            return [wait(ctx, p.key, p.record, p.document, exc, p.started, attempts=attempts) for p in settle]
        # AX refused the message (all or nothing: nothing of it was posted). One record spoils the batch for all:
        # write them one by one, each under its own MessageId, to find it.
        log.info("batch of %s refused (%s); writing one by one", len(batch), describe(exc))
        _abandon_intent(ctx, mid, [p.key for p in batch])
        return [_single_after_batch(ctx, p) for p in settle]
    note = f"written in a batch of {len(batch)}"
    if result.unconfirmed:
        outcomes = [
            finish(ctx, p.key, p.record, p.document, unconfirmed_decision(mid, result, p.digest, note=note),
                   p.src_hash, p.started, link_exists=True)
            for p in settle
        ]  # fmt: skip
    else:
        if result.recovered:
            note += " (found after an ambiguous failure)"
        keys = dict(zip([p.key for p in batch], result.key, strict=True))
        outcomes = [
            finish(
                ctx, p.key, p.record, p.document,
                Decision(Action.CREATED, keys[p.key], mid, result.attempts, note, digest=p.digest),
                p.src_hash, p.started, link_exists=True,
            )
            for p in settle
        ]  # fmt: skip
    WriteIntent.objects.filter(flow=ctx.flow, message_id=mid).delete()
    return outcomes


def _abandon_intent(ctx, mid: str, keys: list[str]) -> None:
    """AX refused the batch: nothing of it exists, so its members go on their own, each under its own MessageId."""
    with transaction.atomic():
        WriteIntent.objects.filter(flow=ctx.flow, message_id=mid).delete()
        RecordLink.objects.filter(
            flow=ctx.flow, source_key__in=keys, pending_message_id=mid, target_key="", key_unconfirmed_since=None
        ).update(pending_message_id="")


def _in_flight(link, mid: str) -> bool:
    """Whether ``link`` still waits for the outcome of the message ``mid``."""
    return bool(link and link.pending_message_id == mid and not link.target_key and not link.key_unconfirmed_since)


def replay_intent(ctx, intent: WriteIntent) -> list[RecordOutcome]:
    """Send a batch that was in flight when its worker died again, as the same message: the same members, the same
    documents, the same MessageId. AX answers "Duplicate message" when it had committed it (the members are then
    created, AX keys to be confirmed) and posts it when it had not. Takes every member's claim without waiting;
    raises ``RecordBusy`` when another run is writing one of them."""
    held = ctx.cache.setdefault("claims_held", set())
    members = [
        Prepared(m["key"], m["record"], m["document"], m["digest"], m["src_hash"], time.monotonic())
        for m in intent.members
    ]
    taken: list[str] = []
    try:
        for p in members:
            if (ctx.flow.pk, p.key) in held:
                continue
            if not claims.try_claim(ctx, p.key):
                raise claims.RecordBusy(ctx.flow, p.key)
            held.add((ctx.flow.pk, p.key))
            taken.append(p.key)
        if not WriteIntent.objects.filter(pk=intent.pk).exists():
            return []  # another writer settled it meanwhile
        links = RecordLink.objects.filter(flow=ctx.flow, source_key__in=[p.key for p in members])
        open_keys = {link.source_key for link in links if _in_flight(link, intent.message_id)}
        if not open_keys:
            intent.delete()
            return []
        outcomes = _write_batch(ctx, intent.message_id, members, recheck=True, open_keys=open_keys)
        ctx.cache.setdefault("replayed", set()).update(open_keys)
        return outcomes
    finally:
        for key in taken:
            held.discard((ctx.flow.pk, key))
            claims.release(ctx, key)


def replay_intents(ctx) -> int:
    """Before a run walks its records: send again, each as the same message, the batches its flow had in flight
    when a worker died (``replay_intent``). Returns how many records they settled."""
    if ctx.dry_run:
        return 0
    settled = 0
    for intent in WriteIntent.objects.filter(flow=ctx.flow).order_by("pk"):
        try:
            settled += len(replay_intent(ctx, intent))
        except claims.RecordBusy as busy:
            log.info("batch %s waits: %s", intent.message_id, busy)
    return settled


def _single_after_batch(ctx, p: Prepared) -> RecordOutcome:
    try:
        with claims.holding(ctx, p.key):
            return _load_claimed(ctx, p.key, p.record, p.document, p.digest, p.src_hash, p.started)
    except Exception as exc:
        return failed(ctx, p.key, p.record, p.document, exc, p.started)
