"""One record through the pipeline: map -> validate -> resolve references -> load -> link -> report.

The record's link and its outcome are written in one transaction, so a worker killed at any moment
leaves either both or neither; a write that was sent but not linked is found again by its external
reference (see ``load.write``). A record that fails never stops the run.
"""

from __future__ import annotations

import copy
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from integrations.connectors.errors import NotFoundError
from integrations.models import PendingRecord, RecordLink, RecordOutcome, SyncRun
from integrations.sync import load
from integrations.sync.compare import overwritten_values, subset_equal
from integrations.sync.errors import (
    BadSourceRecord,
    MappingFailed,
    MissingReference,
    SyncError,
    classify,
    describe,
)
from integrations.sync.extract import modified_at
from integrations.sync.flows.bank import bank_line_decision
from integrations.sync.flows.status import is_ax_settlement
from integrations.sync.locks import RunLost
from integrations.sync.messageid import content_hash, jsonable, message_id, record_hash
from integrations.sync.references import enrich, resolve
from integrations.sync.validate import validate

log = logging.getLogger(__name__)

Action = RecordOutcome.Action
BLOCKING_ISSUES = {"missing_required", "value_not_mapped", "too_long", "wrong_type", "not_allowed", "rule_error"}
WAITING_ATTEMPTS_BEFORE_EXCEPTION = 5
KEY_FIELDS = ("InvoiceId", "JournalNum", "AccountNum", "ItemId", "Code", "Number", "Id")


@dataclass
class Decision:
    action: str
    target_key: str = ""
    message_id: str = ""
    attempts: int = 1
    note: str = ""
    link: bool = True  # write/refresh the record link
    digest: str = ""  # the document's content hash when already computed (saves hashing it twice)
    target_after: dict | None = None
    extra: dict = field(default_factory=dict)


# --- map --------------------------------------------------------------------------------------


def map_record(ctx, record: dict) -> dict:
    result = ctx.mapping.apply(record)
    blocking = [i for i in result.issues if getattr(i, "code", "") in BLOCKING_ISSUES]
    if blocking:
        message = "; ".join(f"{i.field or i.rule}: {i.message}" for i in blocking)
        raise MappingFailed(message, issues=blocking, suggested_fix=_suggest_for_issues(ctx, blocking))
    return result.document


_VALUE_MAP_NAME = re.compile(r"value map '([^']+)'")


def _suggest_for_issues(ctx, issues) -> dict | None:
    first = issues[0]
    if first.code == "value_not_mapped":
        match = _VALUE_MAP_NAME.search(first.message or "")
        name = match.group(1) if match else ""
        value = None if first.value is None else str(first.value)
        fix = {
            "kind": "add_value_map_entry",
            "mapping_set": ctx.mapping_set.pk,
            "value_map": name,
            "value": value,
            "rule": first.rule,
            "field": first.field,
            "message": f"Add {value!r} to value map {name!r}.",
        }
        if name and value is not None:
            try:
                from mappings.suggestions import suggest_value_map_fix

                fix["candidates"] = [
                    {"value": s.value, "score": s.score, "reason": s.reason}
                    for s in suggest_value_map_fix(ctx.mapping_set, name, value, limit=3)
                ]
            except Exception:
                log.debug("no value map suggestion", exc_info=True)
        return fix
    return {"kind": "edit_mapping", "mapping_set": ctx.mapping_set.pk, "field": first.field, "message": first.message}


# --- the record -------------------------------------------------------------------------------


@dataclass
class Prepared:
    """A record mapped, validated and resolved, whose new AX document waits to be written in a batch."""

    key: str
    record: dict
    document: dict
    digest: str
    src_hash: str
    started: float


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
        if spec.entity == "invoice_status":
            from integrations.sync.flows.status import decide_status

            decision, document = decide_status(ctx, record, key, link)
        elif spec.entity == "payment" and is_ax_settlement(record):
            decision = Decision(Action.SKIPPED, "", note="written by the AX settlement status flow", link=False)
        elif spec.entity == "bank_transaction" and (bank := bank_line_decision(ctx, record, key)) is not None:
            decision = bank
        elif document_override is None and spec.master_data and _unchanged_since_last_sync(ctx, key, src_hash, link):
            decision = Decision(Action.SKIPPED, link.target_key if link else "", note="unchanged since the last sync")
        else:
            if document_override is not None:
                document = copy.deepcopy(document_override)
            else:
                document = map_record(ctx, enrich(ctx, record))
            validate(ctx, document)
            document = resolve(ctx, record, document)
            digest = content_hash(document)
            if link and link.target_key and link.content_hash == digest and not link.pending_message_id:
                decision = Decision(Action.SKIPPED, link.target_key, note="unchanged", digest=digest)
            elif ctx.dry_run:
                decision = Decision(Action.VALIDATED, link.target_key if link else "", link=False)
            elif spec.target_key_field:
                decision = _load_keyed(ctx, key, document, digest, link, src_hash)
            elif defer_create and not (link and (link.target_key or link.pending_message_id)):
                return Prepared(key, record, document, digest, src_hash, started)
            else:
                decision = _load_document(ctx, key, document, digest, link, src_hash)
        return _finish(ctx, key, record, document, decision, src_hash, started)
    except Exception as exc:  # a record never stops the run
        return _failed(ctx, key, record, document, exc, started)


