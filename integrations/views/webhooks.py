"""The webhook endpoint: verify, store, answer (202, or 400 listing what cannot be read: stored all the same).
The work happens in a worker. Every answer is JSON."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from config import json_guard
from integrations import webhook_guard
from integrations.services import webhooks

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000


@csrf_exempt
def kashflow_webhook(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        response = JsonResponse({"error": "Only POST is accepted here."}, status=405)
        response["Allow"] = "POST"
        return response
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
    payload, problems = json_guard.loads(body)
    if not webhook_guard.first_delivery(payload, signature, window_seconds=webhooks.REPLAY_WINDOW_SECONDS):
        log.warning("webhook refused: a replayed event id", extra={"remote_addr": request.META.get("REMOTE_ADDR", "")})
        return JsonResponse({"error": "This event was already received."}, status=409)
    # Signed, so stored whatever it holds: an unreadable push becomes an exception in the queue, never lost.
    event = webhooks.receive(body, signature=signature)
    if not problems:
        try:
            webhooks.parse(payload)
        except webhooks.BadWebhook as exc:
            problems = [str(exc)]
    if problems:
        return JsonResponse({"id": event.pk, "status": "stored", "problems": problems}, status=400)
    return JsonResponse({"id": event.pk, "status": "received"}, status=202)
