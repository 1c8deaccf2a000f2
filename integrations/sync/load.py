"""Load: every remote call goes through here, with retries, and every write is exactly-once.

- ``load_keyed`` (we choose the target key: master data, products) and ``load_document`` (AX numbers the
  document) decide between create, update and skip, and write.

- Transient failures are retried with exponential backoff and jitter, honouring Retry-After.
- After an ambiguous failure (time-out after commit, dropped connection) the record is looked up in the
  target by its external reference before it is written again; AX's duplicate-message answer is the same
  case. The retried write carries the same MessageId, so AX refuses a second posting.
- AX services without ``find`` (free text invoices, payment and general journals: Microsoft's list of standard
  document services) are never looked up: the same document is re-sent with the same MessageId, and AX's
  "Duplicate message" proves it was processed. The record is then *created, AX key to be confirmed*
  (``RecordLink.key_unconfirmed_since``) until reconciliation confirms the key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from integrations.connectors import errors as connector_errors
from integrations.connectors.errors import NotFoundError
from integrations.sync.compare import overwritten_values, subset_equal
from integrations.sync.decisions import Action, Decision
from integrations.sync.errors import AMBIGUOUS, MappingFailed, SyncError, classify, describe
from integrations.sync.link import mark_intent, target_changed
from integrations.sync.messageid import message_id, record_hash

log = logging.getLogger(__name__)
T = TypeVar("T")
KEY_FIELDS = ("InvoiceId", "JournalNum", "AccountNum", "ItemId", "Code", "Number", "Id")


class RetriesExhausted(Exception):
    """A transient failure outlasted the retry policy: the record waits for a later run."""

    def __init__(self, last: BaseException, attempts: int) -> None:
        super().__init__(f"Gave up after {attempts} attempts: {describe(last)}")
        self.last = last
        self.attempts = attempts


@dataclass
class WriteResult:
    key: Any  # the target key (a list of keys for a batch)
    attempts: int
    recovered: bool = False  # found in the target after an ambiguous failure: not written again
    unconfirmed: bool = False  # AX answered "Duplicate message" and nothing can look the key up
    warnings: str = ""  # warnings the target returned with a successful write (AX's Infolog SOAP header)


def target_warnings(ctx) -> str:
    """The warnings of the target's last answer (AX's Infolog header), as one line for the record's outcome."""
    found = getattr(ctx.target, "last_warnings", None) or []
    return "; ".join(f"AX {getattr(w, 'type', 'Warning').lower()}: {getattr(w, 'message', w)}" for w in found)


def with_warnings(note: str, result: WriteResult) -> str:
    return "; ".join(part for part in (note, result.warnings) if part)


def call(ctx, fn: Callable[[], T], *, what: str = "") -> T:
    """Call ``fn`` (a read), retrying transient failures. Permanent errors propagate at once."""
    policy = ctx.policy
    for attempt in range(1, policy.attempts + 1):
        try:
            return fn()
        except connector_errors.ConnectorError as exc:
            c = classify(exc, target_system=ctx.spec.target_system)
            if c.permanent:
                raise
            if c.timeout:
                ctx.note_timeout()
            if attempt == policy.attempts:
                raise RetriesExhausted(exc, attempt) from exc
            log.info("retrying %s after %s (attempt %s)", what or "call", exc.kind, attempt)
            ctx.heartbeat.sleep(policy.delay(attempt, c.retry_after))
    raise AssertionError("unreachable")


def write(ctx, fn: Callable[[], Any], *, lookup: Callable[[], Any] | None, recheck_first: bool = False) -> WriteResult:
    """Write once, whatever happens on the wire.

    ``fn`` performs the write (carrying a deterministic MessageId) and returns the target key;
    ``lookup`` finds the record by its external reference and returns its key or None; None when the target
    cannot look it up (an AX create-only service): the write is re-sent with the same MessageId and a
    "Duplicate message" answer ends it as unconfirmed.
    ``recheck_first``: a previous attempt (maybe by a worker that died) may have committed.
    """
    policy = ctx.policy
    ambiguous = recheck_first
    for attempt in range(1, policy.attempts + 1):
        if ambiguous and lookup is not None:
            found = call(ctx, lookup, what="lookup by reference")
            if found:
                return WriteResult(found, attempt, recovered=True)
        try:
            key = fn() or ""
            return WriteResult(key, attempt, warnings=target_warnings(ctx))
        except connector_errors.ConnectorError as exc:
            c = classify(exc, target_system=ctx.spec.target_system)
            if c.permanent:
                raise
            if c.timeout:
                ctx.note_timeout()
            if c.kind == AMBIGUOUS:
                ambiguous = True
                if isinstance(exc, connector_errors.DuplicateMessageError):
                    if lookup is None:
                        # AX processed this very message before and the service cannot be asked for the key.
                        return WriteResult("", attempt, recovered=True, unconfirmed=True)
                    # AX processed this very message before: its document exists, find it now.
                    found = call(ctx, lookup, what="lookup after duplicate message")
                    if found:
                        return WriteResult(found, attempt, recovered=True)
            if attempt == policy.attempts:
                raise RetriesExhausted(exc, attempt) from exc
            log.info("retrying write after %s (attempt %s)", exc.kind, attempt)
            ctx.heartbeat.sleep(policy.delay(attempt, c.retry_after))
    raise AssertionError("unreachable")


# --- the writes of one record -----------------------------------------------------------------

# A link whose target document a full run found gone from AX (``verify``) keeps that key in ``target_hash``
# until the record is posted again: the new posting needs its own MessageId, since AX remembers the first.
GONE_PREFIX = "gone:"


