"""The accountants' actions on the exception queue. Every one is recorded with who and when.

Retries run on the django-q2 worker: an action marks the items RETRYING (so the row shows it at
once) and enqueues one task per item after the transaction commits. The task calls the sync
engine's ``retry_exception_item`` and the row ends OPEN (with the new error and one more attempt)
or RESOLVED. Nothing is ever deleted.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_q import tasks as q_tasks

from integrations.sync import retry as sync_retry
from mappings.suggestions import apply_value_map_fix as add_value_map_row
from monitoring import audit
from monitoring.models import ExceptionAction, ExceptionItem
from monitoring.services.editing import EditRefused, validated_edit
from monitoring.services.fixes import value_map_fix_for

S = ExceptionItem.Status
RETRY_TASK = "monitoring.tasks.retry_exception"
# How long a retry waits for the flow's running run before leaving the record to the next run.
RETRY_WAIT_SECONDS = 120
# A retry still running after this long lost its worker: the item goes back to the open queue.
STALE_RETRY = timedelta(minutes=15)


class ActionRefused(Exception):
    """The action cannot be done; ``str(exc)`` says why in the user's words."""


def _log(item: ExceptionItem, action: str, user, note: str = "", details: dict | None = None) -> None:
    ExceptionAction.objects.create(item=item, action=action, user=_user(user), note=note, details=details or {})
    audit.record(actor=user, action=f"exception_{action}", obj=item, changes={"note": note, **(details or {})})


