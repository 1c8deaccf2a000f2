"""The audit trail: one call records who changed what. Secrets never enter it."""

from __future__ import annotations

from typing import Any

from django.db import models

from monitoring.models import AuditEvent

SECRET_KEYS = {"password", "memorable_word", "secret", "token", "credentials", "credentials_encrypted", "api_key"}
# Recorded as changed, never by value: an alert webhook URL is a bearer secret, and e-mail addresses are shown
# only to Integration admins while every Viewer reads the audit trail.
SECRET_KEYS |= {"webhook_url", "webhook_url_encrypted", "emails"}


def redact(changes: Any) -> Any:
    if isinstance(changes, dict):
        return {k: ("***" if k.lower() in SECRET_KEYS else redact(v)) for k, v in changes.items()}
    if isinstance(changes, list):
        return [redact(v) for v in changes]
    return changes


def record(
    *,
    actor=None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: dict | None = None,
) -> AuditEvent:
    """Record one change. ``actor`` None means the system (a sync run, a scheduled check)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_label=user.get_username() if user else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        changes=redact(changes or {}),
    )


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for every field that differs."""
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}