def gone_target(link) -> str:
    """The AX key a full run found gone for this link ("" when none)."""
    marker = getattr(link, "target_hash", "") or ""
    return marker[len(GONE_PREFIX) :] if marker.startswith(GONE_PREFIX) else ""


def create_message_id(ctx, key: str, digest: str, link) -> str:
    """The MessageId of a record's first posting; a posting again after its document was gone gets another."""
    gone = gone_target(link)
    operation = f"repost:{gone}" if gone else "write"
    return message_id(flow_id=ctx.flow.pk, source_key=key, digest=digest, operation=operation)


def read_or_none(ctx, entity: str, key: str) -> dict | None:
    try:
        return call(ctx, lambda: ctx.target.read(entity, key), what=f"read {entity} {key}")
    except NotFoundError:
        return None


def key_of(ctx, found: dict | None) -> str | None:
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


def load_keyed(ctx, key: str, document: dict, digest: str, link, src_hash: str) -> Decision:
    """Master data and products: we choose the target key; create it or bring it up to date."""
    spec = ctx.spec
    target_key = (link.target_key if link and link.target_key else "") or spec.target_key(document)
    if not target_key:
        raise MappingFailed(f"The mapped document has no {spec.target_key_field}.")
    entity = spec.target_entity
    mid = create_message_id(ctx, key, digest, link)
    current = read_or_none(ctx, entity, target_key)
    if current is None:
        mark_intent(ctx, key, mid, link)
        result = write(
            ctx,
            lambda: ctx.target.create(entity, wire_document(ctx, document), message_id=mid) or target_key,
            lookup=lambda: target_key if read_or_none(ctx, entity, target_key) is not None else None,
            recheck_first=bool(link and link.pending_message_id),
        )
        after = read_or_none(ctx, entity, result.key or target_key) if spec.master_data else None
        note = with_warnings("found in the target after an ambiguous failure" if result.recovered else "", result)
        return Decision(
            Action.CREATED, result.key or target_key, mid, result.attempts, note, target_after=after, digest=digest
        )
    if subset_equal(document, current):
        note = "the target already holds these values"
        return Decision(Action.SKIPPED, target_key, note=note, target_after=current, digest=digest)
    changed = target_changed(ctx, target_key, link, current) if spec.master_data else False
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
    result = write(
        ctx,
        lambda: ctx.target.update(entity, target_key, wire_document(ctx, document), message_id=mid) or target_key,
        lookup=lambda: target_key if subset_equal(document, read_or_none(ctx, entity, target_key)) else None,
    )
    after = read_or_none(ctx, entity, target_key) if spec.master_data else None
    extra = {}
    if spec.direction == "ax_to_kf" and spec.master_data:
        extra["overwritten"] = overwritten_values(document, current)
        extra["conflict"] = conflict
    notes = {True: "conflict: changed in KashFlow too; AX wins", None: "first sync: AX is the master"}
    note = with_warnings(notes.get(changed, "") if spec.master_data else "", result)
    return Decision(
        Action.UPDATED, target_key, mid, result.attempts, note, target_after=after, extra=extra, digest=digest
    )


def load_document(ctx, key: str, document: dict, digest: str, link, src_hash: str = "") -> Decision:
    """Documents AX numbers itself (invoices, journals): created once, found by their external reference."""
    spec = ctx.spec
    entity = spec.target_entity
    reference = spec.external_reference(document, key)
    mid = create_message_id(ctx, key, digest, link)

    def lookup() -> str | None:
        found = ctx.target.find_by_reference(entity, reference)
        if found is not None and spec.adopt is not None:
            spec.adopt(document, found)  # raises when AX holds another document under this reference
        return key_of(ctx, found)

    lookup_fn = lookup if can_find(ctx, entity) else None

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
        result = write(
            ctx,
            lambda: ctx.target.update(entity, link.target_key, document, message_id=mid) or link.target_key,
            lookup=lambda: (
                link.target_key if subset_equal(document, read_or_none(ctx, entity, link.target_key)) else None
            ),
        )
        return Decision(Action.UPDATED, link.target_key, mid, result.attempts, with_warnings("", result), digest=digest)
    if link and link.key_unconfirmed_since:
        note = "created in AX (Duplicate message); its AX key waits for confirmation, not sent again"
        return Decision(Action.SKIPPED, "", note=note, link=False, extra={"keep_link": True})
    recheck = bool(link and link.pending_message_id)
    if recheck and lookup_fn is None:
        # A write of this record may have committed: re-send it under the MessageId it went out with, so that
        # AX answers "Duplicate message" instead of creating it twice.
        mid = link.pending_message_id
    mark_intent(ctx, key, mid, link)
    result = write(
        ctx, lambda: ctx.target.create(entity, document, message_id=mid), lookup=lookup_fn, recheck_first=recheck
    )
    if result.unconfirmed:
        return unconfirmed_decision(mid, result, digest)
    note = with_warnings(
        "found in AX after an ambiguous failure; not written again" if result.recovered else "", result
    )
    return Decision(Action.CREATED, result.key, mid, result.attempts, note, digest=digest)


UNCONFIRMED_NOTE = "created, AX key to be confirmed (AX answered Duplicate message to the re-sent document)"


def unconfirmed_decision(mid: str, result: WriteResult, digest: str, *, note: str = "") -> Decision:
    text = "; ".join(part for part in (UNCONFIRMED_NOTE, note) if part)
    return Decision(Action.CREATED, "", mid, result.attempts, text, digest=digest, extra={"unconfirmed": True})


def can_find(ctx, entity: str) -> bool:
    """Whether the target can look a record up by its reference (AX's create-only services cannot)."""
    supports = getattr(ctx.target, "supports", None)
    return supports is None or bool(supports(entity, "find"))