def _user(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _enqueue_retry(item_id: int, user, edit: dict | None = None) -> None:
    user_id = getattr(_user(user), "pk", None)
    kwargs: dict[str, Any] = {"user_id": user_id, **(edit or {})}
    transaction.on_commit(
        lambda: q_tasks.async_task(RETRY_TASK, item_id, task_name=f"retry-exception-{item_id}", **kwargs)
    )


def request_retry(items: Iterable[ExceptionItem] | QuerySet, *, user, note: str = "", action: str = "retry") -> int:
    """Mark the open items among ``items`` RETRYING and enqueue a retry for each. Returns how many."""
    ids = [i.pk for i in items] if not isinstance(items, QuerySet) else None
    with transaction.atomic():
        qs = items if isinstance(items, QuerySet) else ExceptionItem.objects.filter(pk__in=ids)
        claimed = list(
            ExceptionItem.objects.select_for_update().filter(pk__in=qs.values("pk"), status=S.OPEN).order_by("pk")
        )
        if not claimed:
            return 0
        ExceptionItem.objects.filter(pk__in=[i.pk for i in claimed], status=S.OPEN).update(
            status=S.RETRYING, last_seen_at=timezone.now()
        )
        for item in claimed:
            item.status = S.RETRYING
            _log(item, action, user, note)
            _enqueue_retry(item.pk, user)
    return len(claimed)


def retry_group(fingerprint: str, *, user) -> int:
    """Retry every open item with this cause."""
    return request_retry(
        ExceptionItem.objects.filter(fingerprint=fingerprint, status=S.OPEN), user=user, action="retry"
    )


def edit_and_retry(item: ExceptionItem, *, user, document_text: str = "", payload_text: str = "") -> None:
    """Validate the edit, then retry with it. A refused edit leaves the item exactly as it was."""
    edit = validated_edit(item.flow, source_key=item.source_key, document_text=document_text, payload_text=payload_text)
    with transaction.atomic():
        locked = ExceptionItem.objects.select_for_update().get(pk=item.pk)
        if locked.status != S.OPEN:
            raise ActionRefused(
                f"This exception is {locked.get_status_display().lower()}; only open ones can be retried."
            )
        locked.status = S.RETRYING
        locked.save(update_fields=["status", "last_seen_at"])
        what = "edited_document" if "edited_document" in edit else "edited_payload"
        before = locked.mapped_document if what == "edited_document" else locked.source_payload
        after = edit[what]
        changes = audit.diff(before or {}, after) if isinstance(before or {}, dict) else {"": [before, after]}
        _log(locked, "edit_and_retry", user, details={"edited": what, "diff": changes})
        _enqueue_retry(locked.pk, user, edit)
    item.status = S.RETRYING


def apply_value_map_fix(item: ExceptionItem, *, user, target_value: str) -> int:
    """Add the missing value-map row (publishing the mapping) and re-drive every open item with this cause.

    Returns how many items were sent again.
    """
    target_value = str(target_value or "").strip()
    if not target_value:
        raise ActionRefused("Choose the value the missing one should map to.")
    fix = value_map_fix_for(item, limit=0)
    if fix is None:
        raise ActionRefused("This exception is not a missing value-map row, so there is no mapping-level fix.")
    if fix.account_names and target_value not in fix.account_names:
        raise ActionRefused(f"AX has no main account {target_value}: choose one of its chart of accounts.")
    with transaction.atomic():
        try:
            published = add_value_map_row(fix.mapping_set, fix.value_map, fix.value, target_value, actor=_user(user))
        except Exception as exc:  # the mapping app explains what is wrong (unknown map, locked version)
            raise ActionRefused(f"The fix could not be applied: {exc}")
        details = {
            "value_map": fix.value_map,
            "value": fix.value,
            "target": target_value,
            "mapping": fix.mapping_set.key,
            "version": getattr(published, "version", None),
            # The diff of the version published against the one it replaced, linked from the history.
            "mapping_pk": getattr(published, "pk", None),
            "previous_pk": fix.mapping_set.pk,
        }
        _log(item, "fix_applied", user, note=f"{fix.value_map}: {fix.value} -> {target_value}", details=details)
        group = ExceptionItem.objects.filter(fingerprint=item.fingerprint, status=S.OPEN)
        return request_retry(group, user=user, note=f"after fix {fix.value_map}[{fix.value}]", action="retry_after_fix")


def ignore(items: Iterable[ExceptionItem] | QuerySet, *, user, reason: str) -> int:
    """Close the open items without syncing them. A reason is required and kept."""
    reason = str(reason or "").strip()
    if not reason:
        raise ActionRefused("Say why these exceptions are ignored: a reason is required.")
    now = timezone.now()
    ids = [i.pk for i in items] if not isinstance(items, QuerySet) else None
    with transaction.atomic():
        qs = items if isinstance(items, QuerySet) else ExceptionItem.objects.filter(pk__in=ids)
        claimed = list(
            ExceptionItem.objects.select_for_update().filter(pk__in=qs.values("pk"), status=S.OPEN).order_by("pk")
        )
        for item in claimed:
            item.status = S.IGNORED
            item.resolved_at = now
            item.resolved_by = _user(user)
            item.resolution_note = reason
            item.save(update_fields=["status", "resolved_at", "resolved_by", "resolution_note", "last_seen_at"])
            _log(item, "ignored", user, note=reason)
    return len(claimed)


def reopen(item: ExceptionItem, *, user, note: str = "") -> bool:
    """Put an ignored item back in the open queue (its history stays)."""
    with transaction.atomic():
        if ExceptionItem.objects.filter(
            flow=item.flow, source_key=item.source_key, status__in=[S.OPEN, S.RETRYING]
        ).exists():
            raise ActionRefused("This record already has an open exception.")
        changed = ExceptionItem.objects.filter(pk=item.pk, status=S.IGNORED).update(
            status=S.OPEN, resolved_at=None, resolved_by=None, resolution_note=""
        )
        if changed:
            _log(item, "reopened", user, note=note)
    return bool(changed)


# --- The worker's side ---------------------------------------------------------------------------------


def run_retry(item_id: int, *, user_id: int | None = None, edited_document=None, edited_payload=None) -> str:
    """Re-run one item through the sync pipeline (called by the worker). Returns the item's new status.

    Idempotent: an item that is no longer RETRYING (already done, or delivered twice) is left alone.
    """
    item = ExceptionItem.objects.select_related("flow").filter(pk=item_id).first()
    if item is None or item.status != S.RETRYING:
        return item.status if item else "missing"
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    attempts_before = item.attempts
    actions_before = item.actions.order_by("-id").values_list("id", flat=True).first() or 0
    deadline = time.monotonic() + RETRY_WAIT_SECONDS
    while True:
        # One run per flow: wait for a running one rather than leave the record to the next scheduled run.
        sync_retry.wait_until_idle(item.flow_id, deadline)
        try:
            sync_retry.retry_exception_item(
                item, edited_document=edited_document, edited_payload=edited_payload, user=user
            )
        except Exception as exc:  # the engine should record failures itself; never leave the row spinning
            _fail_retry(item_id, f"The retry could not run: {exc}")
        item.refresh_from_db()
        if item.status != S.RETRYING or not sync_retry.handed_to_a_run(item) or time.monotonic() > deadline:
            break
        # A run started between our check and our claim and was handed the record: take it back, go again.
        sync_retry.take_back(item)
        time.sleep(0.2)
    item.refresh_from_db()
    if item.status == S.RETRYING and sync_retry.handed_to_a_run(item):
        # The flow was busy: its running run (or the next) takes the record and settles the item.
        ExceptionAction.objects.create(item=item, action="retry_queued_behind_run", user=user)
        return item.status
    if item.status == S.RETRYING:
        # The engine ran but did not touch the item: it stays open, counted as one more attempt.
        if item.attempts == attempts_before:
            ExceptionItem.objects.filter(pk=item_id, status=S.RETRYING).update(
                status=S.OPEN, attempts=attempts_before + 1, last_seen_at=timezone.now()
            )
        else:
            ExceptionItem.objects.filter(pk=item_id, status=S.RETRYING).update(status=S.OPEN)
        item.refresh_from_db()
    if item.status == S.RESOLVED:
        # The sync engine logged the resolution already (auto_resolved): that entry becomes the retry's success,
        # so the history says it once, with the person who asked for the retry.
        resolved = item.actions.filter(action="auto_resolved", id__gt=actions_before).order_by("-id").first()
        if resolved is not None:
            resolved.action, resolved.user = "retry_succeeded", user
            resolved.save(update_fields=["action", "user"])
            return item.status
    outcome = "retry_succeeded" if item.status == S.RESOLVED else "retry_failed"
    ExceptionAction.objects.create(
        item=item, action=outcome, user=user, note=item.resolution_note or item.message[:500]
    )
    return item.status


def release_stale_retries(*, older_than: timedelta = STALE_RETRY) -> int:
    """Items left RETRYING by a worker that died mid-retry go back to OPEN (their error kept). Returns how many."""
    edge = timezone.now() - older_than
    stale = list(ExceptionItem.objects.filter(status=S.RETRYING, last_seen_at__lt=edge).values_list("pk", flat=True))
    released = 0
    for pk in stale:
        if ExceptionItem.objects.filter(pk=pk, status=S.RETRYING, last_seen_at__lt=edge).update(status=S.OPEN):
            ExceptionAction.objects.create(item_id=pk, action="retry_abandoned", note="The worker never finished it.")
            released += 1
    return released


def _fail_retry(item_id: int, message: str) -> None:
    with transaction.atomic():
        item = ExceptionItem.objects.select_for_update().filter(pk=item_id, status=S.RETRYING).first()
        if item is None:
            return
        item.status = S.OPEN
        item.attempts += 1
        item.message = message
        item.save(update_fields=["status", "attempts", "message", "last_seen_at"])


__all__ = [
    "ActionRefused",
    "EditRefused",
    "apply_value_map_fix",
    "edit_and_retry",
    "ignore",
    "release_stale_retries",
    "reopen",
    "request_retry",
    "retry_group",
    "run_retry",
]