def _failed(ctx, key, record, document, exc, started) -> RecordOutcome:
    """Waiting (missing reference, transient failures outlasting the retries) or in the exception queue."""
    if isinstance(exc, RunLost):
        raise exc  # another worker holds the run now: stop without recording anything
    if isinstance(exc, MissingReference):
        return _wait(ctx, key, record, document, exc, started)
    if isinstance(exc, load.RetriesExhausted):
        ctx.consecutive_exhausted += 1
        return _wait(ctx, key, record, document, exc, started, attempts=exc.attempts)
    c = classify(exc, target_system=ctx.spec.target_system)
    if not c.permanent:
        return _wait(ctx, key, record, document, exc, started)
    if not isinstance(exc, SyncError | NotFoundError) and not getattr(exc, "permanent", False):
        log.exception("record %s of %s failed unexpectedly", key, ctx.flow)
    return _fail(ctx, key or "(no key)", record, document, exc, c, started)


def load_batch(ctx, batch: list[Prepared]) -> list[RecordOutcome]:
    """Write new AX documents in one AIF message (all or nothing), exactly once.

    The batch's MessageId comes from its records' keys and content. After an ambiguous failure the batch
    is looked up by its records' external references; a refused batch (one bad record) falls back to one
    write per record, so only the bad record goes to the exception queue.
    """
    if not batch:
        return []
    spec = ctx.spec
    entity = spec.target_entity
    documents = [p.document for p in batch]
    references = [spec.external_reference(p.document, p.key) for p in batch]
    mid = message_id(
        flow_id=ctx.flow.pk,
        source_key="batch:" + ",".join(p.key for p in batch),
        digest=content_hash([p.digest for p in batch]),
        operation="batch",
    )
    for p in batch:
        _mark_intent(ctx, p.key, mid)

    def lookup() -> list[str] | None:
        keys = [_key_of(ctx, ctx.target.find_by_reference(entity, ref)) for ref in references]
        return keys if all(keys) else None

    try:
        result = load.write(ctx, lambda: ctx.target.create_many(entity, documents, message_id=mid), lookup=lookup)
    except Exception as exc:
        if isinstance(exc, RunLost):
            raise
        if isinstance(exc, load.RetriesExhausted) or not classify(exc).permanent:
            # One message failed, not each record: the circuit breaker counts it once; every record waits.
            ctx.consecutive_exhausted += 1
            attempts = getattr(exc, "attempts", 1)
            return [_wait(ctx, p.key, p.record, p.document, exc, p.started, attempts=attempts) for p in batch]
        # One record spoils the batch for all: write them one by one to find it.
        log.info("batch of %s refused (%s); writing one by one", len(batch), describe(exc))
        return [_single_after_batch(ctx, p) for p in batch]
    note = f"written in a batch of {len(batch)}" + (" (found after an ambiguous failure)" if result.recovered else "")
    return [
        _finish(
            ctx, p.key, p.record, p.document,
            Decision(Action.CREATED, key, mid, result.attempts, note, digest=p.digest),
            p.src_hash, p.started, link_exists=True,
        )
        for p, key in zip(batch, result.key, strict=True)
    ]  # fmt: skip


def _single_after_batch(ctx, p: Prepared) -> RecordOutcome:
    try:
        link = RecordLink.objects.filter(flow=ctx.flow, source_key=p.key).first()
        decision = _load_document(ctx, p.key, p.document, p.digest, link, p.src_hash)
        return _finish(ctx, p.key, p.record, p.document, decision, p.src_hash, p.started)
    except Exception as exc:
        return _failed(ctx, p.key, p.record, p.document, exc, p.started)


def _unchanged_since_last_sync(ctx, key: str, src_hash: str, link: RecordLink | None) -> bool:
    """Master data: the source record is as we last saw it, or as the other direction last wrote it (echo)."""
    if link and link.target_key and link.source_hash == src_hash and link.mapping_version == ctx.mapping_set.version:
        return True
    reverse = ctx.reverse_flow()
    if reverse is None:
        return False
    rlink = RecordLink.objects.filter(flow=reverse, target_key=key).first()
    return bool(rlink and rlink.target_hash and rlink.target_hash == src_hash)


