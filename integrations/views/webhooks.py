"""The webhook endpoint: verify, store, answer. The work happens in a worker."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.services import webhooks

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000


@csrf_exempt
@require_POST
def kashflow_webhook(request: HttpRequest) -> JsonResponse:
    body = request.body
    signature = request.headers.get(webhooks.SIGNATURE_HEADER, "")
    if len(body) > MAX_BODY:
        return JsonResponse({"error": "The body is too large."}, status=413)
    if not webhooks.verify(body, signature):
        log.warning(
            "webhook refused: bad or missing signature",
            extra={"remote_addr": request.META.get("REMOTE_ADDR", ""), "length": len(body)},
        )
        return JsonResponse({"error": "Bad or missing signature."}, status=401)
    event = webhooks.receive(body, signature=signature)
    return JsonResponse({"id": event.pk, "status": "received"}, status=202)
