"""What the webhook endpoint refuses before it stores a push: a guessable secret, and a replayed event.

A push is verified with ``WEBHOOK_SECRET``; an empty, short or example secret (``change-me``) would let anyone
forge one, so the endpoint then refuses every push and says why in the log (``check --deploy`` fails too).

Every push carries an event id: the sender's ``id`` field (the sandbox sends a UUID), or for a body without
one, the signature itself (unique per body and timestamp). An id is accepted once only: the signed timestamp
must fall inside the replay window, and an id already stored in the inbox within it is refused. The cache's
atomic ``add`` closes the gap between two copies arriving at the same instant; the inbox table is the record
that survives a cache flush.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from config.checks import weak_secret
from integrations.models import WebhookEvent

MAX_EVENT_ID_LENGTH = 200


def secret_problem() -> str:
    """Why the configured secret cannot verify pushes ("" when it can)."""
    return weak_secret(str(getattr(settings, "WEBHOOK_SECRET", "")), quote=False)  # logged: never the value


def event_id(payload: object, signature: str) -> str:
    """The push's own ``id`` when it has a usable one, else its signature (``sig:<digest>``)."""
    if isinstance(payload, dict):
        given = payload.get("id")
        if isinstance(given, str | int) and not isinstance(given, bool) and 0 < len(str(given)) <= MAX_EVENT_ID_LENGTH:
            return f"id:{given}"
    return "sig:" + hashlib.sha256(signature.encode()).hexdigest()


def first_delivery(payload: object, signature: str, *, window_seconds: int) -> bool:
    """True the first time an event id arrives within the replay window; False for every copy after it."""
    key = event_id(payload, signature)
    if not cache.add("webhook-event:" + hashlib.sha256(key.encode()).hexdigest(), 1, timeout=window_seconds * 2):
        return False
    since = timezone.now() - timedelta(seconds=window_seconds * 2)
    stored = WebhookEvent.objects.filter(received_at__gte=since)
    if key.startswith("id:"):
        raw = key[3:]
        same = Q(signature=signature) | Q(payload__id=raw)
        if raw.lstrip("-").isdigit():
            same |= Q(payload__id=int(raw))
    else:
        same = Q(signature=signature)
    return not stored.filter(same).exists()
