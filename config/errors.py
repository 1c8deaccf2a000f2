"""Error pages: JSON for machines on the API and webhook paths, the usual HTML pages everywhere else."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

MACHINE_PATHS = ("/api/", "/webhooks/")


def _for_machines(request: HttpRequest) -> bool:
    return request.path.startswith(MACHINE_PATHS)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _for_machines(request):
        return JsonResponse({"detail": "Bad request.", "problems": [str(exception) or "bad request"]}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _for_machines(request):
        return JsonResponse({"detail": "You do not have permission to do this."}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _for_machines(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _for_machines(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)