def _read_or_none(ctx, entity: str, key: str) -> dict | None:
    try:
        return load.call(ctx, lambda: ctx.target.read(entity, key), what=f"read {entity} {key}")
    except NotFoundError:
        return None


def _key_of(ctx, found: dict | None) -> str | None:
    if not found:
        return None
    try:
        field_name = ctx.target.catalog(ctx.spec.target_entity).key_field
    except Exception:
        field_name = ""
    for name in (field_name, *KEY_FIELDS):
        if name and found.get(name) not in (None, ""):
            return str(found[name])
    return None


def wire_document(ctx, document: dict) -> dict:
    """The document as the target's connector takes it: KashFlow's JSON wants numbers, not Decimals."""
    if ctx.spec.target_system != "kashflow":
        return document
    return _numbers(document)


def _numbers(value):
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _mark_intent(ctx, key: str, mid: str, link: RecordLink | None = None) -> None:
    """Commit, before the write is sent, that a write of this record is in flight.

    One statement in autocommit: an UPDATE of the link we read, or an INSERT when the record had none.
    """
    _save_link(ctx, key, {"pending_message_id": mid}, exists=link is not None)


def _save_link(ctx, key: str, fields: dict, *, exists: bool | None) -> None:
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


def _load_keyed(ctx, key: str, document: dict, digest: str, link, src_hash: str) -> Decision:
    """Master data and products: we choose the target key; create it or bring it up to date."""
    spec = ctx.spec
    target_key = (link.target_key if link and link.target_key else "") or spec.target_key(document)
    if not target_key:
        raise MappingFailed(f"The mapped document has no {spec.target_key_field}.")
    entity = spec.target_entity
    mid = message_id(flow_id=ctx.flow.pk, source_key=key, digest=digest)
    current = _read_or_none(ctx, entity, target_key)
    if current is None:
        _mark_intent(ctx, key, mid, link)
        result = load.write(
            ctx,
            lambda: ctx.target.create(entity, wire_document(ctx, document), message_id=mid) or target_key,
            lookup=lambda: target_key if _read_or_none(ctx, entity, target_key) is not None else None,
            recheck_first=bool(link and link.pending_message_id),
        )
        after = _read_or_none(ctx, entity, result.key or target_key) if spec.master_data else None
        note = "found in the target after an ambiguous failure" if result.recovered else ""
        return Decision(
            Action.CREATED, result.key or target_key, mid, result.attempts, note, target_after=after, digest=digest
        )
    if subset_equal(document, current):
        note = "the target already holds these values"
        return Decision(Action.SKIPPED, target_key, note=note, target_after=current, digest=digest)
    changed = _target_changed(ctx, target_key, link, current) if spec.master_data else False
    conflict = bool(changed)
    if spec.master_data and spec.direction == "kf_to_ax" and changed is not False:
        # AX is the master: its own change wins; the other direction brings it to KashFlow.
        note = (
            "conflict: changed in AX too since the last sync; AX wins"
            if conflict
            else "already in AX and never synced: AX is the master, the AX → KashFlow flow brings it over"
        )
        return Decision(Action.SKIPPED, target_key, note=note, link=False)
    # One MessageId per transition (this content over that state): a record changed back to an earlier
    # content is a new message, while a retry of this very update is recognised.
    mid = message_id(flow_id=ctx.flow.pk, source_key=key, digest=digest, operation=f"update:{record_hash(current)}")
    result = load.write(
        ctx,
        lambda: ctx.target.update(entity, target_key, wire_document(ctx, document), message_id=mid) or target_key,
        lookup=lambda: target_key if subset_equal(document, _read_or_none(ctx, entity, target_key)) else None,
    )
    after = _read_or_none(ctx, entity, target_key) if spec.master_data else None
    extra = {}
    if spec.direction == "ax_to_kf" and spec.master_data:
        extra["overwritten"] = overwritten_values(document, current)
        extra["conflict"] = conflict
    notes = {True: "conflict: changed in KashFlow too; AX wins", None: "first sync: AX is the master"}
    note = notes.get(changed, "") if spec.master_data else ""
    return Decision(
        Action.UPDATED, target_key, mid, result.attempts, note, target_after=after, extra=extra, digest=digest
    )


def _target_changed(ctx, target_key: str, link, current: dict) -> bool | None:
    """Whether the target record changed since the two sides last agreed; None when they never did."""
    known = {link.target_hash} if link and link.target_hash else set()
    reverse = ctx.reverse_flow()
    if reverse is not None:
        rlink = RecordLink.objects.filter(flow=reverse, source_key=target_key).first()
        if rlink and rlink.source_hash:
            known.add(rlink.source_hash)
    if not known:
        return None
    return record_hash(current) not in known


