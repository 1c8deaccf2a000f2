"""The webhook endpoint: verify, store, answer. The work happens in a worker."""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations import webhook_guard, webhooks

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000


@csrf_exempt
@require_POST
def kashflow_webhook(request: HttpRequest) -> JsonResponse:
    body = request.body
    signature = request.headers.get(webhooks.SIGNATURE_HEADER, "")
    if len(body) > MAX_BODY:
        return JsonResponse({"error": "The body is too large."}, status=413)
    problem = webhook_guard.secret_problem()
    if problem:
        # worded so the log's secret redaction leaves it readable: nothing follows the variable's name
        log.error("webhook refused: the signing key cannot be trusted (%s); fix WEBHOOK_SECRET", problem)
        return JsonResponse({"error": "The webhook endpoint is not configured."}, status=503)
    if not webhooks.verify(body, signature):
        log.warning(
            "webhook refused: bad or missing signature",
            extra={"remote_addr": request.META.get("REMOTE_ADDR", ""), "length": len(body)},
        )
        return JsonResponse({"error": "Bad or missing signature."}, status=401)
    if not webhook_guard.first_delivery(_payload(body), signature, window_seconds=webhooks.REPLAY_WINDOW_SECONDS):
        log.warning("webhook refused: a replayed event id", extra={"remote_addr": request.META.get("REMOTE_ADDR", "")})
        return JsonResponse({"error": "This event was already received."}, status=409)
    event = webhooks.receive(body, signature=signature)
    return JsonResponse({"id": event.pk, "status": "received"}, status=202)


def _payload(body: bytes) -> object:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