def _load_document(ctx, key: str, document: dict, digest: str, link, src_hash: str = "") -> Decision:
    """Documents AX numbers itself (invoices, journals): created once, found by their external reference."""
    spec = ctx.spec
    entity = spec.target_entity
    reference = spec.external_reference(document, key)
    mid = message_id(flow_id=ctx.flow.pk, source_key=key, digest=digest)

    def lookup() -> str | None:
        return _key_of(ctx, ctx.target.find_by_reference(entity, reference))

    if link and link.target_key:
        if not spec.updatable and src_hash and link.source_hash == src_hash:
            return Decision(Action.SKIPPED, link.target_key, note="already posted; only the mapping changed since")
        if not spec.updatable:
            raise SyncError(
                f"Changed in KashFlow after it was posted to AX as {link.target_key}: post a correction in AX.",
                code="changed_after_posting",
                suggested_fix={"kind": "manual", "message": "Reverse or correct the AX document by hand."},
            )
        mid = message_id(flow_id=ctx.flow.pk, source_key=key, digest=digest, operation=f"update:{link.content_hash}")
        result = load.write(
            ctx,
            lambda: ctx.target.update(entity, link.target_key, document, message_id=mid) or link.target_key,
            lookup=lambda: (
                link.target_key if subset_equal(document, _read_or_none(ctx, entity, link.target_key)) else None
            ),
        )
        return Decision(Action.UPDATED, link.target_key, mid, result.attempts, digest=digest)
    recheck = bool(link and link.pending_message_id)
    _mark_intent(ctx, key, mid, link)
    result = load.write(
        ctx, lambda: ctx.target.create(entity, document, message_id=mid), lookup=lookup, recheck_first=recheck
    )
    note = "found in AX after an ambiguous failure; not written again" if result.recovered else ""
    return Decision(Action.CREATED, result.key, mid, result.attempts, note, digest=digest)


# --- report -----------------------------------------------------------------------------------

COUNTERS = {
    Action.CREATED: "created_count",
    Action.UPDATED: "updated_count",
    Action.SKIPPED: "skipped_count",
    Action.FAILED: "failed_count",
    Action.VALIDATED: "skipped_count",
}


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _outcome_key(ctx, key: str) -> str:
    # A dependency synced on behalf of another flow is reported in that flow's run, under its entity.
    return f"{ctx.spec.entity}:{key}" if ctx.parent is not None else key


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
        from monitoring.models import ExceptionItem

        if kind == "pending":
            rows = PendingRecord.objects.filter(flow=ctx.flow)
        else:
            rows = ExceptionItem.objects.filter(flow=ctx.flow, status__in=["open", "retrying"])
        ctx.cache[name] = set(rows.values_list("source_key", flat=True))
    return ctx.cache[name]


def _finish(
    ctx, key, record, document, decision: Decision, src_hash: str, started: float, *, link_exists: bool | None = None
) -> RecordOutcome:
    from monitoring import audit
    from monitoring.services import resolve_exceptions_for_record

    with transaction.atomic():
        if decision.link and decision.target_key and decision.action != Action.VALIDATED:
            defaults = {
                "target_key": decision.target_key,
                "mapping_version": ctx.mapping_set.version,
                "source_modified_at": modified_at(record),
                "source_hash": src_hash,
                "pending_message_id": "",
            }
            # A skip that did not look at the document or the target keeps what the link knew of them.
            if document is not None:
                defaults["content_hash"] = decision.digest or content_hash(document)
            if decision.target_after:
                defaults["target_hash"] = record_hash(decision.target_after)
            # Records that were written have a link since _mark_intent: usually one UPDATE does it.
            _save_link(ctx, key, defaults, exists=True if decision.message_id else link_exists)
        elif decision.action != Action.VALIDATED:
            RecordLink.objects.filter(flow=ctx.flow, source_key=key).update(pending_message_id="")
        outcome = RecordOutcome.objects.create(
            run=ctx.run,
            source_key=_outcome_key(ctx, key),
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


def _wait(ctx, key, record, document, exc, started, *, attempts: int = 1) -> RecordOutcome:
    """The record cannot go now (missing reference, remote keeps failing): keep it for a later run."""
    from monitoring.services import record_exception

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
            source_key=_outcome_key(ctx, key or "(no key)"),
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


def _fail(ctx, key, record, document, exc, c, started) -> RecordOutcome:
    from monitoring.services import record_exception

    message = describe(exc)
    suggested = jsonable(getattr(exc, "suggested_fix", None) or _suggest_for_remote(ctx, exc, document))
    payload = jsonable(record) if isinstance(record, dict) else {"raw": repr(record)[:2000]}
    document = jsonable(document)
    with transaction.atomic():
        outcome = RecordOutcome.objects.create(
            run=ctx.run,
            source_key=_outcome_key(ctx, key),
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


def _suggest_for_remote(ctx, exc, document) -> dict | None:
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
